// Movie requests by state: approve one (with a source URL, or the configured sources) or
// reject it with a reason; each shows its timeline.
import { get, post } from '../api.js';
import { alertBox, field, formatTime, h } from '../dom.js';
import { act, consoleFrame } from './shell.js';

const STATES = ['requested', 'approved', 'acquiring', 'transcoding', 'ready', 'rejected', 'failed'];
const label = (state) => (state ? state[0].toUpperCase() + state.slice(1) : '');

export async function requestsAdminView({ root, signal }) {
  const section = consoleFrame(root, 'Movie requests');
  const alert = alertBox();
  const wanted = new URLSearchParams(location.search).get('state');
  const state = h('select', { name: 'state', id: 'request-state-filter' },
    STATES.map((s) => h('option', { value: s, text: label(s), selected: s === wanted })));
  const list = h('ul', { id: 'admin-requests', class: 'plain-list admin-requests' });
  section.append(alert, field('State', state), list);

  async function load() {
    history.replaceState({}, '', `/admin/requests?state=${encodeURIComponent(state.value)}`);
    try {
      const requests = await get(`/api/admin/requests/?state=${encodeURIComponent(state.value)}&limit=50`);
      if (signal.aborted) return;
      list.replaceChildren(...requests.map(requestItem));
      if (!requests.length) list.append(h('li', { class: 'empty' }, `No ${state.value} requests.`));
    } catch (error) { alert.show(error.message); }
  }
  state.addEventListener('change', load);

  function requestItem(request) {
    const name = `${request.title || `TMDb ${request.tmdb_id}`}${request.year ? ` (${request.year})` : ''}`;
    const item = h('li', { class: 'admin-request', 'data-request-id': request.request_id },
      h('h2', {}, name, ' ', h('span', { class: `state state-${request.state}`, text: label(request.state) })),
      h('p', { class: 'hint', text: `${request.requesters} requester(s) · asked ${formatTime(request.created_at)}` +
        (request.reason ? ` · ${request.reason}` : '') }),
      h('ol', { class: 'timeline' }, (request.timeline || []).map((entry) => h('li', { 'data-state': entry.state },
        h('span', { class: 'state', text: label(entry.state) }), ' ',
        h('time', { datetime: entry.at, text: formatTime(entry.at) }),
        entry.note ? h('span', { class: 'note', text: ` — ${entry.note}` }) : null))));
    if (request.state === 'requested') item.append(decisionForms(request, name));
    if (request.movie_id) item.append(h('p', {}, h('a', { href: `/admin/movies/${encodeURIComponent(request.movie_id)}` }, `Edit ${name}`)));
    return item;
  }

  function decisionForms(request, name) {
    const source = h('input', { type: 'url', name: 'source_url', placeholder: 'https://… or s3://…' });
    const reason = h('input', { type: 'text', name: 'reason', maxLength: 500 });
    const approve = h('form', { class: 'inline-form approve-form' },
      field(`Source for ${name} (empty: the configured sources)`, source),
      h('button', { type: 'submit' }, `Approve ${name}`));
    const reject = h('form', { class: 'inline-form reject-form' },
      field(`Why ${name} is rejected`, reason), h('button', { type: 'submit', class: 'danger' }, `Reject ${name}`));
    const path = `/api/admin/requests/${encodeURIComponent(request.request_id)}`;
    approve.addEventListener('submit', (event) => {
      event.preventDefault();
      act(approve.querySelector('button'), alert, async () => {
        await post(`${path}/approve/`, source.value.trim() ? { source_url: source.value.trim() } : {});
        alert.show(`${name} is approved: it is being fetched and transcoded.`, 'success');
        await load();
      });
    });
    reject.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!reason.value.trim()) { alert.show('Say why the request is rejected: the requesters are told.'); return; }
      act(reject.querySelector('button'), alert, async () => {
        await post(`${path}/reject/`, { reason: reason.value.trim() });
        alert.show(`${name} is rejected.`, 'success');
        await load();
      });
    });
    return h('div', { class: 'decisions' }, approve, reject);
  }

  await load();
}
