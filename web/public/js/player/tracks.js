// The subtitles and audio menus: hls.js's subtitleTracks / audioTracks as two <select>s
// (keyboard operable as any form control), the member's choice saved to their preferences
// (PUT /api/me/preferences/) and applied to the next movie. Cues are drawn by the
// browser's own text-track display (hls.js renderTextTracksNatively): never as HTML.
import { get, put } from '../api.js';
import { h } from '../dom.js';

const OFF = 'off';
// Sources tag streams with ISO 639-2 codes (`eng`), admins with BCP 47 (`en`): a
// preference in either finds a track in the other.
const TWO_LETTER = {
  eng: 'en', fra: 'fr', fre: 'fr', deu: 'de', ger: 'de', spa: 'es', ita: 'it', por: 'pt',
  nld: 'nl', dut: 'nl', rus: 'ru', jpn: 'ja', zho: 'zh', chi: 'zh', kor: 'ko', ara: 'ar',
  hin: 'hi', swe: 'sv', nor: 'no', dan: 'da', fin: 'fi', pol: 'pl', tur: 'tr', ces: 'cs',
  cze: 'cs', ell: 'el', gre: 'el', heb: 'he', hun: 'hu', ukr: 'uk',
};

function primary(tag) {
  const first = String(tag || '').toLowerCase().split('-')[0];
  return TWO_LETTER[first] || first;
}

// The index of the track that best fits `wanted`: the same tag, else the same language.
export function trackFor(tracks, wanted) {
  if (!wanted || wanted === OFF) return -1;
  const exact = tracks.findIndex((t) => String(t.lang || '').toLowerCase() === wanted.toLowerCase());
  if (exact >= 0) return exact;
  return tracks.findIndex((t) => t.lang && primary(t.lang) === primary(wanted));
}

function trackName(track) {
  const channels = track.attrs && track.attrs.CHANNELS;
  const name = track.name || track.lang || 'Track';
  return channels && Number.parseInt(channels, 10) > 2 ? `${name} (5.1)` : name;
}

let saved = null; // the member's preferences, read once per page load

function preferences() {
  if (!saved) {
    saved = get('/api/me/preferences/').catch(() => ({ subtitle_language: null, audio_language: null }));
  }
  return saved;
}

async function remember(change) {
  const current = await preferences();
  const next = { subtitle_language: current.subtitle_language ?? null,
    audio_language: current.audio_language ?? null, ...change };
  saved = Promise.resolve(next);
  try {
    saved = Promise.resolve(await put('/api/me/preferences/', next));
  } catch {
    // Not saved (offline, signed out): this page still plays the choice.
  }
}

export function trackMenus() {
  const subtitles = h('select', { id: 'subtitles', 'aria-label': 'Subtitles', disabled: true },
    h('option', { value: '-1' }, 'Off'));
  const audio = h('select', { id: 'audio-track', 'aria-label': 'Audio', disabled: true });
  const el = h('span', { class: 'track-menus' },
    h('label', { class: 'subtitles', hidden: true }, h('span', { class: 'visually-hidden' }, 'Subtitles'), subtitles),
    h('label', { class: 'audio', hidden: true }, h('span', { class: 'visually-hidden' }, 'Audio'), audio));
  let hls = null;

  function fillSubtitles() {
    const tracks = hls.subtitleTracks || [];
    subtitles.replaceChildren(h('option', { value: '-1' }, 'Off'),
      ...tracks.map((track, index) => h('option', { value: String(index) },
        track.forced ? `${trackName(track)} (forced)` : trackName(track))));
    subtitles.value = String(hls.subtitleDisplay ? hls.subtitleTrack : -1);
    subtitles.disabled = tracks.length === 0;
    subtitles.closest('label').hidden = tracks.length === 0;
  }

  function fillAudio() {
    const tracks = hls.audioTracks || [];
    audio.replaceChildren(...tracks.map((track, index) =>
      h('option', { value: String(index) }, trackName(track))));
    audio.value = String(hls.audioTrack);
    audio.disabled = tracks.length < 2;
    audio.closest('label').hidden = tracks.length < 2;
  }

  function showSubtitles(index) {
    hls.subtitleDisplay = index >= 0;
    hls.subtitleTrack = index;
    subtitles.value = String(index);
  }

  async function applyPreferences() {
    const wanted = await preferences();
    if (!hls) return;
    const audioIndex = trackFor(hls.audioTracks || [], wanted.audio_language);
    if (audioIndex >= 0 && audioIndex !== hls.audioTrack) hls.audioTrack = audioIndex;
    if (wanted.subtitle_language === OFF) showSubtitles(-1);
    else {
      const index = trackFor(hls.subtitleTracks || [], wanted.subtitle_language);
      if (index >= 0) showSubtitles(index);
    }
    fillAudio();
    fillSubtitles();
    el.dataset.applied = 'true';
  }

  subtitles.addEventListener('change', () => {
    if (!hls) return;
    const index = Number(subtitles.value);
    showSubtitles(index);
    const track = hls.subtitleTracks[index];
    remember({ subtitle_language: track ? track.lang || null : OFF });
  });

  audio.addEventListener('change', () => {
    if (!hls) return;
    const index = Number(audio.value);
    hls.audioTrack = index;
    const track = hls.audioTracks[index];
    if (track && track.lang) remember({ audio_language: track.lang });
  });

  return {
    el,
    // Follow an hls.js instance: its tracks fill the menus once the manifest is read, and
    // the member's preferences choose among them.
    attach(instance, Hls) {
      hls = instance;
      delete el.dataset.applied;
      hls.on(Hls.Events.MANIFEST_PARSED, () => applyPreferences());
      hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, () => { if (hls) fillSubtitles(); });
      hls.on(Hls.Events.AUDIO_TRACKS_UPDATED, () => { if (hls) fillAudio(); });
      hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, () => { if (hls) audio.value = String(hls.audioTrack); });
      hls.on(Hls.Events.SUBTITLE_TRACK_SWITCH, () => {
        if (hls) subtitles.value = String(hls.subtitleDisplay ? hls.subtitleTrack : -1);
      });
    },
    detach() {
      hls = null;
      subtitles.disabled = true;
      audio.disabled = true;
    },
  };
}
