// A movie: details, cast, rating, the watchlist toggle, reviews, and how far the encode of
// a movie that plays while it is transcoded has got.
import { api, del, get, nextLink, post, put } from '../api.js';
import { alertBox, busy, field, formatDuration, formatTime, h } from '../dom.js';
import { setTitle } from '../router.js';
import { currentUser } from '../session.js';
import { isOnWatchlist } from './lists.js';
import { encodeProgress } from '../player/encode-progress.js';
import { watchTogether } from '../party/start.js';

export async function movieView({ root, params, signal }) {
  const id = params.id;
  const path = `/api/video/${encodeURIComponent(id)}`;
  const movie = await get(`${path}/`);
  if (signal.aborted) return;
  setTitle(movie.title);
  const alert = alertBox();

  const facts = [movie.release_year, movie.duration ? formatDuration(movie.duration) : null,
    movie.maturity_rating].filter(Boolean).join(' · ');
  const rating = h('p', { id: 'rating' });
  showRating(rating, movie.rating, movie.rating_count);
  const encoding = encodeProgress(id);

  const toggle = h('button', { type: 'button', id: 'watchlist-toggle', class: 'secondary',
    'aria-pressed': 'false' }, 'Add to my list');
  const setToggle = (on) => {
    toggle.setAttribute('aria-pressed', String(on));
    toggle.textContent = on ? 'On my list' : 'Add to my list';
  };
  toggle.addEventListener('click', async () => {
    const on = toggle.getAttribute('aria-pressed') === 'true';
    toggle.disabled = true;
    try {
      if (on) await del(`/api/watchlist/${encodeURIComponent(id)}/`);
      else await put(`/api/watchlist/${encodeURIComponent(id)}/`, {});
      setToggle(!on);
      alert.clear();
    } catch (error) {
      alert.show(error.message);
    } finally {
      toggle.disabled = false;
    }
  });

  const cast = h('ul', { id: 'cast', class: 'cast' },
    (movie.cast || []).map((m) => h('li', {},
      h('span', { class: 'cast-name', text: m.name }),
      (m.character || m.role) ? h('span', { class: 'cast-role',
        text: m.character ? `${m.character}${m.role && m.role !== 'actor' ? ` (${m.role})` : ''}` : m.role }) : null)));

  const backdrop = movie.backdrop_url || movie.poster_url;
  root.append(h('article', { class: 'movie' },
    backdrop ? backdropOf(backdrop) : null,
    h('div', { class: 'movie-head' },
      h('img', { class: 'poster', src: movie.poster_url || movie.thumbnail_url, alt: '',
        loading: 'lazy', width: 240, height: 360 }),
      h('div', { class: 'movie-info' },
        h('h1', { text: movie.title }),
        facts ? h('p', { class: 'facts', text: facts }) : null,
        (movie.genres || []).length
          ? h('ul', { class: 'genres', 'aria-label': 'Genres' },
            movie.genres.map((g) => h('li', {}, h('a', { href: `/?genre=${encodeURIComponent(g.id)}`, text: g.name }))))
          : null,
        rating,
        encoding.el,
        h('p', { class: 'description', text: movie.description || '' }),
        h('div', { class: 'actions' },
          h('a', { class: 'button', href: `/watch/${encodeURIComponent(id)}` },
            h('span', { 'aria-hidden': 'true' }, '▶ '), 'Play'),
          watchTogether(id),
          toggle),
        alert)),
    (movie.cast || []).length ? h('section', { class: 'cast-section' },
      h('h2', { id: 'cast-heading', text: 'Cast' }), cast) : cast,
    reviewsSection(id, path, rating, signal)));

  isOnWatchlist(id).then(setToggle).catch(() => {});
  encoding.follow(movie, signal);
}

function backdropOf(src) {
  const div = h('div', { class: 'backdrop', 'aria-hidden': 'true' });
  div.style.backgroundImage = `url("${src.replace(/["\\]/g, encodeURIComponent)}")`;
  return div;
}

function showRating(el, average, count) {
  el.textContent = count
    ? `★ ${Number(average).toFixed(1)} / 5 (${count} ${count === 1 ? 'rating' : 'ratings'})`
    : 'No ratings yet';
}

function reviewsSection(id, path, ratingEl, signal) {
  const list = h('ul', { id: 'reviews', class: 'reviews' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'More reviews');
  const alert = alertBox();
  const rating = h('select', { name: 'rating', required: true },
    h('option', { value: '' }, 'Choose…'),
    [5, 4, 3, 2, 1].map((n) => h('option', { value: String(n) }, `${n} ${'★'.repeat(n)}`)));
  const text = h('textarea', { name: 'text', rows: 4, maxLength: 4000 });
  const remove = h('button', { type: 'button', class: 'danger', hidden: true }, 'Delete review');
  const heading = h('h3', { id: 'review-form-heading', text: 'Write a review' });
  const form = h('form', { id: 'review-form' },
    heading, field('Rating', rating), field('Review', text),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Post review'), remove), alert);
  let mine = null;
  let nextPage = null;

  const isMine = (review) => {
    const me = currentUser();
    return Boolean(me && me.id && review.user_id === me.id);
  };

  function setMine(review) {
    mine = review;
    heading.textContent = review ? 'Your review' : 'Write a review';
    remove.hidden = !review;
    rating.value = review ? String(review.rating) : '';
    text.value = review ? review.text || '' : '';
  }

  function reviewItem(review) {
    return h('li', { class: 'review', 'data-mine': isMine(review) ? 'true' : null },
      h('p', { class: 'review-head' },
        h('strong', { text: review.author || 'A viewer' }), ' ',
        h('span', { class: 'stars', 'aria-label': `${review.rating} out of 5` }, '★'.repeat(review.rating)),
        ' ', h('time', { datetime: review.updated_at || review.created_at,
          text: formatTime(review.updated_at || review.created_at) })),
      review.text ? h('p', { text: review.text }) : null);
  }

  async function loadPage(url) {
    const response = await api(url);
    if (signal.aborted) return;
    for (const review of response.data) {
      list.append(reviewItem(review));
      if (isMine(review)) setMine(review);
    }
    nextPage = nextLink(response.headers);
    more.hidden = !nextPage;
    if (!list.children.length) list.append(h('li', { class: 'empty' }, 'No reviews yet.'));
  }

  async function reload() {
    list.replaceChildren();
    setMine(null);
    await loadPage(`${path}/reviews/?limit=20`);
    const movie = await get(`${path}/`);
    showRating(ratingEl, movie.rating, movie.rating_count);
  }

  more.addEventListener('click', () => loadPage(nextPage).catch((e) => alert.show(e.message)));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { rating: Number(rating.value), text: text.value.trim() };
    busy(form, async () => {
      alert.clear();
      try {
        if (mine) await put(`${path}/reviews/mine/`, body);
        else {
          try {
            await post(`${path}/reviews/`, body);
          } catch (error) {
            if (error.status !== 409 || !/already/i.test(error.message)) throw error;
            await put(`${path}/reviews/mine/`, body);
          }
        }
        await reload();
        alert.show('Your review is posted.', 'success');
      } catch (error) {
        alert.show(error.message);
      }
    });
  });
  remove.addEventListener('click', () => busy(form, async () => {
    alert.clear();
    try {
      await del(`${path}/reviews/mine/`);
      await reload();
      alert.show('Your review is deleted.', 'success');
    } catch (error) {
      alert.show(error.message);
    }
  }));

  loadPage(`${path}/reviews/?limit=20`).catch((error) => alert.show(error.message));
  return h('section', { class: 'reviews-section' },
    h('h2', { id: 'reviews-heading', text: 'Reviews' }), list, more, form);
}
