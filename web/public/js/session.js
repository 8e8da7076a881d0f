// Who is signed in (GET /api/me/), the header navigation, and signing out.
import { get, post } from './api.js';
import { h } from './dom.js';
import { leave, navigate } from './router.js';

let user = null;
// A hint (not a credential: the cookies are HttpOnly) that this browser was signed in, so
// that the first view renders without waiting for GET /api/me/.
const HINT = 'reelstack.signed_in';

export const currentUser = () => user;

export const probablySignedIn = () => localStorage.getItem(HINT) === '1';

export function assumeSignedIn() {
  user = { id: null, email: '' };
  renderNav();
}

export async function loadUser() {
  try {
    user = await get('/api/me/', { auth: false });
  } catch {
    user = null;
  }
  remember();
  renderNav();
  return user;
}

export function signedOut() {
  user = null;
  remember();
  renderNav();
}

function remember() {
  if (user) localStorage.setItem(HINT, '1');
  else localStorage.removeItem(HINT);
}

async function signOut(button) {
  button.disabled = true;
  leave(); // a playing view stops its watch session while the cookies still work
  try {
    await post('/api/logout/', {}, { auth: false });
  } catch {
    // Signed out either way: the cookies are cleared or already gone.
  }
  signedOut();
  navigate('/login');
}

function renderNav() {
  const slot = document.getElementById('site-nav');
  if (!slot) return;
  const links = user
    ? [['/', 'Catalog'], ['/continue', 'Continue watching'], ['/my-list', 'My list'],
      ['/requests', 'Requests'], ...(user.role === 'admin' ? [['/admin', 'Admin']] : [])]
    : [['/login', 'Sign in'], ['/register', 'Register']];
  const nav = h('nav', { 'aria-label': 'Main' },
    h('ul', {}, links.map(([href, text]) => h('li', {}, h('a', { href, text })))));
  const extra = user
    ? h('div', { class: 'account' },
      h('span', { class: 'who', text: user.email }),
      h('button', { type: 'button', class: 'secondary', onclick: (e) => signOut(e.currentTarget) },
        'Sign out'))
    : null;
  slot.replaceChildren(nav, extra || '');
  markCurrent();
}

// aria-current="page" on the link of the route being shown.
export function markCurrent() {
  document.querySelectorAll('#site-nav nav a').forEach((a) => {
    const path = new URL(a.href).pathname;
    const here = location.pathname;
    const active = path === '/' ? here === '/' : here === path || here.startsWith(`${path}/`);
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
}
