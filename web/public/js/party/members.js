// Who is in the party, who controls it, and (for the host) removing a member, handing
// control to everyone, and ending the party.
import { api, del } from '../api.js';
import { h } from '../dom.js';

export function membersPanel(party, onError) {
  const list = h('ul', { id: 'party-members', class: 'party-members', 'aria-live': 'polite' });
  const control = h('select', { id: 'party-control' },
    h('option', { value: 'host' }, 'Only the host'),
    h('option', { value: 'everyone' }, 'Everyone'));
  const controlField = h('label', { class: 'party-control' },
    h('span', { text: 'Who controls playback' }), control);
  const panel = h('section', { class: 'party-panel', 'aria-labelledby': 'members-heading' },
    h('h2', { id: 'members-heading', text: 'Members' }), list, controlField);
  let view = party;

  control.addEventListener('change', async () => {
    try {
      await api(`/api/parties/${encodeURIComponent(view.party_id)}/`,
        { method: 'PATCH', body: { control: control.value } });
    } catch (error) {
      onError(error);
      control.value = view.control;
    }
  });

  function remove(member) {
    del(`/api/parties/${encodeURIComponent(view.party_id)}/members/${encodeURIComponent(member.user_id)}/`)
      .catch(onError);
  }

  function render(next) {
    view = { ...view, ...next };
    const hosting = view.you === view.host_user_id;
    controlField.hidden = !hosting;
    control.value = view.control;
    list.replaceChildren(...view.members.map((m) => h('li', { 'data-user': m.user_id },
      h('span', { class: `presence ${m.online ? 'online' : 'away'}`, 'aria-hidden': 'true' }),
      h('span', { class: 'name', text: m.display_name }),
      m.user_id === view.you ? h('span', { class: 'tag', text: 'you' }) : null,
      m.is_host ? h('span', { class: 'tag', text: 'host' }) : null,
      m.may_control ? h('span', { class: 'tag', text: 'controls' }) : null,
      h('span', { class: 'visually-hidden', text: m.online ? ' online' : ' away' }),
      hosting && m.user_id !== view.you
        ? h('button', { type: 'button', class: 'secondary small', 'aria-label': `Remove ${m.display_name}`,
          onclick: () => remove(m) }, 'Remove')
        : null)));
  }

  render(party);
  return { el: panel, render, get party() { return view; } };
}
