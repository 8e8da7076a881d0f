// Tiny DOM helpers: build elements without innerHTML (no injection from API text).

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// A labelled form field: <div class="field"><label for=id>Label</label><input id=id></div>
let fieldCount = 0;
export function field(label, control) {
  if (!control.id) control.id = `field-${++fieldCount}`;
  return h('div', { class: 'field' }, h('label', { for: control.id, text: label }), control);
}

// The alert area every view shows errors in (role="alert" announces changes).
export function alertBox() {
  const box = h('p', { class: 'alert', role: 'alert' });
  box.hidden = true;
  box.show = (message, kind = 'error') => {
    box.textContent = message;
    box.dataset.kind = kind;
    box.hidden = !message;
  };
  box.clear = () => box.show('');
  return box;
}

export function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

export function formatTime(value) {
  if (value === null || value === undefined || value === '') return '';
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

// A form's submit button is disabled while its request runs.
export async function busy(form, work) {
  const buttons = form.querySelectorAll('button');
  buttons.forEach((b) => { b.disabled = true; });
  try {
    return await work();
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}
