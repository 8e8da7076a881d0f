// Upload a video: choose a movie (or make one: a title, or TMDb by title with posters to
// pick from), drop the file, and watch it go, with pause, cancel and resume.
import { get, post } from '../api.js';
import { alertBox, field, h } from '../dom.js';
import { confirmDialog, consoleFrame } from './shell.js';
import {
  Upload, discardUpload, formatBytes, formatEta, unfinishedUpload, unfinishedUploads,
} from './uploader.js';

export async function uploadView({ root, signal }) {
  const section = consoleFrame(root, 'Upload a video');
  const alert = alertBox();
  const chosen = { movie: null, file: null, upload: null };

  // ---- the movie
  const movieSelect = h('select', { id: 'upload-movie', name: 'movie' },
    h('option', { value: '' }, 'Choose a movie…'));
  const newTitle = h('input', { type: 'text', name: 'title', autocomplete: 'off' });
  const tmdbTitle = h('input', { type: 'search', name: 'tmdb_title', autocomplete: 'off' });
  const tmdbYear = h('input', { type: 'number', name: 'tmdb_year', min: 1870, max: 2100, step: 1 });
  const results = h('ul', { id: 'tmdb-results', class: 'tmdb-results' });
  const createForm = h('form', { id: 'create-movie-form', class: 'inline-form' },
    field('New movie title', newTitle), h('button', { type: 'submit' }, 'Create draft'));
  const tmdbForm = h('form', { id: 'tmdb-search-form', class: 'inline-form', role: 'search' },
    field('Search TMDb by title', tmdbTitle), field('Year (optional)', tmdbYear),
    h('button', { type: 'submit', class: 'secondary' }, 'Search TMDb'));

  // ---- the file
  const fileInput = h('input', { type: 'file', id: 'upload-file', accept: 'video/*' });
  const drop = h('label', { class: 'drop-zone', for: 'upload-file' },
    h('strong', {}, 'Drop a video here'), ' or choose one', fileInput);
  const fileInfo = h('p', { id: 'upload-file-info', class: 'hint', 'aria-live': 'polite' });
  const start = h('button', { type: 'button', id: 'upload-start', disabled: true }, 'Start upload');
  const pause = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Pause');
  const cancel = h('button', { type: 'button', class: 'danger', hidden: true }, 'Cancel upload');
  const bar = h('progress', { id: 'upload-progress', max: 100, value: 0, 'aria-label': 'Upload progress' });
  const status = h('p', { id: 'upload-status', role: 'status' });
  const unfinished = h('ul', { id: 'unfinished-uploads', class: 'plain-list' });
  const progress = h('div', { class: 'upload-progress', hidden: true }, bar, status);

  section.append(alert,
    h('h2', { text: '1. The movie' }),
    field('Existing movie', movieSelect), createForm, tmdbForm, results,
    h('h2', { text: '2. The video' }), drop, fileInfo,
    h('div', { class: 'actions' }, start, pause, cancel), progress,
    h('h2', { text: 'Unfinished uploads' }),
    h('p', { class: 'hint' }, 'Choose the same file again to resume where it stopped.'), unfinished);

  // Keeps what is chosen (a file dropped meanwhile may have chosen its movie).
  async function loadMovies(selected) {
    const movies = await get('/api/video/?status=all&limit=100');
    if (signal.aborted) return;
    const keep = selected || chosen.movie;
    movieSelect.replaceChildren(h('option', { value: '' }, 'Choose a movie…'),
      ...movies.map((m) => h('option', { value: m.movie_id, text: m.title })));
    if (keep && !movies.some((m) => m.movie_id === keep.movie_id)) {
      movieSelect.append(h('option', { value: keep.movie_id, text: keep.title }));
    }
    if (keep) movieSelect.value = keep.movie_id;
    chooseMovie();
  }

  function chooseMovie() {
    const option = movieSelect.selectedOptions[0];
    chosen.movie = movieSelect.value ? { movie_id: movieSelect.value, title: option.text } : null;
    ready();
  }
  movieSelect.addEventListener('change', chooseMovie);

  createForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!newTitle.value.trim()) { alert.show('Give the new movie a title.'); return; }
    alert.clear();
    try {
      const movie = await post('/api/admin/videos/', { title: newTitle.value.trim() });
      newTitle.value = '';
      await loadMovies(movie);
      alert.show(`Draft “${movie.title}” created.`, 'success');
    } catch (error) { alert.show(error.message); }
  });

  tmdbForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    alert.clear();
    const query = new URLSearchParams({ title: tmdbTitle.value.trim() });
    if (tmdbYear.value) query.set('year', tmdbYear.value);
    try {
      const found = await get(`/api/admin/tmdb/search/?${query}`);
      results.replaceChildren(...found.map(tmdbResult));
      if (!found.length) results.append(h('li', { class: 'empty' }, 'TMDb knows no such title.'));
    } catch (error) { alert.show(error.message); }
  });

  function tmdbResult(result) {
    const label = `${result.title}${result.year ? ` (${result.year})` : ''}`;
    const choose = h('button', { type: 'button', class: 'secondary' },
      result.movie_id ? `Use ${label} (in the catalog)` : `Import ${label}`);
    choose.addEventListener('click', async () => {
      choose.disabled = true;
      try {
        const movie = result.movie_id ? { movie_id: result.movie_id, title: result.title }
          : await post('/api/admin/videos/import/', { tmdb_id: result.tmdb_id });
        await loadMovies(movie);
        results.replaceChildren();
        alert.show(`“${movie.title}” is chosen.`, 'success');
      } catch (error) {
        alert.show(error.message);
        choose.disabled = false;
      }
    });
    return h('li', { class: 'tmdb-result' },
      result.poster_url ? h('img', { src: result.poster_url, alt: `Poster of ${label}`, width: 92, height: 138 })
        : h('span', { class: 'no-poster', 'aria-hidden': 'true' }),
      choose);
  }

  // ---- choosing and dropping the file
  function chooseFile(file) {
    if (!file) return;
    if (file.type && !file.type.startsWith('video/')) {
      alert.show(`${file.name} is not a video file.`);
      return;
    }
    chosen.file = file;
    const saved = unfinishedUpload(file);
    fileInfo.textContent = `${file.name}, ${formatBytes(file.size)}.`;
    if (saved) {
      fileInfo.textContent += ' An unfinished upload of this file was found: it resumes where it stopped.';
      const known = [...movieSelect.options].some((o) => o.value === saved.movie_id);
      if (!known) movieSelect.append(h('option', { value: saved.movie_id, text: 'The movie of the unfinished upload' }));
      movieSelect.value = saved.movie_id;
      chooseMovie();
    }
    ready();
  }
  fileInput.addEventListener('change', () => chooseFile(fileInput.files[0]));
  drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    chooseFile(event.dataTransfer.files[0]);
  });

  function ready() {
    const running = chosen.upload && ['uploading', 'retrying'].includes(chosen.upload.state);
    start.disabled = !chosen.movie || !chosen.file || running;
  }

  // ---- the upload itself
  start.addEventListener('click', () => {
    if (chosen.upload && chosen.upload.state === 'paused' && chosen.upload.file === chosen.file) {
      chosen.upload.start();
      return;
    }
    const upload = new Upload(chosen.file, chosen.movie.movie_id);
    chosen.upload = upload;
    progress.hidden = false;
    upload.addEventListener('progress', ({ detail }) => {
      bar.value = detail.total ? (100 * detail.loaded) / detail.total : 0;
      bar.setAttribute('aria-valuetext', `${Math.floor(bar.value)} percent`);
      if (upload.state === 'uploading') {
        status.textContent = `${formatBytes(detail.loaded)} of ${formatBytes(detail.total)} · ` +
          `${formatBytes(detail.speed)}/s · ${formatEta(detail.eta)}` +
          (upload.resumed ? ' · resumed' : '');
      }
    });
    upload.addEventListener('state', ({ detail }) => {
      section.dataset.uploadState = detail.state;
      if (detail.message) status.textContent = detail.message;
      const running = ['uploading', 'retrying'].includes(detail.state);
      pause.hidden = !running;
      cancel.hidden = !(running || detail.state === 'paused');
      start.textContent = detail.state === 'paused' ? 'Resume upload' : 'Start upload';
      if (detail.state === 'done') {
        status.replaceChildren(detail.message, ' ',
          h('a', { href: '/admin/pipeline' }, 'Follow it in the pipeline'));
        chosen.file = null;
      }
      if (detail.state === 'failed') alert.show(`The upload stopped: ${detail.message}`);
      ready();
      listUnfinished();
    });
    upload.start();
  });
  pause.addEventListener('click', () => chosen.upload && chosen.upload.pause());
  cancel.addEventListener('click', async () => {
    if (!chosen.upload) return;
    if (!(await confirmDialog('Cancel the upload?', 'The parts sent so far are deleted.', 'Cancel upload'))) return;
    try { await chosen.upload.cancel(); } catch (error) { alert.show(error.message); }
  });

  function listUnfinished() {
    const all = unfinishedUploads();
    unfinished.replaceChildren(...all.map((state) => {
      const discard = h('button', { type: 'button', class: 'secondary' }, `Discard ${state.name}`);
      discard.addEventListener('click', async () => {
        discard.disabled = true;
        try { await discardUpload(state); } catch (error) { alert.show(error.message); }
        listUnfinished();
      });
      return h('li', {}, `${state.name} (${formatBytes(state.size)}), started ${new Date(state.started_at).toLocaleString()} `, discard);
    }));
    if (!all.length) unfinished.append(h('li', { class: 'empty' }, 'None.'));
  }

  // Leaving the page pauses (S3 keeps the parts; coming back resumes).
  signal.addEventListener('abort', () => {
    if (chosen.upload && ['uploading', 'retrying'].includes(chosen.upload.state)) chosen.upload.pause();
  });

  listUnfinished();
  const wanted = new URLSearchParams(location.search).get('movie');
  await loadMovies(wanted ? await get(`/api/video/${encodeURIComponent(wanted)}/`) : null);
}
