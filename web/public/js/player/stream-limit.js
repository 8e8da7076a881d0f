// The stream-limit dialog: which sessions hold the user's streams, and "Watch here instead".
import { get } from '../api.js';
import { formatDuration, formatTime, h } from '../dom.js';

async function names(sessions, movieId, movieTitle) {
  const devices = new Map();
  const titles = new Map([[movieId, movieTitle]]);
  try {
    (await get('/api/device/')).forEach((d) => devices.set(d.id, d.name));
  } catch { /* the ids will do */ }
  await Promise.all([...new Set(sessions.map((s) => s.movie_id))]
    .filter((id) => !titles.get(id))
    .map((id) => get(`/api/video/${encodeURIComponent(id)}/`)
      .then((m) => titles.set(id, m.title)).catch(() => {})));
  return { device: (id) => devices.get(id) || 'Another device', title: (id) => titles.get(id) || 'a movie' };
}

// Resolves 'steal' or 'cancel'.
export async function askToSteal(root, error, movieId, movieTitle) {
  const sessions = error.body.active_sessions || [];
  const label = await names(sessions, movieId, movieTitle);
  const steal = h('button', { type: 'button' }, 'Watch here instead');
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const dialog = h('dialog', { id: 'stream-limit', 'aria-labelledby': 'stream-limit-title',
    'aria-describedby': 'stream-limit-text' },
  h('h2', { id: 'stream-limit-title', text: 'All your streams are in use' }),
  h('p', { id: 'stream-limit-text', text: error.message }),
  h('ul', { class: 'sessions' }, sessions.map((s) => h('li', { 'data-session': s.watch_session_id },
    h('strong', { class: 'device', text: label.device(s.device_id) }), ' is watching ',
    h('span', { class: 'movie', text: label.title(s.movie_id) }),
    h('span', { class: 'when', text: ` · started ${formatTime(s.started_at)}` }),
    s.position ? h('span', { class: 'position', text: ` · at ${formatDuration(s.position)}` }) : null))),
  h('p', { class: 'hint', text: 'Watching here stops the stream that has been idle longest.' }),
  h('div', { class: 'actions' }, steal, cancel));
  root.append(dialog);
  return new Promise((resolve) => {
    const done = (choice) => {
      if (dialog.open) dialog.close();
      dialog.remove();
      resolve(choice);
    };
    steal.addEventListener('click', () => done('steal'));
    cancel.addEventListener('click', () => done('cancel'));
    dialog.addEventListener('cancel', (event) => { event.preventDefault(); done('cancel'); });
    dialog.showModal();
    steal.focus();
  });
}
