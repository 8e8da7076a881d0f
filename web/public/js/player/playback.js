// Watch sessions: start (registering the device when the API does not know it yet),
// heartbeat, and stop (also from pagehide, with a keepalive request).
import { API_URL, post } from '../api.js';
import { deviceId, registerDevice } from '../device.js';

function aboutDevice(error) {
  return (error.status === 404 || error.status === 400) &&
    (error.body.field === 'device_id' || /device/i.test(error.message));
}

// Resolves the 201 body; rejects with ApiError (409 StreamLimitReached included).
export async function startPlayback(movieId, { steal = false } = {}) {
  const body = { movie_id: movieId, device_id: deviceId(), steal };
  try {
    return await post('/api/playback/start/', body);
  } catch (error) {
    if (!aboutDevice(error)) throw error;
    await registerDevice();
    return post('/api/playback/start/', body);
  }
}

export function heartbeat(sessionId, position) {
  return post('/api/playback/heartbeat/', { watch_session_id: sessionId, position });
}

export function stopPlayback(sessionId, position, { keepalive = false } = {}) {
  const body = JSON.stringify({ watch_session_id: sessionId, position });
  if (keepalive) {
    // The page is going away: no refresh-and-retry, just make sure the request leaves.
    return fetch(`${API_URL}/api/playback/stop/`, {
      method: 'POST', body, keepalive: true, credentials: 'include',
      headers: { 'Content-Type': 'application/json' },
    }).catch(() => {});
  }
  return post('/api/playback/stop/', { watch_session_id: sessionId, position }).catch(() => {});
}

export const thumbnailsUrl = (masterUrl) => {
  const address = new URL(masterUrl);
  address.pathname = address.pathname.replace(/master\.m3u8$/, 'thumbnails.vtt');
  return address.href;
};
