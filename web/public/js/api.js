// The API client: cookies only (credentials: 'include'), JSON in and out, errors as ApiError.
// An expired access token is refreshed once and the call retried; any other 401 on a call
// that needs a user sends the page to sign-in.

const config = window.REELSTACK_CONFIG || {};
export const API_URL = (config.apiUrl || 'http://127.0.0.1:8000').replace(/\/$/, '');

export class ApiError extends Error {
  constructor(status, body, headers) {
    const retryAfter = headers && headers.get('Retry-After');
    let message = (body && (body.Message || body.message || body.detail)) ||
      `The server answered ${status}.`;
    if (status === 429 && retryAfter) message += ` Try again in ${retryAfter} s.`;
    super(message);
    this.status = status;
    this.code = (body && body.Code) || '';
    this.body = body || {};
    this.retryAfter = retryAfter ? Number(retryAfter) : null;
  }
}

let unauthorizedHandler = () => {};
export function onUnauthorized(handler) { unauthorizedHandler = handler; }

export function url(path) {
  return /^https?:/.test(path) ? path : API_URL + path;
}

function request(path, { method = 'GET', body, keepalive = false } = {}) {
  const init = { method, credentials: 'include', keepalive, headers: { Accept: 'application/json' } };
  // Cookie-authenticated writes must say application/json, bodiless DELETEs included.
  if (method !== 'GET') init.headers['Content-Type'] = 'application/json';
  if (body !== undefined) init.body = JSON.stringify(body);
  return fetch(url(path), init);
}

async function parse(response) {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try { return JSON.parse(text); } catch { return { Message: text }; }
}

let refreshing = null;
export function refreshTokens() {
  // One refresh at a time: concurrent 401s share it (the refresh token rotates on use).
  refreshing ||= request('/api/token/refresh/', { method: 'POST', body: {} })
    .then((r) => r.ok)
    .catch(() => false)
    .finally(() => { setTimeout(() => { refreshing = null; }, 0); });
  return refreshing;
}

/**
 * Call the API. Resolves {data, status, headers}; rejects with ApiError.
 * options: method, body, keepalive, auth (default true: a 401 redirects to sign-in).
 */
export async function api(path, options = {}) {
  const { auth = true } = options;
  let response = await request(path, options);
  let data = await parse(response);
  if (response.status === 401 && data && data.Code === 'TokenExpired') {
    if (await refreshTokens()) {
      response = await request(path, options);
      data = await parse(response);
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data, response.headers);
    if (response.status === 401 && auth) unauthorizedHandler(error);
    throw error;
  }
  return { data, status: response.status, headers: response.headers };
}

export const get = (path, options) => api(path, options).then((r) => r.data);
export const post = (path, body = {}, options) => api(path, { ...options, method: 'POST', body }).then((r) => r.data);
export const put = (path, body = {}, options) => api(path, { ...options, method: 'PUT', body }).then((r) => r.data);
export const del = (path, options) => api(path, { ...options, method: 'DELETE' }).then((r) => r.data);

// The URL of rel="next" in a Link header, or null on the last page.
export function nextLink(headers) {
  const link = headers.get('Link') || '';
  const match = link.split(',').map((part) => part.match(/<([^>]+)>\s*;\s*rel="?next"?/))
    .find(Boolean);
  return match ? match[1] : null;
}
