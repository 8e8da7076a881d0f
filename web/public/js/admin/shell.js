// The admin console's frame: its heading and section navigation, and small shared pieces.
import { h } from '../dom.js';
import { setTitle } from '../router.js';

export const SECTIONS = [
  ['/admin/upload', 'Upload'],
  ['/admin/pipeline', 'Pipeline'],
  ['/admin/catalog', 'Catalog'],
  ['/admin/people', 'People and plans'],
  ['/admin/requests', 'Requests'],
];

// Renders the frame into `root` and returns the element the section fills.
export function consoleFrame(root, title) {
  setTitle(`${title} · Admin`);
  const here = location.pathname;
  const nav = h('nav', { class: 'admin-nav', 'aria-label': 'Admin sections' },
    h('ul', {}, SECTIONS.map(([href, text]) => h('li', {},
      h('a', { href, text, 'aria-current': here.startsWith(href) ? 'page' : null })))));
  const section = h('section', { class: 'admin-section', 'aria-labelledby': 'admin-heading' },
    h('h1', { id: 'admin-heading', text: title }));
  root.append(h('div', { class: 'admin' }, nav, section));
  return section;
}

// A status as the API names it, shown in words; one the console does not know yet is shown
// as it comes rather than hidden.
const STATUS_WORDS = {
  draft: 'Draft', processing: 'Processing', playable: 'Playable (still transcoding)',
  ready: 'Ready', failed: 'Failed',
};
export const statusWords = (status) => STATUS_WORDS[status] ||
  (status ? status[0].toUpperCase() + status.slice(1) : 'Unknown');

export function statusBadge(status) {
  return h('span', { class: `state state-${status}`, 'data-status': status, text: statusWords(status) });
}

// A confirmation dialog; resolves true when the admin confirms.
export function confirmDialog(title, message, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-title' },
      h('h2', { id: 'confirm-title', text: title }),
      h('p', { text: message }),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'danger', onclick: () => close(true) }, confirmLabel),
        h('button', { type: 'button', class: 'secondary', onclick: () => close(false) }, 'Keep it')));
    function close(answer) {
      dialog.close();
      dialog.remove();
      resolve(answer);
    }
    dialog.addEventListener('cancel', () => close(false));
    document.body.append(dialog);
    dialog.showModal();
  });
}

// Runs `work` with the button disabled, showing what it throws in `alert`.
export async function act(button, alert, work) {
  button.disabled = true;
  alert.clear();
  try {
    return await work();
  } catch (error) {
    alert.show(error.message);
    return undefined;
  } finally {
    button.disabled = false;
  }
}
