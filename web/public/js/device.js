// This browser as a device: a random id kept in localStorage, a name from the user agent.
import { post } from './api.js';

const KEY = 'reelstack.device_id';

export function deviceId() {
  let id = localStorage.getItem(KEY);
  if (!id) {
    id = crypto.randomUUID ? crypto.randomUUID() : fallbackUuid();
    localStorage.setItem(KEY, id);
  }
  return id;
}

function fallbackUuid() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function deviceName(ua = navigator.userAgent) {
  const browser = [
    [/Edg\//, 'Edge'], [/OPR\//, 'Opera'], [/Firefox\//, 'Firefox'], [/Chromium\//, 'Chromium'],
    [/HeadlessChrome\//, 'Chromium'], [/Chrome\//, 'Chrome'], [/Safari\//, 'Safari'],
  ].find(([re]) => re.test(ua));
  const os = [
    [/Android/, 'Android'], [/iPhone|iPad|iPod/, 'iOS'], [/Windows/, 'Windows'],
    [/Mac OS X|Macintosh/, 'macOS'], [/CrOS/, 'ChromeOS'], [/Linux/, 'Linux'],
  ].find(([re]) => re.test(ua));
  return `${browser ? browser[1] : 'Browser'} on ${os ? os[1] : 'unknown system'}`;
}

export function registerDevice() {
  return post('/api/device/', { device_id: deviceId(), name: deviceName(), device_type: 'browser' });
}
