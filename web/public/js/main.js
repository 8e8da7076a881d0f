// Reelstack's reference web player: routes, the sign-in guard, and start-up.
import { registerAdminRoutes } from './admin/console.js';
import { onUnauthorized } from './api.js';
import { h } from './dom.js';
import { navigate, onRoute, render, route, setGuard, start } from './router.js';
import { assumeSignedIn, currentUser, loadUser, markCurrent, probablySignedIn, signedOut } from './session.js';
import { activateView, loginView, passwordConfirmView, passwordResetView, registerView } from './views/auth.js';
import { catalogView } from './views/catalog.js';
import { continueView, myListView } from './views/lists.js';
import { movieView } from './views/movie.js';
import { partyView } from './party/view.js';
import { requestView, requestsView } from './views/requests.js';
import { watchView } from './views/watch.js';

const open = { auth: false };
route('/register', registerView, { ...open, title: 'Create account', guestOnly: true });
route('/activate/:uid/:token', activateView, { ...open, title: 'Activate' });
route('/login', loginView, { ...open, title: 'Sign in', guestOnly: true });
route('/password_reset', passwordResetView, { ...open, title: 'Reset password' });
route('/password_confirm/:uid/:token', passwordConfirmView, { ...open, title: 'New password' });
route('/', catalogView, { title: 'Catalog' });
route('/movie/:id', movieView, { title: 'Movie' });
route('/watch/:id', watchView, { title: 'Player' });
route('/continue', continueView, { title: 'Continue watching' });
route('/my-list', myListView, { title: 'My list' });
route('/requests', requestsView, { title: 'Requests' });
route('/requests/:id', requestView, { title: 'Request' });
route('/party/:id', partyView, { title: 'Watch party' });
registerAdminRoutes(route);
route('/404', ({ root }) => {
  root.append(h('h1', { text: 'Page not found' }), h('p', {}, h('a', { href: '/' }, 'Browse movies')));
}, { ...open, title: 'Not found' });

setGuard((found, path) => {
  const needsUser = found.options.auth !== false;
  if (needsUser && !currentUser()) return `/login?next=${encodeURIComponent(path)}`;
  if (found.options.guestOnly && currentUser()) return '/';
  // The role is known once GET /api/me/ answered (an assumed sign-in has none yet).
  if (found.options.admin && currentUser().role && currentUser().role !== 'admin') return '/';
  return null;
});

// A 401 that a refresh could not cure: the session is over.
onUnauthorized(() => {
  signedOut();
  if (location.pathname !== '/login') {
    navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
  }
});

onRoute(markCurrent);

if (probablySignedIn()) {
  // Render at once; GET /api/me/ confirms (or the guard sends the visitor to sign in).
  assumeSignedIn();
  start();
  if (!(await loadUser())) render();
} else {
  await loadUser();
  await start();
}
