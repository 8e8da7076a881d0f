// Trick-play thumbnails: the WebVTT track of sprite tiles (`url#xywh=x,y,w,h`) and the
// preview shown above the seek bar for the time under the pointer or the keyboard.
import { formatDuration, h } from '../dom.js';

function seconds(stamp) {
  const parts = stamp.trim().split(':').map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

export function parseVtt(text, baseUrl) {
  const cues = [];
  const lines = text.replace(/\r/g, '').split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    if (!lines[i].includes('-->')) continue;
    const [from, to] = lines[i].split('-->').map((s) => s.trim().split(/\s+/)[0]);
    let payload = '';
    while (++i < lines.length && lines[i].trim()) payload ||= lines[i].trim();
    const [address, fragment = ''] = payload.split('#');
    const box = fragment.match(/xywh=(\d+),(\d+),(\d+),(\d+)/);
    if (!address) continue;
    cues.push({
      start: seconds(from), end: seconds(to), url: new URL(address, baseUrl).href,
      x: box ? +box[1] : 0, y: box ? +box[2] : 0, w: box ? +box[3] : 160, h: box ? +box[4] : 90,
    });
  }
  return cues;
}

export async function loadThumbnails(vttUrl, signal) {
  const response = await fetch(vttUrl, { signal });
  if (!response.ok) return [];
  return parseVtt(await response.text(), vttUrl);
}

export function cueAt(cues, time) {
  let low = 0;
  let high = cues.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (time < cues[mid].start) high = mid - 1;
    else if (time >= cues[mid].end) low = mid + 1;
    else return cues[mid];
  }
  return cues.length && time >= cues[cues.length - 1].start ? cues[cues.length - 1] : null;
}

// The preview: the tile as the div's own background, the time as its text.
export function trickplayPreview() {
  const label = h('span', { class: 'trickplay-time' });
  const el = h('div', { id: 'trickplay-preview', 'aria-hidden': 'true', hidden: true }, label);
  let cues = [];
  const warmed = new Set();
  return {
    el,
    setCues(list) {
      cues = list;
      // Fetch each sprite sheet once up front so the first hover shows at once.
      for (const url of new Set(list.map((c) => c.url))) {
        if (!warmed.has(url)) { warmed.add(url); new Image().src = url; }
      }
    },
    show(time, fraction) {
      const cue = cueAt(cues, time);
      label.textContent = formatDuration(time);
      if (cue) {
        el.style.backgroundImage = `url("${cue.url.replace(/["\\]/g, encodeURIComponent)}")`;
        el.style.backgroundPosition = `-${cue.x}px -${cue.y}px`;
        el.style.width = `${cue.w}px`;
        el.style.height = `${cue.h}px`;
        el.classList.remove('time-only');
      } else {
        el.style.backgroundImage = 'none';
        el.style.width = '';
        el.style.height = '';
        el.classList.add('time-only');
      }
      el.style.setProperty('--at', String(Math.min(1, Math.max(0, fraction))));
      el.dataset.time = String(Math.floor(time));
      el.hidden = false;
    },
    hide() { el.hidden = true; },
  };
}
