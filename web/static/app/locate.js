// The place search: a postcode, a street of the crime data or "lat,lng",
// resolved by /v1/locate, and the map flown there. Every outcome is said in
// words in the form's status line, which screen readers announce.
import {getJSON} from './api.js';
import {h} from './panel.js';

// Zooms to fly to: a postcode covers a few streets, a street or a typed
// point is looked at close up.
const ZOOM = {postcode: 16, street: 17, latlng: 16};

// placeOf reads a /v1/locate answer as what the map should do: fly to a
// place, offer candidates, or say why it cannot.
export function placeOf(body) {
  if (body.ambiguous && body.candidates?.length) {
    return {candidates: body.candidates.filter(c => c.point).map(c => ({
      lat: c.point.lat, lng: c.point.lng, zoom: ZOOM.street,
      label: c.neighbourhood ? `${c.street}, ${c.neighbourhood.name}` : c.street,
    }))};
  }
  const name = body.match === 'postcode' ? body.postcode?.postcode || body.q : body.match === 'street' ? body.street || body.q : body.q;
  if (!body.point) return {error: `${name} has no location to show.`};
  const where = body.neighbourhood ? `${name}, ${body.neighbourhood.name}` : name;
  const ended = body.postcode?.terminated ? ` (a postcode no longer in use${body.postcode.terminated_month ? ` since ${body.postcode.terminated_month}` : ''})` : '';
  return {lat: body.point.lat, lng: body.point.lng, zoom: ZOOM[body.match] ?? 16, label: where + ended};
}

// failureText says in words why a search failed.
export function failureText(q, err) {
  if (err?.status === 404) return `Nothing matches “${q}”. Try a full postcode such as SO14 7LY, a street name, or a latitude and longitude such as 50.91,-1.40.`;
  if (err?.status === 400) return `“${q}” cannot be searched: ${err.message.replace(/ \(HTTP 400\)$/, '')}.`;
  return `The search did not work: ${err?.message || 'no answer from the server'}. Try again in a moment.`;
}

// wireLocate runs the search form: Enter or the button searches, each
// candidate is a button, and the map flies to the place chosen.
export function wireLocate(map, form) {
  if (!form) return;
  const input = form.querySelector('input[type=search]');
  const msg = form.querySelector('.locate-msg');
  const list = form.querySelector('.locate-hits');
  const say = (text, kind = 'info') => { msg.textContent = text; msg.dataset.kind = kind; };
  const go = p => {
    map.flyTo({center: [p.lng, p.lat], zoom: p.zoom, essential: true});
    say(`Showing ${p.label}.`);
  };
  let seq = 0;
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const q = input.value.trim();
    list.replaceChildren();
    list.hidden = true;
    if (!q) {
      say('Type a postcode, a street or a latitude and longitude first.', 'error');
      input.focus();
      return;
    }
    const mine = ++seq;
    say(`Looking for “${q}”…`);
    let place;
    try {
      place = placeOf(await getJSON(`/v1/locate?q=${encodeURIComponent(q)}`));
    } catch (err) {
      if (mine === seq) say(failureText(q, err), 'error');
      return;
    }
    if (mine !== seq) return;
    if (place.error) return say(place.error, 'error');
    if (!place.candidates) return go(place);
    say(`${place.candidates.length} places match “${q}”; choose one.`);
    list.replaceChildren(...place.candidates.map(c => h('li', {}, h('button', {type: 'button', onclick: () => go(c)}, c.label))));
    list.hidden = false;
    list.querySelector('button')?.focus();
  });
}
