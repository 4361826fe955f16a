// The page state lives in the query string so a view can be shared by
// copying the address; the map position lives in the hash, kept there by
// MapLibre itself.

const VIEWS = ['points', 'hexes', 'hotspots'];

// readState parses a query string against the dataset's months and types,
// dropping anything the dataset does not know so a stale link still opens.
export function readState(search, meta) {
  const q = new URLSearchParams(search);
  const months = meta.months;
  const pick = (v, fallback) => (v && months.includes(v) ? v : fallback);
  const latest = meta.latest || months[months.length - 1] || '';
  let from = pick(q.get('from'), meta.defaultFrom || latest);
  let to = pick(q.get('to'), meta.defaultTo || latest);
  if (from && to && from > to) [from, to] = [to, from];
  const known = new Set(meta.categories.map(c => c.slug));
  let categories = meta.categories.map(c => c.slug);
  if (q.has('category')) {
    const want = q.get('category').split(',').map(s => s.trim()).filter(s => known.has(s));
    categories = meta.categories.map(c => c.slug).filter(s => want.includes(s));
  }
  const view = VIEWS.includes(q.get('view')) ? q.get('view') : 'points';
  let near = null;
  const lat = parseFloat(q.get('lat')), lng = parseFloat(q.get('lng')), r = parseFloat(q.get('radius_m'));
  if (Number.isFinite(lat) && Number.isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180) {
    near = {lat, lng, radius: Number.isFinite(r) && r > 0 ? r : 500};
  }
  // The Neighbourhood Watch layer is off unless the link asks for it.
  const watch = q.get('watch') === '1';
  const stops = readStops(q);
  return {from, to, categories, view, near, watch, ...(stops && {stops})};
}

// readStops is the stop-and-search layer's state: null (off) unless the
// link asks for it, with its force filter. The forces with stops are only
// known later, so any well-formed force id is kept here.
export function readStops(q) {
  if (q.get('stops') !== '1') return null;
  const force = q.get('stops_force') || '';
  return {force: /^[a-z0-9-]{1,64}$/.test(force) ? force : ''};
}

// writeState is the inverse of readState; defaults are left out to keep
// shared links short, but for the months: a shared link shows the same
// months after newer data is loaded.
export function writeState(state, meta) {
  const q = new URLSearchParams();
  if (state.from) q.set('from', state.from);
  if (state.to) q.set('to', state.to);
  if (state.categories.length !== meta.categories.length) q.set('category', state.categories.join(','));
  if (state.view !== 'points') q.set('view', state.view);
  if (state.near) {
    q.set('lat', state.near.lat.toFixed(5));
    q.set('lng', state.near.lng.toFixed(5));
    q.set('radius_m', String(Math.round(state.near.radius)));
  }
  if (state.watch) q.set('watch', '1');
  if (state.stops) {
    q.set('stops', '1');
    if (state.stops.force) q.set('stops_force', state.stops.force);
  }
  return q.toString();
}
