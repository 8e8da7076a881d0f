// The catalog: search, genre filter, and a grid that loads the next page as it scrolls.
import { api, get, nextLink } from '../api.js';
import { alertBox, field, h } from '../dom.js';
import { movieCard } from './cards.js';

// Cards per page: the host may set it (/config.js), as the browser test does to scroll.
const PAGE = Number((window.REELSTACK_CONFIG || {}).pageSize) || 12;

export async function catalogView({ root, signal }) {
  const alert = alertBox();
  const search = h('input', { type: 'search', name: 'search', autocomplete: 'off',
    placeholder: 'Title or cast' });
  const genre = h('select', { name: 'genre' }, h('option', { value: '' }, 'All genres'));
  const grid = h('ul', { id: 'catalog', class: 'grid', 'aria-busy': 'false' });
  const empty = h('p', { class: 'empty', hidden: true }, 'No movies match. ',
    h('a', { href: '/requests' }, 'Request one'));
  const sentinel = h('div', { id: 'catalog-more', 'aria-hidden': 'true' });
  root.append(
    h('h1', { class: 'visually-hidden', text: 'Catalog' }),
    h('form', { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() },
      field('Search', search), field('Genre', genre)),
    alert, grid, empty, sentinel);

  // The query lives in the URL so that Back returns to the same list.
  const params = new URLSearchParams(location.search);
  search.value = params.get('search') || '';

  let next = null;
  let loading = false;
  let generation = 0;

  async function load(first) {
    if (loading && !first) return;
    const mine = first ? ++generation : generation;
    const target = first ? listUrl() : next;
    if (!target) return;
    loading = true;
    grid.setAttribute('aria-busy', 'true');
    try {
      const response = await api(target);
      if (mine !== generation || signal.aborted) return;
      if (first) grid.replaceChildren();
      grid.append(...response.data.map((movie) => movieCard(movie)));
      next = nextLink(response.headers);
      empty.hidden = grid.children.length > 0;
      alert.clear();
    } catch (error) {
      if (mine === generation) alert.show(error.message);
      next = null;
    } finally {
      if (mine === generation) {
        loading = false;
        grid.setAttribute('aria-busy', 'false');
      }
    }
    // A tall screen may show the sentinel with room to spare: keep filling it.
    if (mine === generation && next && isVisible(sentinel)) load(false);
  }

  function listUrl() {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (genre.value) query.set('genre', genre.value);
    if (search.value.trim()) query.set('search', search.value.trim());
    return `/api/video/?${query}`;
  }

  function applyFilters() {
    const shown = new URLSearchParams();
    if (search.value.trim()) shown.set('search', search.value.trim());
    if (genre.value) shown.set('genre', genre.value);
    const qs = shown.toString();
    history.replaceState({}, '', qs ? `/?${qs}` : '/');
    next = null;
    load(true);
  }

  let timer = null;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(applyFilters, 300);
  });
  genre.addEventListener('change', applyFilters);

  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && next) load(false);
  }, { rootMargin: '400px 0px' });
  observer.observe(sentinel);
  signal.addEventListener('abort', () => {
    observer.disconnect();
    clearTimeout(timer);
  });

  get('/api/genres/').then((genres) => {
    const wanted = params.get('genre') || '';
    genre.append(...genres.map((g) => h('option', { value: g.id, text: g.name })));
    if (wanted && genres.some((g) => String(g.id) === wanted)) {
      genre.value = wanted;
      applyFilters();
    }
  }).catch((error) => alert.show(error.message));

  await load(true);
}

function isVisible(el) {
  const box = el.getBoundingClientRect();
  return box.top < window.innerHeight + 400;
}
