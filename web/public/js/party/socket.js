// The party's WebSocket: opened with a short-lived ticket from the API (offered as a
// subprotocol beside `reelstack-party`, never put in the URL), reopened with a fresh
// ticket after a drop, and a ping every few seconds for the clock.
import { post } from '../api.js';
import { ServerClock } from './clock.js';

// A burst of pings on connecting settles the clock estimate; then one now and then
// follows the drift of the two clocks (each ping is a Lambda invocation in the cloud).
const FIRST_PINGS = 5;
const FIRST_PING_EVERY_MS = 1000;
const PING_EVERY_MS = 15000;
const FINAL = new Set(['removed', 'ended', 'left']);

export class PartySocket {
  constructor(partyId, onMessage, onStatus) {
    this.partyId = partyId;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.clock = new ServerClock();
    this.socket = null;
    this.closed = false;
    this.retries = 0;
    this.pinger = null;
  }

  async open() {
    if (this.closed) return;
    this.onStatus('connecting');
    let ticket;
    try {
      ticket = await post(`/api/parties/${encodeURIComponent(this.partyId)}/ticket/`);
    } catch (error) {
      this.onStatus('refused', error);
      return; // not a member (any more), or the party ended: the page says why
    }
    const url = `${ticket.socket_url}/?party_id=${encodeURIComponent(this.partyId)}`;
    const socket = new WebSocket(url, [ticket.protocol, ticket.ticket]);
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.retries = 0;
      this.onStatus('open');
      this.send({ action: 'hello' });
      this.schedulePings(FIRST_PINGS);
    });
    socket.addEventListener('message', (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      if (message.type === 'pong') {
        this.clock.record(message.t, message.server_time);
        return;
      }
      if (FINAL.has(message.type)) this.closed = true;
      this.onMessage(message);
    });
    socket.addEventListener('close', () => {
      clearTimeout(this.pinger);
      if (this.socket !== socket || this.closed) return;
      this.onStatus('reconnecting');
      const wait = Math.min(10000, 500 * 2 ** this.retries++);
      setTimeout(() => this.open(), wait);
    });
  }

  schedulePings(quick) {
    clearTimeout(this.pinger);
    this.ping();
    this.pinger = setTimeout(() => this.schedulePings(Math.max(0, quick - 1)),
      quick > 0 ? FIRST_PING_EVERY_MS : PING_EVERY_MS);
  }

  ping() {
    if (this.socket?.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ action: 'ping', t: Date.now() }));
    }
  }

  send(message) {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify({ ...message, party_id: this.partyId }));
    return true;
  }

  close() {
    this.closed = true;
    clearTimeout(this.pinger);
    this.socket?.close(1000, 'left the page');
  }
}
