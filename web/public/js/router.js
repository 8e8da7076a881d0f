// History API routing: real paths, links intercepted, one view at a time in <main>.
// A view is `async ({root, params, signal}) => cleanup?`; `signal` aborts when it is left.

const routes = [];
let current = null; // {cleanup, controller}
let guard = () => null;
let routed = () => {};
export function onRoute(fn) { routed = fn; }
let firstRender = true;

export function route(pattern, view, options = {}) {
  const names = [];
  const source = pattern.replace(/\/$/, '').replace(/:(\w+)/g, (_, name) => {
    names.push(name);
    return '([^/]+)';
  });
  routes.push({ regex: new RegExp(`^${source}/?$`), names, view, options });
}

// guard(route, path) may return another path to go to instead (e.g. sign-in).
export function setGuard(fn) { guard = fn; }

export function navigate(path, { replace = false } = {}) {
  if (path === location.pathname + location.search && !replace) return render();
  history[replace ? 'replaceState' : 'pushState']({}, '', path);
  return render();
}

function match(pathname) {
  for (const r of routes) {
    const m = pathname.match(r.regex);
    if (m) {
      const params = {};
      r.names.forEach((name, i) => { params[name] = decodeURIComponent(m[i + 1]); });
      return { ...r, params };
    }
  }
  return null;
}

export function setTitle(title) {
  document.title = title ? `${title} · Reelstack` : 'Reelstack';
}

export async function render() {
  leave();
  const main = document.getElementById('main');
  const found = match(location.pathname) || match('/404');
  const redirect = guard(found, location.pathname + location.search);
  if (redirect) return navigate(redirect, { replace: true });

  const controller = new AbortController();
  const mine = { cleanup: null, controller };
  current = mine;
  const root = document.createElement('div');
  root.className = 'view';
  main.replaceChildren(root);
  setTitle(found.options.title || '');
  routed(found);
  if (!firstRender) main.focus({ preventScroll: false });
  firstRender = false;
  window.scrollTo(0, 0);
  try {
    const cleanup = await found.view({ root, params: found.params, signal: controller.signal });
    if (typeof cleanup === 'function') {
      if (current === mine) mine.cleanup = cleanup;
      else cleanup(); // left before the view finished loading
    }
  } catch (error) {
    if (current === mine && error.status !== 401) {
      const alert = document.createElement('p');
      alert.className = 'alert';
      alert.setAttribute('role', 'alert');
      alert.textContent = error.message || 'Something went wrong.';
      root.append(alert);
    }
    if (error.status !== 401 && !error.status) console.error(error);
  }
}

// Leave the current view (stop its timers, end playback) before the session ends.
export function leave() {
  if (!current) return;
  const { cleanup, controller } = current;
  current = null;
  controller.abort();
  if (cleanup) {
    try { cleanup(); } catch (error) { console.error(error); }
  }
}

export function start() {
  window.addEventListener('popstate', () => render());
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey) return;
    const link = event.target.closest('a[href]');
    if (!link || link.target || link.hasAttribute('download')) return;
    const target = new URL(link.href, location.href);
    if (target.origin !== location.origin || target.hash && target.pathname === location.pathname) return;
    event.preventDefault();
    navigate(target.pathname + target.search);
  });
  return render();
}
