// Uploads a video through the presigned API: one PUT for a small file, multipart parts
// (several in flight) for a large one. A multipart upload is remembered in localStorage,
// keyed by the file's name, size and modification time, so that after a reload or a lost
// connection choosing the same file again sends only the parts S3 does not hold yet.
import { ApiError, post } from '../api.js';

const STORE = 'reelstack.admin.uploads';
const CONCURRENCY = 3;
const RETRIES = 5;

export const fileKey = (file) => `${file.name}|${file.size}|${file.lastModified}`;

function remembered() {
  try { return JSON.parse(localStorage.getItem(STORE) || '{}'); } catch { return {}; }
}

function remember(key, state) {
  const all = remembered();
  if (state) all[key] = state; else delete all[key];
  localStorage.setItem(STORE, JSON.stringify(all));
}

// Unfinished multipart uploads this browser knows of: [{file_key, name, size, movie_id, ...}].
export function unfinishedUploads() {
  return Object.entries(remembered()).map(([key, state]) => ({ ...state, file_key: key }));
}

export const unfinishedUpload = (file) => remembered()[fileKey(file)] || null;

// Give up an unfinished upload without its file (the parts S3 holds are deleted).
export async function discardUpload(state) {
  remember(state.file_key, null);
  await post(`/api/admin/videos/${encodeURIComponent(state.movie_id)}/upload/abort/`,
    { key: state.key, upload_id: state.upload_id });
}

class Stopped extends Error {}

// Events: 'progress' {loaded, total, speed, eta}, 'state' {state, message}.
export class Upload extends EventTarget {
  constructor(file, movieId, { concurrency = CONCURRENCY } = {}) {
    super();
    this.file = file;
    this.movieId = movieId;
    this.concurrency = concurrency;
    this.inFlight = new Map(); // part number -> {xhr, loaded}
    this.done = new Map(); // part number -> {etag, size}
    this.samples = [];
    this.state = 'idle';
    this.resumed = false;
  }

  get base() { return `/api/admin/videos/${encodeURIComponent(this.movieId)}/upload`; }

  async start() {
    this.stopped = false;
    this.setState('uploading');
    try {
      const saved = unfinishedUpload(this.file);
      let plan = saved && saved.movie_id === this.movieId ? await this.resume(saved) : null;
      if (!plan) {
        plan = await post(`${this.base}/`, {
          filename: this.file.name, size: this.file.size, content_type: this.file.type || 'video/mp4' });
      }
      if (plan.method === 'PUT') await this.single(plan);
      else await this.multipart(plan);
      this.setState('done', 'Uploaded: transcoding starts shortly.');
    } catch (error) {
      if (error instanceof Stopped) return;
      this.stopped = true; // the other parts stop too; S3 keeps what it holds for a retry
      this.abortParts();
      this.setState('failed', error.message || 'The upload failed.');
    }
  }

  // The parts S3 holds already, and fresh URLs for the rest; null if S3 forgot the upload.
  async resume(saved) {
    try {
      const plan = await post(`${this.base}/resume/`, {
        key: saved.key, upload_id: saved.upload_id, size: this.file.size, part_size: saved.part_size });
      this.resumed = true;
      return plan;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 410 || error.status === 400)) {
        remember(fileKey(this.file), null);
        return null;
      }
      throw error;
    }
  }

  async single(plan) {
    await this.send(plan.url, this.file, plan.headers || {}, 1);
    this.done.set(1, { size: this.file.size });
  }

  async multipart(plan) {
    this.plan = plan;
    remember(fileKey(this.file), {
      name: this.file.name, size: this.file.size, movie_id: this.movieId, key: plan.key,
      upload_id: plan.upload_id, part_size: plan.part_size, started_at: new Date().toISOString() });
    for (const part of plan.done || []) this.done.set(part.part_number, part);
    this.report();
    const queue = [...plan.parts];
    const worker = async () => {
      while (queue.length) {
        if (this.stopped) throw new Stopped();
        const part = queue.shift();
        await this.sendPart(part);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
    const parts = [...this.done.entries()].sort((a, b) => a[0] - b[0])
      .map(([number, part]) => ({ part_number: number, etag: part.etag }));
    await post(`${this.base}/complete/`, { key: plan.key, upload_id: plan.upload_id, parts });
    remember(fileKey(this.file), null);
  }

  async sendPart(part) {
    const size = this.plan.part_size;
    const start = (part.part_number - 1) * size;
    const blob = this.file.slice(start, Math.min(start + size, this.file.size));
    for (let attempt = 1; ; attempt++) {
      try {
        const etag = await this.send(part.url, blob, {}, part.part_number);
        this.done.set(part.part_number, { etag, size: blob.size });
        this.report();
        return;
      } catch (error) {
        if (this.stopped) throw new Stopped();
        if (attempt >= RETRIES) throw error;
        this.setState('retrying', `Connection trouble (${error.message}): retrying part ${part.part_number}…`);
        await this.backOff(attempt);
        if (error.status === 403) { // the URL expired meanwhile: ask for fresh ones
          const fresh = await post(`${this.base}/resume/`, {
            key: this.plan.key, upload_id: this.plan.upload_id, size: this.file.size,
            part_size: size });
          part = fresh.parts.find((p) => p.part_number === part.part_number) || part;
        }
        this.setState('uploading');
      }
    }
  }

  // Waits longer after each failure, and until the browser is online again.
  async backOff(attempt) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(8000, 500 * 2 ** attempt)));
    if (!navigator.onLine) {
      await new Promise((resolve) => window.addEventListener('online', resolve, { once: true }));
    }
    if (this.stopped) throw new Stopped();
  }

  // One PUT with upload progress (fetch has none): resolves the ETag S3 answered.
  send(url, body, headers, number) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      const entry = { xhr, loaded: 0 };
      this.inFlight.set(number, entry);
      xhr.open('PUT', url);
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (event) => { entry.loaded = event.loaded; this.report(); };
      xhr.onload = () => {
        this.inFlight.delete(number);
        if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.getResponseHeader('ETag') || '');
        else reject(Object.assign(new Error(`storage answered ${xhr.status}`), { status: xhr.status }));
      };
      xhr.onerror = () => { this.inFlight.delete(number); reject(new Error('the connection failed')); };
      xhr.onabort = () => { this.inFlight.delete(number); reject(new Stopped()); };
      xhr.send(body);
    });
  }

  loaded() {
    let bytes = 0;
    for (const part of this.done.values()) bytes += part.size || 0;
    for (const part of this.inFlight.values()) bytes += part.loaded;
    return Math.min(bytes, this.file.size);
  }

  // Speed over the last few seconds; time left at that speed.
  report() {
    const now = performance.now();
    const loaded = this.loaded();
    this.samples.push([now, loaded]);
    while (this.samples.length > 2 && now - this.samples[0][0] > 5000) this.samples.shift();
    const [t0, b0] = this.samples[0];
    const speed = now > t0 ? ((loaded - b0) * 1000) / (now - t0) : 0;
    const eta = speed > 0 ? (this.file.size - loaded) / speed : null;
    this.dispatchEvent(new CustomEvent('progress', {
      detail: { loaded, total: this.file.size, speed, eta } }));
  }

  setState(state, message = '') {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, message } }));
  }

  abortParts() {
    for (const { xhr } of [...this.inFlight.values()]) xhr.abort();
  }

  // Stop sending; what S3 holds stays, and start() (or a reload) goes on from there.
  pause() {
    this.stopped = true;
    this.abortParts();
    this.samples = [];
    this.setState('paused', 'Paused: the parts sent so far are kept.');
  }

  async cancel() {
    this.stopped = true;
    this.abortParts();
    const saved = unfinishedUpload(this.file);
    if (saved) await discardUpload({ ...saved, file_key: fileKey(this.file) });
    this.setState('cancelled', 'Upload cancelled: nothing was kept.');
  }
}

export function formatBytes(bytes) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = Number(bytes) || 0;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit++; }
  return `${value.toFixed(value >= 10 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatEta(seconds) {
  if (seconds === null || !Number.isFinite(seconds)) return 'estimating time left';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s left`;
  const minutes = Math.floor(s / 60);
  return minutes < 60 ? `${minutes} min ${s % 60} s left` : `${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}
