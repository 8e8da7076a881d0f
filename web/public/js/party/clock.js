// The party's clock: the server's time as this page estimates it, and where the movie
// should be now. Each ping gives one estimate of the offset, (server - midpoint of the
// round trip); the estimate of the fastest recent round trip is the least wrong one.

const SAMPLES = 8;

export class ServerClock {
  constructor() {
    this.samples = []; // {rtt, offset} in seconds
  }

  // A pong for a ping sent at `sentMs` (performance-independent wall clock, ms).
  record(sentMs, serverTime, receivedMs = Date.now()) {
    const rtt = (receivedMs - sentMs) / 1000;
    const offset = serverTime - (sentMs + receivedMs) / 2000;
    this.samples.push({ rtt, offset });
    if (this.samples.length > SAMPLES) this.samples.shift();
  }

  get offset() {
    if (!this.samples.length) return 0;
    return this.samples.reduce((best, s) => (s.rtt < best.rtt ? s : best)).offset;
  }

  get rtt() {
    return this.samples.length ? Math.min(...this.samples.map((s) => s.rtt)) : null;
  }

  now() {
    return Date.now() / 1000 + this.offset;
  }
}

// Where the party's movie is at server time `now`: {playing, position, rate, at,
// waiting_for, wait_until} as the server sends it (chalicelib/party/sync.py).
export function positionAt(state, now) {
  if (!state.playing) return state.position;
  const waiting = state.waiting_for && state.waiting_for.length;
  const since = waiting ? (state.wait_until ?? now) : state.at;
  return state.position + Math.max(0, now - since) * state.rate;
}

export function advancing(state, now) {
  if (!state.playing) return false;
  const waiting = state.waiting_for && state.waiting_for.length;
  return !waiting || (state.wait_until !== null && now >= state.wait_until);
}

// Small drift is corrected by nudging the playback rate (no visible jump); a large one
// by seeking. Returns what it did, for the status line.
const SEEK_OVER = 1.0; // seconds
const NUDGE_OVER = 0.04;
const MAX_NUDGE = 0.1; // at most 10% faster or slower

export function correctDrift(video, expected, rate = 1) {
  const drift = video.currentTime - expected;
  if (Math.abs(drift) > SEEK_OVER) {
    video.currentTime = expected;
    video.playbackRate = rate;
    return { drift, action: 'seek' };
  }
  if (Math.abs(drift) > NUDGE_OVER) {
    const nudge = Math.max(-MAX_NUDGE, Math.min(MAX_NUDGE, -drift * 0.5));
    video.playbackRate = rate + nudge;
    return { drift, action: 'nudge' };
  }
  video.playbackRate = rate;
  return { drift, action: 'none' };
}
