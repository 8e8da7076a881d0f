// A movie card: poster and title, linking to the movie (or elsewhere).
import { h } from '../dom.js';

export function movieCard(movie, href = `/movie/${encodeURIComponent(movie.movie_id)}`, ...extra) {
  return h('li', { class: 'card-item' },
    h('a', { class: 'card', href },
      h('img', { src: movie.thumbnail_url, alt: movie.title, loading: 'lazy', decoding: 'async',
        width: 320, height: 180 }),
      h('span', { class: 'card-title', text: movie.title }),
      ...extra),
  );
}
