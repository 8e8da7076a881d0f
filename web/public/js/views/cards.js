// A movie card: poster and title, linking to the movie (or elsewhere); a movie that plays
// while it is still transcoded says how far that has got.
import { h } from '../dom.js';
import { isGrowing, percentOf } from '../player/encode-progress.js';

export function movieCard(movie, href = `/movie/${encodeURIComponent(movie.movie_id)}`, ...extra) {
  return h('li', { class: 'card-item' },
    h('a', { class: 'card', href },
      h('img', { src: movie.thumbnail_url, alt: movie.title, loading: 'lazy', decoding: 'async',
        width: 320, height: 180 }),
      h('span', { class: 'card-title', text: movie.title }),
      isGrowing(movie)
        ? h('span', { class: 'card-badge', text: `Preparing · ${percentOf(movie)}%` })
        : null,
      ...extra),
  );
}
