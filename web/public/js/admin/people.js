// People and plans: find an account by its e-mail address, change its role and plan; and
// the plans themselves (create, edit, delete).
import { api, del, get, post, put } from '../api.js';
import { alertBox, field, h } from '../dom.js';
import { act, confirmDialog, consoleFrame } from './shell.js';

const RESOLUTIONS = [240, 360, 480, 720, 1080, 1440, 2160];

export async function peopleView({ root }) {
  const section = consoleFrame(root, 'People and plans');
  const alert = alertBox();
  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off' });
  const findForm = h('form', { id: 'find-user-form', class: 'inline-form', role: 'search' },
    field('E-mail address', email), h('button', { type: 'submit' }, 'Find'));
  const found = h('div', { id: 'found-user' });
  const plansList = h('ul', { id: 'plans', class: 'plain-list' });
  section.append(alert, h('h2', { text: 'Find an account' }), findForm, found,
    h('h2', { text: 'Plans' }), plansList, newPlanForm());
  let plans = [];

  async function loadPlans() {
    plans = await get('/api/admin/plans/');
    plansList.replaceChildren(...plans.map(planRow));
  }

  findForm.addEventListener('submit', (event) => {
    event.preventDefault();
    act(findForm.querySelector('button'), alert, async () => {
      const users = await get(`/api/admin/users/?email=${encodeURIComponent(email.value.trim())}`);
      found.replaceChildren(...(users.length ? users.map(userCard) : [h('p', { class: 'empty' }, 'No account has this address.')]));
    });
  });

  function userCard(user) {
    const role = h('select', { name: 'role' }, ['user', 'admin'].map((r) => h('option', { value: r, text: r, selected: r === user.role })));
    const plan = h('select', { name: 'plan' }, plans.map((p) => h('option', { value: p.id, text: p.name, selected: p.id === user.plan })));
    const saveRole = h('button', { type: 'button', class: 'secondary' }, 'Change role');
    const savePlan = h('button', { type: 'button', class: 'secondary' }, 'Change plan');
    saveRole.addEventListener('click', () => act(saveRole, alert, async () => {
      await put(`/api/admin/users/${encodeURIComponent(user.id)}/role/`, { role: role.value });
      alert.show(`${user.email} is now ${role.value === 'admin' ? 'an admin' : 'a user'}.`, 'success');
    }));
    savePlan.addEventListener('click', () => act(savePlan, alert, async () => {
      await put(`/api/admin/users/${encodeURIComponent(user.id)}/plan/`, { plan_id: plan.value });
      alert.show(`${user.email} is on the ${plan.selectedOptions[0].text} plan now.`, 'success');
    }));
    return h('div', { class: 'user-card', 'data-user-id': user.id },
      h('p', {}, h('strong', { text: user.email }), user.is_active ? '' : ' (not activated yet)'),
      h('div', { class: 'inline-form' }, field('Role', role), saveRole),
      h('div', { class: 'inline-form' }, field('Plan', plan), savePlan));
  }

  function limits(prefix, plan = {}) {
    const streams = h('input', { type: 'number', name: 'max_streams', min: 1, max: 10, required: true, value: plan.max_streams || 1 });
    const resolution = h('select', { name: 'max_resolution' },
      RESOLUTIONS.map((r) => h('option', { value: r, text: `${r}p`, selected: r === (plan.max_resolution || 1080) })));
    return { streams, resolution, fields: [field(`${prefix}streams at once`, streams), field(`${prefix}highest resolution`, resolution)] };
  }

  function planRow(plan) {
    const name = h('input', { type: 'text', value: plan.name, 'aria-label': `Name of plan ${plan.id}` });
    const { streams, resolution, fields } = limits(`${plan.name}: `, plan);
    const save = h('button', { type: 'button', class: 'secondary' }, `Save ${plan.name}`);
    const remove = h('button', { type: 'button', class: 'danger' }, `Delete ${plan.name}`);
    save.addEventListener('click', () => act(save, alert, async () => {
      await api(`/api/admin/plans/${encodeURIComponent(plan.id)}/`, { method: 'PATCH', body: {
        name: name.value.trim(), max_streams: Number(streams.value), max_resolution: Number(resolution.value) } });
      alert.show(`Plan ${plan.id} saved.`, 'success');
      await loadPlans();
    }));
    remove.addEventListener('click', async () => {
      if (!(await confirmDialog(`Delete the plan ${plan.name}?`, 'Accounts on it get the default plan instead.', 'Delete plan'))) return;
      await act(remove, alert, async () => { await del(`/api/admin/plans/${encodeURIComponent(plan.id)}/`); await loadPlans(); });
    });
    return h('li', { class: 'plan-row', 'data-plan-id': plan.id }, h('code', { text: plan.id }), name, ...fields, save, remove);
  }

  function newPlanForm() {
    const id = h('input', { type: 'text', name: 'plan_id', required: true, pattern: '[a-z0-9][a-z0-9_-]{0,39}' });
    const name = h('input', { type: 'text', name: 'name', required: true });
    const { streams, resolution, fields } = limits('New plan: ');
    const form = h('form', { id: 'new-plan-form', class: 'inline-form' },
      field('Plan id', id), field('Plan name', name), ...fields, h('button', { type: 'submit' }, 'Create plan'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      act(form.querySelector('button'), alert, async () => {
        await post('/api/admin/plans/', { plan_id: id.value.trim(), name: name.value.trim(),
          max_streams: Number(streams.value), max_resolution: Number(resolution.value) });
        form.reset();
        await loadPlans();
      });
    });
    return form;
  }

  await loadPlans();
}
