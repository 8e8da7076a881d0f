// Sign-up, activation, sign-in and password reset.
import { get, post } from '../api.js';
import { registerDevice } from '../device.js';
import { alertBox, busy, field, h } from '../dom.js';
import { navigate, setTitle } from '../router.js';
import { loadUser } from '../session.js';

function input(type, name, autocomplete, extra = {}) {
  return h('input', { type, name, autocomplete, required: true, ...extra });
}

// Submits the form's fields to `send` once at a time; what `send` throws is shown in the
// alert. `mismatch` names two password fields that must match.
function onSubmit(form, alert, send, mismatch = null) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    if (mismatch && data[mismatch[0]] !== data[mismatch[1]]) {
      alert.show('The passwords do not match.');
      return;
    }
    busy(form, async () => {
      alert.clear();
      try {
        await send(data);
      } catch (error) {
        alert.show(error.message);
      }
    });
  });
}

function page(root, title, ...content) {
  setTitle(title);
  root.append(h('section', { class: 'auth' }, h('h1', { text: title }), ...content));
}

export function registerView({ root }) {
  const alert = alertBox();
  const form = h('form', { id: 'register-form', novalidate: false },
    field('Email', input('email', 'email', 'email')),
    field('Password', input('password', 'password', 'new-password', { minLength: 8 })),
    field('Confirm password', input('password', 'confirmed_password', 'new-password', { minLength: 8 })),
    h('button', { type: 'submit' }, 'Create account'));
  onSubmit(form, alert, async (data) => {
    await post('/api/register/', data, { auth: false });
    form.reset();
    alert.show('Check your e-mail for the activation link.', 'success');
  }, ['password', 'confirmed_password']);
  page(root, 'Create your account', alert, form,
    h('p', {}, 'Already have an account? ', h('a', { href: '/login' }, 'Go to sign-in')));
}

export async function activateView({ root, params }) {
  const status = h('p', { id: 'activation-status', role: 'status' }, 'Activating your account…');
  page(root, 'Activate your account', status);
  try {
    const body = await get(`/api/activate/${encodeURIComponent(params.uid)}/${encodeURIComponent(params.token)}/`, { auth: false });
    status.replaceChildren(body.detail || 'Your account is active.', ' ',
      h('a', { href: '/login' }, 'Continue to sign-in'));
  } catch (error) {
    status.setAttribute('role', 'alert');
    status.classList.add('alert');
    status.replaceChildren(error.message, ' ', h('a', { href: '/register' }, 'Register again'));
  }
}

export function loginView({ root }) {
  const alert = alertBox();
  const form = h('form', { id: 'login-form' },
    field('Email', input('email', 'email', 'username')),
    field('Password', input('password', 'password', 'current-password')),
    h('button', { type: 'submit' }, 'Sign in'));
  onSubmit(form, alert, async (data) => {
    await post('/api/login/', data, { auth: false });
    try {
      await registerDevice();
    } catch (error) {
      console.warn('Could not register this browser as a device:', error.message);
    }
    await loadUser();
    const next = new URLSearchParams(location.search).get('next');
    navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/');
  });
  page(root, 'Sign in', alert, form,
    h('p', {}, h('a', { href: '/password_reset' }, 'Forgot your password?')),
    h('p', {}, 'New here? ', h('a', { href: '/register' }, 'Create an account')));
}

export function passwordResetView({ root }) {
  const alert = alertBox();
  const form = h('form', { id: 'password-reset-form' },
    field('Email', input('email', 'email', 'email')),
    h('button', { type: 'submit' }, 'Send reset link'));
  onSubmit(form, alert, async (data) => {
    const body = await post('/api/password_reset/', data, { auth: false });
    alert.show(body.detail || 'Check your e-mail for the reset link.', 'success');
  });
  page(root, 'Reset your password', alert, form);
}

export function passwordConfirmView({ root, params }) {
  const alert = alertBox();
  const form = h('form', { id: 'password-confirm-form' },
    field('New password', input('password', 'new_password', 'new-password', { minLength: 8 })),
    field('Confirm password', input('password', 'confirm_password', 'new-password', { minLength: 8 })),
    h('button', { type: 'submit' }, 'Set new password'));
  onSubmit(form, alert, async (data) => {
    const path = `/api/password_confirm/${encodeURIComponent(params.uid)}/${encodeURIComponent(params.token)}/`;
    const body = await post(path, data, { auth: false });
    form.replaceWith(h('p', {}, h('a', { href: '/login' }, 'Continue to sign-in')));
    alert.show(body.detail || 'Your password has been reset.', 'success');
  }, ['new_password', 'confirm_password']);
  page(root, 'Choose a new password', alert, form);
}
