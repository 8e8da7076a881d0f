// A movie's subtitle tracks, each with where it stands and why (docs/subtitles.md), added
// with a file chosen here and uploaded with the presigned PUT the API answers, and deleted;
// its audio tracks, read-only (they come from the source). Every text from the API or a
// file goes in as text (dom.js), never as HTML.
import { api, get, post } from '../api.js';
import { alertBox, field, h } from '../dom.js';
import { act, confirmDialog } from './shell.js';

const KINDS = [['subtitles', 'Subtitles'], ['captions', 'Captions (for the hard of hearing)'], ['forced', 'Forced']];
const STATUS_WORDS = {
  uploading: 'Uploading', queued: 'Queued', processing: 'Processing', ready: 'Ready',
  failed: 'Failed', removing: 'Removing',
};
// A track in one of these changes without the admin: the list is read again until it settles.
const SETTLING = new Set(['uploading', 'queued', 'processing', 'removing']);
const POLL_MS = 2000;

export function tracksEditor(movie) {
  const tracksPath = `/api/admin/videos/${encodeURIComponent(movie.movie_id)}/subtitles/`;
  const alert = alertBox();
  const list = h('ul', { class: 'plain-list subtitle-tracks', id: 'subtitle-tracks', 'aria-live': 'polite' });
  let timer = null;

  async function refresh() {
    clearTimeout(timer);
    const tracks = await get(tracksPath);
    list.replaceChildren(...(tracks.length ? tracks.map(trackRow)
      : [h('li', { class: 'empty', text: 'No subtitle tracks yet.' })]));
    if (tracks.some((t) => SETTLING.has(t.status))) timer = setTimeout(poll, POLL_MS);
  }
  function poll() {
    if (!list.isConnected) return; // the admin went elsewhere
    refresh().catch((error) => alert.show(error.message));
  }

  function trackRow(track) {
    const remove = h('button', { type: 'button', class: 'secondary', disabled: track.status === 'removing',
      'aria-label': `Delete the ${track.label} track` }, 'Delete');
    remove.addEventListener('click', async () => {
      const message = `Its file and its published subtitles are deleted; the video is not touched.`;
      if (!(await confirmDialog(`Delete the ${track.label} track?`, message, 'Delete the track'))) return;
      await act(remove, alert, async () => {
        const { status } = await api(`${tracksPath}${encodeURIComponent(track.track)}`, { method: 'DELETE' });
        alert.show(status === 202 ? `Removing the ${track.label} track from the published video…`
          : `The ${track.label} track is gone.`, 'success');
        await refresh();
      });
    });
    return h('li', { class: 'track-row', 'data-track': track.track, 'data-status': track.status },
      h('span', { class: 'track-name', text: `${track.label} (${track.language}, ${track.kind})` }), ' ',
      h('span', { class: `state state-${track.status}`, text: STATUS_WORDS[track.status] || track.status }),
      track.origin === 'source' ? h('span', { class: 'note', text: ' from the video' }) : null,
      track.current ? null : h('span', { class: 'note', text: ' for an older version' }),
      track.reason ? h('span', { class: 'reason', text: ` ${track.reason}` }) : null, ' ', remove);
  }

  const language = h('input', { type: 'text', name: 'language', required: true, maxLength: 35, placeholder: 'en, pt-BR…' });
  const label = h('input', { type: 'text', name: 'label', maxLength: 80, placeholder: 'English' });
  const kind = h('select', { name: 'kind' }, KINDS.map(([value, text]) => h('option', { value, text })));
  const file = h('input', { type: 'file', name: 'file', required: true, accept: '.srt,.vtt' });
  const form = h('form', { class: 'track-form', id: 'subtitle-form' },
    field('Language (a tag: en, pt-BR)', language), field('Label', label), field('Kind', kind),
    field('File (SRT or WebVTT)', file),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Add the track')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    const format = chosen && (chosen.name.match(/\.(srt|vtt)$/i) || [])[1];
    if (!format) { alert.show('Choose an .srt or .vtt file.'); return; }
    act(form.querySelector('button[type=submit]'), alert, async () => {
      const body = { language: language.value.trim(), kind: kind.value, format: format.toLowerCase() };
      if (label.value.trim()) body.label = label.value.trim();
      const upload = await post(tracksPath, body);
      const sent = await fetch(upload.url, { method: upload.method, headers: upload.headers, body: chosen });
      if (!sent.ok) throw new Error(`The file could not be uploaded (the storage answered ${sent.status}): try again.`);
      form.reset();
      alert.show(`The ${upload.track.label} file is uploaded: the track is published in a moment.`, 'success');
      await refresh();
    });
  });

  const audio = movie.audio_tracks || [];
  const audioList = h('ul', { class: 'plain-list audio-tracks', id: 'audio-tracks' },
    audio.length ? audio.map((a) => h('li', {
      text: `${a.label} (${a.language}${a.channels ? `, ${a.channels} channels` : ''})${a.default ? ', default' : ''}`,
    })) : h('li', { class: 'empty', text: 'The video’s own audio only.' }));

  refresh().catch((error) => alert.show(error.message));
  return h('div', { class: 'tracks-editor' }, h('h3', { text: 'Subtitles' }), alert, list, form,
    h('h3', { text: 'Audio (from the video)' }), audioList);
}
