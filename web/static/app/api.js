// Fetch helpers and the shapes the page uses, adapted from the server's JSON
// in one place so the panels do not depend on field names.

export class HTTPError extends Error {
  constructor(url, status, message) {
    super(message || `${url}: HTTP ${status}`);
    this.status = status;
    this.url = url;
  }
}

export async function getJSON(url, {signal} = {}) {
  const res = await fetch(url, {signal, headers: {Accept: 'application/json'}});
  if (!res.ok) {
    let msg = '';
    try { msg = (await res.json()).error || ''; } catch { /* not JSON */ }
    throw new HTTPError(url, res.status, msg ? `${msg} (HTTP ${res.status})` : '');
  }
  return res.json();
}

// filterQuery turns the page state into the server's filter parameters.
// An empty category list means every type, so it is left out rather than
// sent as "all": the server treats a missing parameter the same way.
export function filterQuery(state, {allCategories} = {}) {
  const q = new URLSearchParams();
  if (state.from) q.set('from', state.from);
  if (state.to) q.set('to', state.to);
  // No type selected is handled by the page (it hides the crime layers), as
  // the server reads a missing category as every type.
  if (state.categories && state.categories.length &&
      !(allCategories && state.categories.length === allCategories.length)) {
    q.set('category', state.categories.join(','));
  }
  return q;
}

// absoluteTemplate makes a tile URL template absolute without URL(), which
// would percent-encode its {z}/{x}/{y}.
export function absoluteTemplate(t) {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) return t;
  return location.origin + (t.startsWith('/') ? t : '/' + t);
}

export function withQuery(url, q) {
  const s = q.toString();
  if (!s) return url;
  return url + (url.includes('?') ? '&' : '?') + s;
}

// meta normalises /v1/meta.
export function normaliseMeta(m) {
  const months = (m.months || []).map(x => (typeof x === 'string' ? x : x.month || x.date)).filter(Boolean).sort();
  const categories = (m.categories || []).map(c => ({slug: c.url || c.slug, name: c.name}))
    .filter(c => c.slug && c.slug !== 'all-crime');
  let bounds = m.bounds || m.bbox || null;
  if (bounds && !Array.isArray(bounds)) {
    bounds = [bounds.min_lng ?? bounds.minLon ?? bounds.west, bounds.min_lat ?? bounds.minLat ?? bounds.south,
      bounds.max_lng ?? bounds.maxLon ?? bounds.east, bounds.max_lat ?? bounds.maxLat ?? bounds.north];
  }
  if (Array.isArray(bounds) && bounds.length === 2 && Array.isArray(bounds[0])) bounds = [...bounds[0], ...bounds[1]];
  let center = m.center || null;
  if (center && !Array.isArray(center)) center = [center.lng ?? center.longitude ?? center.lon, center.lat ?? center.latitude];
  if (!center && bounds) center = [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2];
  return {
    version: m.version || '',
    months,
    latest: m.latest_month || m.latest || months[months.length - 1] || '',
    // Where the page opens: the months most forces have published and the
    // bulk of the crimes, not the single latest month or stray points.
    defaultFrom: months.includes(m.default_from) ? m.default_from : '',
    defaultTo: months.includes(m.default_to) ? m.default_to : '',
    dataBounds: Array.isArray(m.data_bounds) && m.data_bounds.some(v => v !== 0) ? m.data_bounds : bounds,
    categories,
    forces: m.forces || [],
    bounds,
    center,
    styleURL: m.style_url || m.styleURL || m.style || '',
    crimes: m.crimes ?? m.total ?? null,
  };
}

// normaliseCounts turns a counts response into {total, byCategory, byMonth}.
// /v1/counts answers group_by=category,month with by_category_month rows;
// the other groupings and other count endpoints (hex cells) give
// by_category and by_month as lists or as maps, all accepted here.
export function normaliseCounts(r, meta) {
  const names = new Map(meta.categories.map(c => [c.slug, c.name]));
  const byCat = new Map();
  const byMonth = new Map();
  const add = (m, k, v) => m.set(k, (m.get(k) || 0) + v);
  const entries = x => (Array.isArray(x) ? x : Object.entries(x || {}).map(([k, v]) => (typeof v === 'number' ? {key: k, count: v} : {key: k, ...v})));
  const cm = r.by_category_month || r.rows || [];
  for (const row of entries(cm)) {
    const cat = row.category?.url || row.category || row.key;
    if (cat) add(byCat, cat, row.count || 0);
    if (row.month) add(byMonth, row.month, row.count || 0);
    if (row.name && cat && !names.has(cat)) names.set(cat, row.name);
  }
  if (!byCat.size) {
    for (const row of entries(r.by_category || r.categories)) {
      const cat = row.category?.url || row.category || row.key;
      if (cat) add(byCat, cat, row.count || 0);
    }
  }
  if (!byMonth.size) {
    for (const row of entries(r.by_month || r.months)) {
      const m = row.month || row.key;
      if (m) add(byMonth, m, row.count || 0);
    }
  }
  const total = r.total ?? r.count ?? [...byCat.values()].reduce((a, b) => a + b, 0);
  const byCategory = [...byCat].map(([slug, count]) => ({slug, name: names.get(slug) || slug, count}))
    .filter(c => c.count > 0)
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  const months = [...byMonth.keys()].sort();
  return {total, byCategory, byMonth: months.map(m => ({month: m, count: byMonth.get(m)}))};
}

// monthsBetween lists the dataset months inside [from, to].
export function monthsBetween(all, from, to) {
  return all.filter(m => (!from || m >= from) && (!to || m <= to));
}
