// How far the encode of a movie that plays while it is transcoded (`playable`) has got.
// It polls the movie's detail until the movie is ready (or gone) and the view goes.
import { get } from '../api.js';
import { h } from '../dom.js';

const POLL_MS = 4000;

export const isGrowing = (movie) => Boolean(movie && movie.status === 'playable');

export const percentOf = (movie) => Math.max(0, Math.min(100, Math.floor(Number(movie.progress) || 0)));

// The progress bar is named by its visible text; only the end is announced (role=status
// on the note), not every step, which would talk over the film.
export function encodeProgress(id) {
  const text = h('span', { id: 'encode-progress-text' });
  const bar = h('progress', { max: 100, value: 0, 'aria-labelledby': 'encode-progress-text' });
  const note = h('p', { class: 'encode-note', role: 'status' });
  const el = h('div', { id: 'encode-progress', class: 'encode-progress', hidden: true },
    text, bar, note);

  function show(movie) {
    if (isGrowing(movie)) {
      const percent = percentOf(movie);
      el.hidden = false;
      text.textContent = `Still being prepared: ${percent}% encoded. You can watch from the start.`;
      bar.value = percent;
      bar.hidden = false;
      el.dataset.state = 'playable';
    } else if (el.dataset.state === 'playable' && movie && movie.status === 'ready') {
      text.textContent = '';
      bar.hidden = true;
      note.textContent = 'Fully prepared: every part of the movie is ready.';
      el.dataset.state = 'ready';
    } else if (el.dataset.state !== 'ready') {
      el.hidden = true;
    }
  }

  // Polls while the movie is playable; `onChange(movie)` hears every answer.
  function follow(first, signal, onChange = () => {}) {
    show(first);
    if (!isGrowing(first)) return;
    let timer = null;
    const poll = async () => {
      let movie = null;
      try {
        movie = await get(`/api/video/${encodeURIComponent(id)}/`);
      } catch (error) {
        if (error.status !== 404) { // a blip: try again later
          if (!signal.aborted) timer = setTimeout(poll, POLL_MS);
          return;
        }
      }
      if (signal.aborted) return;
      show(movie);
      onChange(movie);
      if (isGrowing(movie)) timer = setTimeout(poll, POLL_MS);
    };
    timer = setTimeout(poll, POLL_MS);
    signal.addEventListener('abort', () => clearTimeout(timer));
  }

  return { el, show, follow };
}
