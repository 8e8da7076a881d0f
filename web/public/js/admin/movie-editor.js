// One movie, edited: its fields, genres, rating, cast and roles, poster and backdrop, its
// subtitle and audio tracks (tracks.js), and delete (the confirmation says what goes with it).
import { api, del, get, post } from '../api.js';
import { alertBox, field, h } from '../dom.js';
import { navigate } from '../router.js';
import { act, confirmDialog, consoleFrame, statusBadge } from './shell.js';
import { tracksEditor } from './tracks.js';

const ROLES = ['actor', 'director', 'writer', 'producer', 'composer', 'creator'];
const MAX_IMAGE_BYTES = 700 * 1024; // base64 in a JSON body under the API's 1 MiB limit

export async function movieEditorView({ root, params }) {
  const path = `/api/video/${encodeURIComponent(params.id)}/`;
  const [movie, genres, ratings, artists] = await Promise.all([
    get(path), get('/api/admin/genres/'), get('/api/admin/maturity_ratings/'), get('/api/admin/artists/')]);
  const section = consoleFrame(root, `Edit “${movie.title}”`);
  const alert = alertBox();
  const adminPath = `/api/admin/videos/${encodeURIComponent(movie.movie_id)}/`;

  const title = h('input', { type: 'text', name: 'title', value: movie.title, required: true, maxLength: 300 });
  const description = h('textarea', { name: 'description', rows: 4, maxLength: 5000 });
  description.value = movie.description || '';
  const category = h('input', { type: 'text', name: 'category', value: movie.category || '', maxLength: 80 });
  const year = h('input', { type: 'number', name: 'release_year', min: 1870, max: 2100, value: movie.release_year || '' });
  const genreSelect = h('select', { name: 'genres', multiple: true, size: Math.min(6, Math.max(2, genres.length)) },
    genres.map((g) => h('option', { value: g.id, text: g.name, selected: movie.genres.some((mg) => mg.id === g.id) })));
  const rating = h('select', { name: 'maturity_rating' }, h('option', { value: '' }, 'Not rated'),
    ratings.map((r) => h('option', { value: r.code, text: r.name, selected: r.code === movie.maturity_rating })));
  const cast = h('ul', { class: 'plain-list cast-editor', id: 'cast-editor' });
  const addCast = h('button', { type: 'button', class: 'secondary' }, 'Add a cast member');
  const form = h('form', { id: 'movie-form', class: 'movie-form' },
    field('Title', title), field('Description', description), field('Category', category),
    field('Release year', year), field('Genres', genreSelect), field('Maturity rating', rating),
    h('fieldset', {}, h('legend', { text: 'Cast and roles' }), cast, addCast),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save changes')));

  function castRow(member = { artist_id: '', role: 'actor', character: '' }) {
    const artist = h('select', { 'aria-label': 'Artist' }, h('option', { value: '' }, 'Choose an artist…'),
      artists.map((a) => h('option', { value: a.id, text: a.name, selected: a.id === member.artist_id })));
    const role = h('select', { 'aria-label': 'Role' },
      ROLES.map((r) => h('option', { value: r, text: r, selected: r === member.role })));
    const character = h('input', { type: 'text', 'aria-label': 'Character', value: member.character || '', placeholder: 'Character' });
    const remove = h('button', { type: 'button', class: 'secondary' }, 'Remove');
    const row = h('li', { class: 'cast-row' }, artist, role, character, remove);
    remove.addEventListener('click', () => row.remove());
    row.value = () => (artist.value ? { artist_id: artist.value, role: role.value,
      ...(role.value === 'actor' && character.value.trim() ? { character: character.value.trim() } : {}) } : null);
    return row;
  }
  cast.append(...movie.cast.map(castRow));
  addCast.addEventListener('click', () => cast.append(castRow()));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = {
      title: title.value.trim(), description: description.value, category: category.value.trim(),
      genres: [...genreSelect.selectedOptions].map((o) => o.value),
      cast: [...cast.children].map((row) => row.value()).filter(Boolean),
    };
    if (year.value) body.release_year = Number(year.value);
    if (rating.value) body.maturity_rating = rating.value;
    act(form.querySelector('button[type=submit]'), alert, async () => {
      const { data } = await api(adminPath, { method: 'PATCH', body });
      alert.show(`Saved “${data.title}”.`, 'success');
    });
  });

  const images = h('div', { class: 'image-editors' }, ...['poster', 'backdrop'].map((kind) => imageEditor(kind)));
  function imageEditor(kind) {
    const preview = h('img', { src: movie[`${kind}_url`] || '', alt: `Current ${kind}`, class: `preview-${kind}`, hidden: !movie[`${kind}_url`] });
    const input = h('input', { type: 'file', accept: 'image/jpeg,image/png,image/webp' });
    input.addEventListener('change', async () => {
      const file = input.files[0];
      if (!file) return;
      if (file.size > MAX_IMAGE_BYTES) { alert.show(`The ${kind} must be at most 700 KB.`); return; }
      const data = await new Promise((resolve, reject) => {
        const reader = new FileReader();
        reader.onload = () => resolve(reader.result);
        reader.onerror = () => reject(reader.error);
        reader.readAsDataURL(file);
      });
      await act(input, alert, async () => {
        const { data: saved } = await api(`${adminPath}images/${kind}/`, { method: 'PUT', body: { data } });
        preview.src = `${saved[`${kind}_url`]}?v=${Date.now()}`;
        preview.hidden = false;
        alert.show(`The ${kind} is replaced.`, 'success');
      });
    });
    return h('div', { class: 'image-editor' }, h('h3', { text: kind[0].toUpperCase() + kind.slice(1) }), preview,
      field(`Replace the ${kind} (JPEG, PNG or WebP)`, input));
  }

  const remove = h('button', { type: 'button', class: 'danger', id: 'delete-movie' }, `Delete “${movie.title}”`);
  remove.addEventListener('click', async () => {
    const goes = [
      movie.renditions.length ? `its ${movie.renditions.length} renditions and every video file` : 'its video files',
      'its uploaded source', 'its poster and backdrop',
      movie.rating_count ? `its ${movie.rating_count} reviews and ratings` : 'its reviews',
      'its place on every viewer’s list and in continue watching',
    ];
    const message = `This deletes “${movie.title}” with ${goes.join(', ')}. Its number (${movie.id}) is never given again. This cannot be undone.`;
    if (!(await confirmDialog(`Delete “${movie.title}”?`, message, 'Delete for good'))) return;
    await act(remove, alert, async () => {
      await del(adminPath);
      navigate('/admin/catalog');
    });
  });

  const facts = h('p', { class: 'facts' }, statusBadge(movie.status), ` Number ${movie.id} · `,
    h('a', { href: `/admin/upload?movie=${encodeURIComponent(movie.movie_id)}` }, 'Upload a video for it'),
    movie.status === 'ready' ? [' · ', h('a', { href: `/movie/${encodeURIComponent(movie.movie_id)}` }, 'See it as viewers do')] : null);
  if (movie.transcode && movie.transcode.state === 'failed') {
    const rerun = h('button', { type: 'button', class: 'secondary' }, 'Re-run the transcode');
    rerun.addEventListener('click', () => act(rerun, alert, async () => {
      await post(`${adminPath}transcode/`);
      alert.show('Transcoding again: follow it in the pipeline.', 'success');
    }));
    facts.append(h('span', { class: 'reason', text: ` Failed: ${movie.transcode.reason} ` }), rerun);
  }
  section.append(h('p', {}, h('a', { href: '/admin/catalog' }, '← Back to the catalog')), facts, alert, form,
    h('h2', { text: 'Images' }), images,
    ...(movie.status === 'draft' ? [] : [h('h2', { text: 'Tracks' }), tracksEditor(movie)]),
    h('h2', { text: 'Delete' }), remove);
}
