// A watch party: the movie through this member's own watch session (their plan, their
// stream limit), kept in step with the party's state over the WebSocket, the members,
// the invite link, and the chat.
import { ApiError, del, get, post } from '../api.js';
import { alertBox, formatDuration, h } from '../dom.js';
import { navigate, setTitle } from '../router.js';
import { heartbeat, startPlayback, stopPlayback } from '../player/playback.js';
import { askToSteal } from '../player/stream-limit.js';
import { advancing, correctDrift, positionAt } from './clock.js';
import { chatPanel } from './chat.js';
import { membersPanel } from './members.js';
import { PartySocket } from './socket.js';

const TICK_MS = 250;
const BUFFERING_AFTER_MS = 600; // a stall shorter than this is not worth holding everyone
const PAUSED_SLACK = 0.25; // seconds a paused player may sit beside the party's position

export async function partyView({ root, params, signal }) {
  const partyId = params.id;
  const base = `/api/parties/${encodeURIComponent(partyId)}`;
  const alert = alertBox();
  const invite = new URLSearchParams(location.search).get('invite');
  if (invite) {
    await post(`${base}/members/`, { invite_code: invite });
    history.replaceState({}, '', `/party/${encodeURIComponent(partyId)}`); // the code is used
  }
  let party = await get(`${base}/`);
  if (signal.aborted) return;
  setTitle(`Watch party: ${party.movie_title}`);

  // ------------------------------------------------------------------ layout
  const video = h('video', { id: 'player', playsInline: true, preload: 'auto' });
  video.muted = true; // muted autoplay is allowed everywhere; the viewer can unmute
  const playButton = h('button', { type: 'button', id: 'party-play' }, 'Play');
  const seek = h('input', { type: 'range', id: 'party-seek', 'aria-label': 'Seek', min: 0,
    max: 0, step: 1, value: 0 });
  const clockText = h('span', { class: 'clock', id: 'party-clock', text: '0:00 / 0:00' });
  const unmute = h('button', { type: 'button', class: 'secondary', id: 'party-sound' }, 'Sound on');
  const status = h('p', { id: 'party-status', class: 'party-status', role: 'status' });
  const inviteLink = h('input', { type: 'text', id: 'invite-link', readOnly: true,
    value: party.invite_url || party.invite_code });
  const copy = h('button', { type: 'button', class: 'secondary' }, 'Copy');
  const leave = h('button', { type: 'button', class: 'secondary', id: 'party-leave' }, 'Leave party');
  const end = h('button', { type: 'button', class: 'secondary', id: 'party-end' }, 'End party');
  const members = membersPanel(party, (error) => alert.show(error.message));
  let socket = null;
  const chat = chatPanel((message) => socket?.send(message) || false);

  root.append(h('section', { class: 'party' },
    h('div', { class: 'party-main' },
      h('h1', { class: 'player-title', text: party.movie_title }),
      h('div', { class: 'stage' }, video),
      h('div', { class: 'controls' }, playButton, h('div', { class: 'seek-wrap' }, seek),
        clockText, unmute),
      status, alert,
      h('div', { class: 'party-invite' },
        h('label', { for: 'invite-link', text: 'Invite link' }), inviteLink, copy),
      h('div', { class: 'actions' }, leave, end)),
    h('aside', { class: 'party-side' }, members.el, chat.el)));

  copy.addEventListener('click', () => {
    inviteLink.select();
    navigator.clipboard?.writeText(inviteLink.value).catch(() => {});
  });
  unmute.addEventListener('click', () => {
    video.muted = !video.muted;
    unmute.textContent = video.muted ? 'Sound on' : 'Sound off';
  });

  // ------------------------------------------------------------------ the party's state
  let state = party.state;
  let over = false;
  const youControl = () => members.party.control === 'everyone'
    || members.party.you === members.party.host_user_id;

  function showControls() {
    const allowed = youControl() && !over;
    playButton.disabled = !allowed;
    seek.disabled = !allowed || !Number(seek.max);
    end.hidden = members.party.you !== members.party.host_user_id;
    playButton.textContent = state.playing ? 'Pause' : 'Play';
    playButton.setAttribute('aria-pressed', String(state.playing));
  }

  playButton.addEventListener('click', () => {
    socket?.send({ action: state.playing ? 'pause' : 'play' });
  });
  seek.addEventListener('change', () => socket?.send({ action: 'seek', position: Number(seek.value) }));

  // ------------------------------------------------------------------ own watch session
  let session = null;
  let hls = null;
  let beatTimer = null;

  async function begin(steal = false) {
    try {
      session = await startPlayback(party.movie_id, { steal });
    } catch (error) {
      if (signal.aborted) return;
      if (error.code === 'StreamLimitReached') {
        const choice = await askToSteal(root, error, party.movie_id, party.movie_title);
        if (choice === 'steal') return begin(true);
        return navigate(`/movie/${encodeURIComponent(party.movie_id)}`);
      }
      alert.show(error.message);
      return;
    }
    if (signal.aborted) {
      stopPlayback(session.watch_session_id, 0);
      return;
    }
    attach(session.master_playlist_url);
    scheduleBeat(Number(session.heartbeat_interval) || 30);
  }

  function scheduleBeat(seconds) {
    clearTimeout(beatTimer);
    beatTimer = setTimeout(async () => {
      if (!session) return;
      try {
        const lease = await heartbeat(session.watch_session_id, Math.floor(video.currentTime || 0));
        scheduleBeat(Number(lease.heartbeat_interval) || seconds);
      } catch (error) {
        if (error.status === 410 || error.status === 404) {
          session = null;
          video.pause();
          alert.show('Your stream moved to another device.');
        } else scheduleBeat(seconds);
      }
    }, Math.max(1, seconds) * 1000);
  }

  function attach(url) {
    const Hls = window.Hls;
    const start = positionAt(state, socket ? socket.clock.now() : Date.now() / 1000);
    if (Hls && Hls.isSupported()) {
      hls = new Hls({ startPosition: start });
      hls.loadSource(url);
      hls.attachMedia(video);
    } else {
      video.src = url;
      video.addEventListener('loadedmetadata', () => { video.currentTime = start; }, { once: true });
    }
  }

  // ------------------------------------------------------------------ keeping in step
  let stallTimer = null;
  let reportedBuffering = false;
  let readyTimer = null;

  function tick() {
    if (!video.readyState || over) return;
    const now = socket ? socket.clock.now() : Date.now() / 1000;
    const expected = Math.min(positionAt(state, now), video.duration || Infinity);
    if (advancing(state, now)) {
      if (video.paused && !video.ended) video.play().catch(() => {});
      correctDrift(video, expected, state.rate);
    } else {
      if (!video.paused) video.pause();
      video.playbackRate = 1;
      if (Math.abs(video.currentTime - expected) > PAUSED_SLACK) video.currentTime = expected;
    }
    sync();
  }

  function sync() {
    const duration = Number.isFinite(video.duration) ? video.duration : 0;
    if (duration && Number(seek.max) !== Math.floor(duration)) {
      seek.max = String(Math.floor(duration));
      showControls();
    }
    if (document.activeElement !== seek) seek.value = String(Math.floor(video.currentTime || 0));
    clockText.textContent = `${formatDuration(video.currentTime)} / ${formatDuration(duration)}`;
  }

  function applyState(next) {
    if (next.version < state.version) return; // a late push: a newer state is here already
    state = next;
    clearTimeout(readyTimer);
    const now = socket ? socket.clock.now() : Date.now() / 1000;
    if (state.waiting && state.wait_until && !reportedBuffering) {
      // Those who are ready end a slow member's hold at the cap (the server checks it).
      readyTimer = setTimeout(() => socket?.send({ action: 'ready' }),
        Math.max(0, state.wait_until - now) * 1000 + 50);
    }
    status.textContent = state.waiting ? 'Waiting for someone to catch up…' : '';
    showControls();
    tick();
  }

  video.addEventListener('waiting', () => {
    clearTimeout(stallTimer);
    if (!advancing(state, socket ? socket.clock.now() : Date.now() / 1000)) return;
    stallTimer = setTimeout(() => {
      reportedBuffering = socket?.send({ action: 'buffering' }) || false;
    }, BUFFERING_AFTER_MS);
  });
  const recovered = () => {
    clearTimeout(stallTimer);
    if (reportedBuffering) {
      reportedBuffering = false;
      socket?.send({ action: 'ready' });
    }
  };
  video.addEventListener('playing', recovered);
  video.addEventListener('canplaythrough', recovered);
  video.addEventListener('loadedmetadata', () => tick());
  video.addEventListener('timeupdate', sync);

  // ------------------------------------------------------------------ the socket
  function finish(text) {
    over = true;
    status.textContent = text;
    showControls();
    video.pause();
    endSession();
  }

  function onMessage(message) {
    switch (message.type) {
      case 'welcome':
        party = message;
        members.render(message);
        applyState(message.state);
        break;
      case 'state': applyState(message.state); break;
      case 'members': members.render(message); showControls(); break;
      case 'chat': chat.add(message); break;
      case 'error': alert.show(message.Message); break;
      case 'removed': case 'ended': case 'left': finish(message.Message); break;
      default: break;
    }
  }

  function onStatus(kind, error) {
    if (kind === 'refused') finish(error instanceof ApiError ? error.message : 'Cannot join.');
    else if (kind === 'reconnecting') status.textContent = 'Connection lost; reconnecting…';
    else if (kind === 'open' && !state.waiting) status.textContent = '';
  }

  socket = new PartySocket(partyId, onMessage, onStatus);
  const ticker = setInterval(tick, TICK_MS);

  leave.addEventListener('click', async () => {
    await del(`${base}/members/me/`).catch((error) => alert.show(error.message));
    navigate('/');
  });
  end.addEventListener('click', () => del(`${base}/`).catch((error) => alert.show(error.message)));

  function endSession({ keepalive = false } = {}) {
    clearTimeout(beatTimer);
    if (session) stopPlayback(session.watch_session_id, Math.floor(video.currentTime || 0), { keepalive });
    session = null;
  }

  const onPageHide = () => endSession({ keepalive: true });
  window.addEventListener('pagehide', onPageHide);
  signal.addEventListener('abort', () => {
    window.removeEventListener('pagehide', onPageHide);
    clearInterval(ticker);
    clearTimeout(stallTimer);
    clearTimeout(readyTimer);
    socket.close();
    endSession();
    if (hls) hls.destroy();
    video.removeAttribute('src');
    video.load();
  });

  showControls();
  await socket.open();
  await begin(false);
}
