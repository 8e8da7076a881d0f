// Movie requests: ask for a movie, follow each request's timeline until it is ready.
import { get, post } from '../api.js';
import { alertBox, busy, field, formatTime, h } from '../dom.js';
import { setTitle } from '../router.js';

const SETTLED = new Set(['ready', 'rejected', 'failed']);
// The timeline shows each state by its API name (capitalized), its time and any note.
const label = (state) => (state ? state[0].toUpperCase() + state.slice(1) : '');

export async function requestsView({ root, signal }) {
  const alert = alertBox();
  const tmdb = h('input', { type: 'number', name: 'tmdb_id', min: 1, step: 1, inputMode: 'numeric' });
  const title = h('input', { type: 'text', name: 'title', autocomplete: 'off' });
  const year = h('input', { type: 'number', name: 'year', min: 1870, max: 2100, step: 1 });
  const form = h('form', { id: 'request-form' },
    h('h2', { id: 'request-heading', text: 'Request a movie' }),
    h('p', { class: 'hint' }, 'Give its TMDb id, or its title and year.'),
    h('div', { class: 'row' }, field('TMDb id', tmdb),
      h('span', { class: 'or', 'aria-hidden': 'true' }, 'or'), field('Title', title), field('Year', year)),
    h('button', { type: 'submit' }, 'Request'), alert);
  const list = h('ul', { id: 'requests', class: 'requests' });
  root.append(h('h1', { text: 'Requests' }), form,
    h('h2', { text: 'Your requests' }), list);

  async function refresh() {
    const requests = await get('/api/requests/');
    if (signal.aborted) return;
    list.replaceChildren(...requests.map((r) => h('li', {},
      h('a', { href: `/requests/${encodeURIComponent(r.request_id)}` },
        h('span', { class: 'request-title', text: r.title || (r.tmdb_id ? `TMDb ${r.tmdb_id}` : 'Untitled') }),
        r.year ? ` (${r.year})` : '', ' ',
        h('span', { class: `state state-${r.state}`, text: label(r.state) })))));
    if (!requests.length) list.append(h('li', { class: 'empty' }, 'No requests yet.'));
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    let body;
    if (tmdb.value) body = { tmdb_id: Number(tmdb.value) };
    else if (title.value.trim()) {
      body = { title: title.value.trim() };
      if (year.value) body.year = Number(year.value);
    } else {
      alert.show('Give a TMDb id, or a title (and year).');
      return;
    }
    busy(form, async () => {
      alert.clear();
      try {
        const asked = await post('/api/requests/', body);
        form.reset();
        alert.replaceChildren(asked.created === false ? 'Someone already asked for ' : 'Requested ',
          h('a', { href: `/requests/${encodeURIComponent(asked.request_id)}`, text: asked.title || 'your movie' }),
          `: ${label(asked.state)}.`);
        alert.dataset.kind = 'success';
        alert.hidden = false;
        await refresh();
      } catch (error) {
        if (error.code === 'MovieAlreadyAvailable' && error.body.movie_id) {
          alert.replaceChildren(`${error.message} `,
            h('a', { href: `/movie/${encodeURIComponent(error.body.movie_id)}` }, `Open ${error.body.title || 'it'}`));
          alert.dataset.kind = 'info';
          alert.hidden = false;
        } else {
          alert.show(error.message);
        }
      }
    });
  });

  await refresh();
}

export async function requestView({ root, params, signal }) {
  const heading = h('h1', { text: 'Request' });
  const state = h('p', { id: 'request-state', role: 'status' });
  const timeline = h('ol', { id: 'timeline', class: 'timeline' });
  const watch = h('p', { class: 'watch-now' });
  const alert = alertBox();
  root.append(h('p', {}, h('a', { href: '/requests' }, '← Back to the list')),
    heading, state, alert, timeline, watch);
  let timer = null;
  signal.addEventListener('abort', () => clearTimeout(timer));

  async function poll() {
    let request;
    try {
      request = await get(`/api/requests/${encodeURIComponent(params.id)}/`);
      alert.clear();
    } catch (error) {
      if (signal.aborted) return;
      alert.show(error.message);
      if (error.status === 404 || error.status === 403) return;
      timer = setTimeout(poll, 5000);
      return;
    }
    if (signal.aborted) return;
    render(request);
    if (!SETTLED.has(request.state)) timer = setTimeout(poll, 2000);
  }

  let shown = '';
  function render(request) {
    const key = `${request.state}|${request.timeline.length}|${request.movie_id}`;
    if (key === shown) return;
    shown = key;
    const name = request.title || `TMDb ${request.tmdb_id}`;
    heading.textContent = request.year ? `${name} (${request.year})` : name;
    setTitle(name);
    state.replaceChildren('State: ', h('span', { class: `state state-${request.state}`,
      'data-state': request.state, text: label(request.state) }),
    request.reason ? ` — ${request.reason}` : '');
    timeline.replaceChildren(...request.timeline.map((entry) => h('li', { 'data-state': entry.state },
      h('span', { class: 'state', text: label(entry.state) }), ' ',
      h('time', { datetime: entry.at, text: formatTime(entry.at) }),
      entry.note ? h('span', { class: 'note', text: ` — ${entry.note}` }) : null)));
    if (request.state === 'ready' && request.movie_id) {
      watch.replaceChildren(h('a', { class: 'button', href: `/watch/${encodeURIComponent(request.movie_id)}` }, 'Watch now'),
        ' ', h('a', { href: `/movie/${encodeURIComponent(request.movie_id)}` }, 'About the movie'));
    }
  }

  await poll();
}
