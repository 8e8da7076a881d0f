// The party's chat: short text lines, shown as text (textContent, never HTML).
import { h } from '../dom.js';

const MAX_LINES = 200;

export function chatPanel(send, maxChars = 500) {
  const lines = h('ol', { id: 'party-chat', class: 'party-chat', 'aria-live': 'polite' });
  const text = h('input', { type: 'text', id: 'chat-text', maxLength: maxChars, autocomplete: 'off' });
  const form = h('form', { id: 'chat-form', class: 'chat-form' },
    h('label', { for: 'chat-text', class: 'visually-hidden', text: 'Message' }), text,
    h('button', { type: 'submit' }, 'Send'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = text.value.trim();
    if (value && send({ action: 'chat', text: value })) text.value = '';
  });
  const panel = h('section', { class: 'party-panel', 'aria-labelledby': 'chat-heading' },
    h('h2', { id: 'chat-heading', text: 'Chat' }), lines, form);

  function add(message) {
    lines.append(h('li', { 'data-id': message.id },
      h('strong', { class: 'who', text: message.display_name }), ' ',
      h('span', { class: 'text', text: message.text })));
    while (lines.children.length > MAX_LINES) lines.firstElementChild.remove();
    lines.scrollTop = lines.scrollHeight;
  }

  return { el: panel, add };
}
