// The live pipeline: movies by status, each transcode's percent and stage, failures with
// their reason and a re-run. It polls while it is shown; nothing needs a reload.
import { get, post } from '../api.js';
import { alertBox, formatTime, h } from '../dom.js';
import { act, consoleFrame, statusBadge, statusWords } from './shell.js';

const POLL_MS = 2000;
const ORDER = ['processing', 'playable', 'failed', 'draft', 'ready'];

export async function pipelineView({ root, signal }) {
  const section = consoleFrame(root, 'Pipeline');
  const alert = alertBox();
  const board = h('div', { id: 'pipeline', class: 'pipeline', 'aria-live': 'off' });
  const updated = h('p', { class: 'hint', id: 'pipeline-updated' });
  section.append(alert, updated, board);
  let timer = null;
  signal.addEventListener('abort', () => clearTimeout(timer));

  async function poll() {
    try {
      const { statuses } = await get('/api/admin/pipeline/');
      if (signal.aborted) return;
      render(statuses);
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}; updates every ${POLL_MS / 1000} s.`;
      if (alert.dataset.kind !== 'success') alert.clear();
    } catch (error) {
      if (signal.aborted) return;
      alert.show(`Could not update the pipeline: ${error.message}`);
    }
    timer = setTimeout(poll, POLL_MS);
  }

  function render(statuses) {
    // Statuses the console does not know yet (the API may add some) come after the others.
    const names = [...ORDER.filter((s) => s in statuses), ...Object.keys(statuses).filter((s) => !ORDER.includes(s))];
    board.replaceChildren(...names.map((status) => {
      const rows = statuses[status] || [];
      return h('section', { class: 'pipeline-column', 'data-status': status, 'aria-label': statusWords(status) },
        h('h2', {}, `${statusWords(status)} `, h('span', { class: 'count', text: `(${rows.length})` })),
        h('ul', { class: 'plain-list' }, rows.length ? rows.map(row) : h('li', { class: 'empty' }, 'None.')));
    }));
  }

  function row(movie) {
    const item = h('li', { class: 'pipeline-row', 'data-movie-id': movie.movie_id, 'data-status': movie.status },
      h('a', { href: `/admin/movies/${encodeURIComponent(movie.movie_id)}`, class: 'row-title', text: movie.title }),
      ' ', statusBadge(movie.status));
    if (movie.progress !== null && movie.progress !== undefined && movie.status !== 'failed') {
      item.append(h('div', { class: 'row-progress' },
        h('progress', { max: 100, value: movie.progress, 'aria-label': `${movie.title}: transcoded` }),
        h('span', { class: 'percent', text: `${Number(movie.progress).toFixed(1)} %` }),
        movie.stage ? h('span', { class: 'stage', text: ` · ${movie.stage}` }) : null));
    }
    if (movie.status === 'failed' && movie.reason) {
      item.append(h('p', { class: 'reason', text: `Why: ${movie.reason}` }));
    }
    if (movie.can_rerun) {
      const rerun = h('button', { type: 'button', class: 'secondary' }, `Re-run ${movie.title}`);
      rerun.addEventListener('click', () => act(rerun, alert, async () => {
        await post(`/api/admin/videos/${encodeURIComponent(movie.movie_id)}/transcode/`);
        alert.show(`“${movie.title}” is being transcoded again.`, 'success');
      }));
      item.append(rerun);
    }
    if (movie.status === 'draft') {
      item.append(' ', h('a', { href: `/admin/upload?movie=${encodeURIComponent(movie.movie_id)}` }, 'Upload its video'));
    }
    if (movie.updated_at) item.append(h('time', { class: 'hint', datetime: movie.updated_at, text: ` ${formatTime(movie.updated_at)}` }));
    return item;
  }

  await poll();
}
