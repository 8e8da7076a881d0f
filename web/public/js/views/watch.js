// The player: a watch session (start, heartbeats, stop), hls.js playback with resume,
// a quality menu, subtitles and audio menus (player/tracks.js), a seek bar with trick-play thumbnails, the stream-limit dialog, and how
// far the encode has got for a movie that plays while it is transcoded.
import { get } from '../api.js';
import { formatDuration, h } from '../dom.js';
import { navigate, setTitle } from '../router.js';
import { heartbeat, startPlayback, stopPlayback, thumbnailsUrl } from '../player/playback.js';
import { loadThumbnails, trickplayPreview } from '../player/trickplay.js';
import { askToSteal } from '../player/stream-limit.js';
import { encodeProgress } from '../player/encode-progress.js';
import { trackMenus } from '../player/tracks.js';

export async function watchView({ root, params, signal }) {
  const id = params.id;
  const moviePage = `/movie/${encodeURIComponent(id)}`;
  const title = h('h1', { class: 'player-title', text: 'Loading…' });
  const video = h('video', { id: 'player', controls: true, playsInline: true, preload: 'auto' });
  video.muted = true; // muted autoplay is allowed everywhere; the viewer can unmute
  video.setAttribute('muted', '');
  const message = h('div', { id: 'player-message', role: 'alert', class: 'player-message', hidden: true });
  const seek = h('input', { type: 'range', id: 'seek', 'aria-label': 'Seek', min: 0, max: 0,
    step: 1, value: 0, disabled: true });
  const preview = trickplayPreview();
  const clock = h('span', { class: 'clock', 'aria-hidden': 'true', text: '0:00 / 0:00' });
  const quality = h('select', { id: 'quality', 'aria-label': 'Quality' },
    h('option', { value: '-1' }, 'Auto'));
  const playing = h('span', { id: 'quality-current', class: 'quality-current' });
  const tracks = trackMenus();
  const encoding = encodeProgress(id);
  root.append(h('section', { class: 'watch' },
    h('p', { class: 'back' }, h('a', { href: moviePage }, '← Back to the movie')),
    title,
    h('div', { class: 'stage' }, video, message),
    h('div', { class: 'controls' },
      h('div', { class: 'seek-wrap' }, preview.el, seek),
      clock,
      h('label', { class: 'quality' }, h('span', { class: 'visually-hidden' }, 'Quality'), quality),
      playing,
      tracks.el),
    encoding.el));
  title.id = 'watch-title';

  get(`${moviePage.replace('/movie/', '/api/video/')}/`).then((movie) => {
    if (signal.aborted) return;
    title.textContent = movie.title;
    setTitle(`Watching ${movie.title}`);
    root.querySelector('.back a').textContent = `← Back to ${movie.title}`;
    encoding.follow(movie, signal, (now) => {
      if (!now) showMessage('This movie is no longer available to play.');
    });
  }).catch(() => { title.textContent = 'Player'; });

  let session = null; // the 201 body of /api/playback/start/
  let hls = null;
  let interval = 30;
  let timer = null;
  let seekedTimer = null;
  let scrubbing = false;
  let thumbs = null;
  const position = () => Math.floor(video.currentTime || 0);

  // ------------------------------------------------------------------ the session
  async function begin(steal = false) {
    showMessage('');
    let started;
    try {
      started = await startPlayback(id, { steal });
    } catch (error) {
      if (signal.aborted) return;
      if (error.code === 'StreamLimitReached') {
        const choice = await askToSteal(root, error, id, title.textContent);
        if (signal.aborted) return;
        if (choice === 'steal') begin(true);
        else navigate(moviePage);
        return;
      }
      if (error.status !== 401) showMessage(error.message, 'Try again', () => begin(steal));
      return;
    }
    if (signal.aborted) {
      stopPlayback(started.watch_session_id, started.resume_position || 0);
      return;
    }
    session = started;
    interval = Number(started.heartbeat_interval) || 30;
    attach(started.master_playlist_url, Number(started.resume_position) || 0);
    schedule(interval);
    thumbs?.abort();
    thumbs = new AbortController();
    loadThumbnails(thumbnailsUrl(started.master_playlist_url), thumbs.signal)
      .then((cues) => preview.setCues(cues))
      .catch(() => {});
  }

  function schedule(seconds) {
    clearTimeout(timer);
    timer = setTimeout(beat, Math.max(1, seconds) * 1000);
  }

  async function beat() {
    const mine = session;
    if (!mine) return;
    clearTimeout(timer);
    try {
      const lease = await heartbeat(mine.watch_session_id, position());
      if (session !== mine) return;
      interval = Number(lease.heartbeat_interval) || interval;
      schedule(interval);
    } catch (error) {
      if (session !== mine) return;
      if (error.status === 410 || error.status === 404) lost(error);
      else schedule(interval); // a network blip: the lease outlives a missed beat
    }
  }

  function lost(error) {
    session = null;
    clearTimeout(timer);
    video.pause();
    destroyHls();
    const text = error.code === 'SessionEvicted'
      ? 'Playback moved to another device.'
      : error.code === 'SessionExpired'
        ? 'Your playback session expired.'
        : error.message;
    showMessage(text, 'Watch here instead', () => begin(true));
  }

  function end({ keepalive = false } = {}) {
    if (session) stopPlayback(session.watch_session_id, position(), { keepalive });
    session = null;
    clearTimeout(timer);
    clearTimeout(seekedTimer);
  }

  // ------------------------------------------------------------------ media
  function attach(url, resume) {
    destroyHls();
    const Hls = window.Hls;
    if (Hls && Hls.isSupported()) {
      // A movie still being transcoded has EVENT playlists, which hls.js plays as live: it
      // reloads them until #EXT-X-ENDLIST, and would start at the live edge (-1). The film
      // starts at its beginning (or where the viewer left it); liveMaxLatencyDurationCount
      // stays Infinity, so hls.js never skips ahead to the edge on its own.
      // Cues go to the browser's own text-track display (never drawn as HTML).
      hls = new Hls({ startPosition: resume > 0 ? resume : 0, renderTextTracksNatively: true });
      tracks.attach(hls, Hls);
      let recovered = false;
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        fillQuality();
        play();
      });
      hls.on(Hls.Events.LEVEL_SWITCHED, (_, data) => markLevel(data.level));
      hls.on(Hls.Events.ERROR, (_, data) => {
        if (!data.fatal) return;
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !recovered) {
          recovered = true;
          hls.recoverMediaError();
          return;
        }
        const status = data.response && data.response.code;
        if (status === 409) { // the version being transcoded failed: nothing left to play
          showMessage('This movie cannot be played right now: its preparation failed.',
            'Try again', () => begin(false));
          return;
        }
        if (status === 410 || status === 401 || status === 403) {
          beat(); // the session may have ended: the heartbeat says how
          if (status !== 410) showMessage('Playback was refused.', 'Try again', () => begin(false));
          return;
        }
        showMessage(`Playback failed (${data.details}).`, 'Try again', () => begin(false));
      });
      hls.loadSource(url);
      hls.attachMedia(video);
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      quality.replaceChildren(h('option', { value: '-1' }, 'Auto'));
      quality.disabled = true;
      video.addEventListener('loadedmetadata', () => {
        if (resume > 0) video.currentTime = resume;
        play();
      }, { once: true });
      video.src = url;
    } else {
      showMessage('This browser cannot play HLS video.');
    }
  }

  function play() {
    const attempt = video.play();
    if (attempt) attempt.catch(() => {}); // blocked autoplay: the controls still work
  }

  function destroyHls() {
    if (hls) {
      tracks.detach();
      hls.destroy();
      hls = null;
    }
    playing.textContent = '';
  }

  function fillQuality() {
    const heights = hls.levels.map((level) => level.height);
    quality.replaceChildren(h('option', { value: '-1' }, 'Auto'),
      ...hls.levels.map((level, index) => {
        const twice = heights.filter((x) => x === level.height).length > 1;
        const name = level.height ? `${level.height}p` : `${Math.round(level.bitrate / 1000)} kbps`;
        return h('option', { value: String(index) },
          twice ? `${name} (${Math.round(level.bitrate / 1000)} kbps)` : name);
      }));
    quality.value = String(hls.manualLevel ?? -1);
    quality.disabled = false;
  }

  function markLevel(index) {
    [...quality.options].forEach((option) => {
      if (option.value === String(index)) option.dataset.playing = 'true';
      else delete option.dataset.playing;
    });
    const level = hls && hls.levels[index];
    playing.textContent = level && level.height ? `Playing ${level.height}p` : '';
  }

  quality.addEventListener('change', () => {
    if (hls) hls.currentLevel = Number(quality.value);
  });

  // ------------------------------------------------------------------ seek bar
  function sync() {
    const duration = Number.isFinite(video.duration) ? video.duration : 0;
    if (!duration) return; // nothing loaded (yet, or any more after the session ended)
    if (duration && Number(seek.max) !== Math.floor(duration)) {
      seek.max = String(Math.floor(duration));
      seek.disabled = false;
    }
    if (!scrubbing) seek.value = String(Math.floor(video.currentTime || 0));
    const text = `${formatDuration(video.currentTime)} / ${formatDuration(duration)}`;
    clock.textContent = text;
    seek.setAttribute('aria-valuetext', `${formatDuration(seek.value)} of ${formatDuration(duration)}`);
  }

  const fraction = (time) => (Number(seek.max) ? time / Number(seek.max) : 0);
  function timeAt(clientX) {
    const box = seek.getBoundingClientRect();
    const at = Math.min(1, Math.max(0, (clientX - box.left) / box.width));
    return { time: at * Number(seek.max || 0), at };
  }

  seek.addEventListener('pointermove', (event) => {
    if (!Number(seek.max)) return;
    const { time, at } = timeAt(event.clientX);
    preview.show(time, at);
  });
  seek.addEventListener('pointerleave', () => { if (!scrubbing) preview.hide(); });
  seek.addEventListener('pointerdown', () => { scrubbing = true; });
  const release = () => {
    if (!scrubbing) return;
    scrubbing = false;
    if (!seek.matches(':hover')) preview.hide();
  };
  seek.addEventListener('pointerup', release);
  seek.addEventListener('pointercancel', release);
  seek.addEventListener('input', () => {
    const time = Number(seek.value);
    video.currentTime = time;
    if (!scrubbing) preview.show(time, fraction(time)); // keyboard
    sync();
  });
  seek.addEventListener('change', release);
  seek.addEventListener('blur', () => preview.hide());

  video.addEventListener('timeupdate', sync);
  video.addEventListener('durationchange', sync);
  video.addEventListener('loadedmetadata', sync);
  video.addEventListener('pause', () => { if (session && !video.ended) beat(); });
  video.addEventListener('ended', () => { if (session) beat(); });
  video.addEventListener('seeked', () => {
    clearTimeout(seekedTimer);
    seekedTimer = setTimeout(() => { if (session) beat(); }, 400);
  });

  // ------------------------------------------------------------------ leaving
  function showMessage(text, action, onAction) {
    message.replaceChildren();
    message.hidden = !text;
    if (!text) return;
    message.append(h('p', { text }));
    if (action) {
      const button = h('button', { type: 'button' }, action);
      button.addEventListener('click', () => onAction());
      message.append(button);
      button.focus();
    }
  }

  const onPageHide = () => end({ keepalive: true });
  const onPageShow = (event) => { if (event.persisted && !session) begin(false); };
  window.addEventListener('pagehide', onPageHide);
  window.addEventListener('pageshow', onPageShow);
  signal.addEventListener('abort', () => {
    window.removeEventListener('pagehide', onPageHide);
    window.removeEventListener('pageshow', onPageShow);
    end();
    thumbs?.abort();
    destroyHls();
    video.removeAttribute('src');
    video.load();
  });

  await begin(false);
}
