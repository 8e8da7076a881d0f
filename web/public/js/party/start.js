// "Watch together" on the movie page: start a party for this movie and open it.
import { post } from '../api.js';
import { alertBox, h } from '../dom.js';
import { navigate } from '../router.js';

export function watchTogether(movieId) {
  const alert = alertBox();
  const button = h('button', { type: 'button', id: 'watch-together', class: 'secondary' },
    'Watch together');
  button.addEventListener('click', async () => {
    button.disabled = true;
    alert.clear();
    try {
      const party = await post('/api/parties/', { movie_id: movieId, control: 'host' });
      navigate(`/party/${encodeURIComponent(party.party_id)}`);
    } catch (error) {
      alert.show(error.message);
      button.disabled = false;
    }
  });
  return h('span', { class: 'watch-together' }, button, alert);
}
