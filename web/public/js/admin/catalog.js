// The catalog as admins see it (every status), and the terms movies refer to: genres,
// artists and maturity ratings (a term a movie uses cannot be deleted; the API says so).
import { api, del, get, post } from '../api.js';
import { alertBox, field, h } from '../dom.js';
import { navigate } from '../router.js';
import { act, confirmDialog, consoleFrame, statusBadge } from './shell.js';

const TERM_KINDS = [
  ['genres', 'Genres', 'genre'],
  ['artists', 'Artists', 'artist'],
  ['maturity_ratings', 'Maturity ratings', 'rating'],
];

export async function catalogAdminView({ root, signal }) {
  const section = consoleFrame(root, 'Catalog');
  const alert = alertBox();
  const search = h('input', { type: 'search', name: 'search', autocomplete: 'off' });
  const status = h('select', { name: 'status' },
    ['all', 'draft', 'processing', 'ready', 'failed'].map((s) => h('option', { value: s, text: s === 'all' ? 'Every status' : s })));
  const list = h('ul', { id: 'admin-movies', class: 'plain-list admin-movies' });
  const newTitle = h('input', { type: 'text', name: 'title', autocomplete: 'off' });
  const create = h('form', { class: 'inline-form', id: 'admin-create-movie' },
    field('New movie title', newTitle), h('button', { type: 'submit' }, 'Create draft'));
  section.append(alert, create,
    h('form', { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() },
      field('Search movies', search), field('Status', status)),
    list, h('h2', { text: 'Terms' }), ...TERM_KINDS.map(([path, title, noun]) => termsBlock(path, title, noun, alert)));

  async function load() {
    const query = new URLSearchParams({ status: status.value, limit: '100' });
    if (search.value.trim()) query.set('search', search.value.trim());
    try {
      const movies = await get(`/api/video/?${query}`);
      if (signal.aborted) return;
      list.replaceChildren(...movies.map((m) => h('li', {},
        h('a', { href: `/admin/movies/${encodeURIComponent(m.movie_id)}`, text: m.title }), ' ',
        m.status ? statusBadge(m.status) : null)));
      if (!movies.length) list.append(h('li', { class: 'empty' }, 'No movies match.'));
    } catch (error) { alert.show(error.message); }
  }
  let timer = null;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(load, 300); });
  status.addEventListener('change', load);
  signal.addEventListener('abort', () => clearTimeout(timer));
  create.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const movie = await post('/api/admin/videos/', { title: newTitle.value.trim() });
      navigate(`/admin/movies/${encodeURIComponent(movie.movie_id)}`);
    } catch (error) { alert.show(error.message); }
  });
  await load();
}

function termsBlock(path, title, noun, alert) {
  const list = h('ul', { class: 'plain-list terms', id: `terms-${path}` });
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'off', required: true });
  const code = h('input', { type: 'text', name: 'code', autocomplete: 'off', required: true, maxLength: 16 });
  const minAge = h('input', { type: 'number', name: 'min_age', min: 0, max: 21 });
  const extra = path === 'maturity_ratings' ? [field('Code', code), field('Minimum age', minAge)] : [];
  const form = h('form', { class: 'inline-form' }, field(`New ${noun}`, name), ...extra,
    h('button', { type: 'submit', class: 'secondary' }, `Add ${noun}`));

  async function load() {
    try {
      const terms = await get(`/api/admin/${path}/`);
      list.replaceChildren(...terms.map(termRow));
      if (!terms.length) list.append(h('li', { class: 'empty' }, 'None yet.'));
    } catch (error) { alert.show(error.message); }
  }

  function termRow(term) {
    const rename = h('input', { type: 'text', value: term.name, 'aria-label': `Name of ${noun} ${term.name}` });
    const save = h('button', { type: 'button', class: 'secondary' }, 'Rename');
    const remove = h('button', { type: 'button', class: 'danger' }, `Delete ${term.name}`);
    const url = `/api/admin/${path}/${encodeURIComponent(term.id)}/`;
    save.addEventListener('click', () => act(save, alert, async () => {
      await api(url, { method: 'PATCH', body: { name: rename.value.trim() } });
      alert.show(`Renamed to “${rename.value.trim()}” (and in every movie that names it).`, 'success');
      await load();
    }));
    remove.addEventListener('click', async () => {
      if (!(await confirmDialog(`Delete ${term.name}?`, `The ${noun} goes; a ${noun} a movie still uses cannot be deleted.`, 'Delete'))) return;
      await act(remove, alert, async () => { await del(url); await load(); });
    });
    return h('li', { class: 'term-row' }, rename, save, remove);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { name: name.value.trim() };
    if (path === 'maturity_ratings') {
      body.code = code.value.trim();
      if (minAge.value) body.min_age = Number(minAge.value);
    }
    act(form.querySelector('button'), alert, async () => {
      await post(`/api/admin/${path}/`, body);
      form.reset();
      await load();
    });
  });
  load();
  return h('section', { class: 'terms-block', 'aria-label': title }, h('h3', { text: title }), form, list);
}
