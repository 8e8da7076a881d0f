// Continue watching and My list.
import { api, del, get, nextLink } from '../api.js';
import { alertBox, h } from '../dom.js';
import { movieCard } from './cards.js';

// Whether a movie is on the watchlist: the list is read page by page (newest first).
export async function isOnWatchlist(movieId) {
  let url = '/api/watchlist/?limit=100';
  for (let pages = 0; url && pages < 10; pages += 1) {
    const response = await api(url);
    if (response.data.some((m) => m.movie_id === movieId)) return true;
    url = nextLink(response.headers);
  }
  return false;
}

export async function continueView({ root, signal }) {
  const alert = alertBox();
  const grid = h('ul', { id: 'continue-watching', class: 'grid' });
  root.append(h('h1', { text: 'Continue watching' }), alert, grid);
  const movies = await get('/api/continue-watching/');
  if (signal.aborted) return;
  if (!movies.length) {
    root.append(h('p', { class: 'empty' }, 'Nothing started yet. ', h('a', { href: '/' }, 'Browse movies')));
    return;
  }
  grid.append(...movies.map((movie) => {
    const duration = Number(movie.duration) || 0;
    const position = Math.min(Number(movie.position) || 0, duration || Infinity);
    const percent = duration ? Math.round((position / duration) * 100) : 0;
    const bar = h('progress', { class: 'progress', max: 100, value: percent,
      'aria-label': `${percent}% watched` });
    return movieCard(movie, `/watch/${encodeURIComponent(movie.movie_id)}`, bar);
  }));
}

export async function myListView({ root, signal }) {
  const alert = alertBox();
  const grid = h('ul', { id: 'my-list', class: 'grid' });
  const empty = h('p', { class: 'empty', hidden: true }, 'Your list is empty. ',
    h('a', { href: '/' }, 'Browse movies'));
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more');
  root.append(h('h1', { text: 'My list' }), alert, grid, empty, more);
  let next = null;

  async function load(url) {
    const response = await api(url);
    if (signal.aborted) return;
    grid.append(...response.data.map(item));
    next = nextLink(response.headers);
    more.hidden = !next;
    empty.hidden = grid.children.length > 0;
  }

  function item(movie) {
    const li = movieCard(movie);
    const remove = h('button', { type: 'button', class: 'secondary remove',
      'aria-label': `Remove ${movie.title} from my list` }, 'Remove');
    remove.addEventListener('click', async () => {
      remove.disabled = true;
      try {
        await del(`/api/watchlist/${encodeURIComponent(movie.movie_id)}/`);
        li.remove();
        empty.hidden = grid.children.length > 0;
        alert.show(`${movie.title} is off your list.`, 'success');
        (grid.querySelector('button.remove') || grid.closest('.view')).focus?.();
      } catch (error) {
        remove.disabled = false;
        alert.show(error.message);
      }
    });
    li.append(remove);
    return li;
  }

  more.addEventListener('click', () => load(next).catch((e) => alert.show(e.message)));
  await load('/api/watchlist/?limit=24');
}
