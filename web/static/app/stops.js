// The stop-and-search layer of the map page: the stops tiles (merged on a
// grid below the crimes' zoom, one point per location from it), their
// legend line and the list of searches at a clicked point. Kept apart from
// the crime layers: it has its own filter (months and force) and its own
// properties (counts per outcome rather than per crime type).
import {getJSON, withQuery, absoluteTemplate} from './api.js';
import {h, n, swatch} from './panel.js';

export const STOP_LAYERS = {
  clusters: 'stop-clusters',
  clusterLabels: 'stop-cluster-labels',
  points: 'stop-points',
};
export const STOPS_LAYER_IDS = Object.values(STOP_LAYERS);
export const STOP_COLOUR = '#54278f';

// data.police.uk's current outcome ids, as the tiles count them; labels
// no longer in use are mapped to these by the server, and a label with no
// current equivalent keeps a slug of its own and the fallback colour.
export const STOP_OUTCOMES = [
  {id: 'bu-no-further-action', label: 'No further action', colour: '#bdbdbd'},
  {id: 'bu-arrest', label: 'Arrest', colour: '#d7301f'},
  {id: 'bu-summons', label: 'Summons / charged by post', colour: '#fc8d59'},
  {id: 'bu-caution', label: 'Caution', colour: '#fdbb84'},
  {id: 'bu-community-resolution', label: 'Community resolution', colour: '#2b8cbe'},
  {id: 'bu-penalty-notice', label: 'Penalty notice for disorder', colour: '#7bccc4'},
  {id: 'bu-khat-or-cannabis-warning', label: 'Khat or cannabis warning', colour: '#41ab5d'},
  {id: 'none', label: 'No outcome recorded', colour: '#737373'},
];
const FALLBACK = '#555555';

const num = id => ['to-number', ['coalesce', ['get', id], 0]];

// mainOutcomeColour colours a point by its most frequent outcome; ties go
// to the outcome listed first, so "no further action" wins a tie.
export function mainOutcomeColour() {
  const cases = STOP_OUTCOMES.flatMap(o => [['==', num(o.id), ['var', 'top']], o.colour]);
  return ['let', 'top', ['max', 0, ...STOP_OUTCOMES.map(o => num(o.id))],
    ['case', ['==', ['var', 'top'], 0], FALLBACK, ...cases, FALLBACK]];
}

// stopsQuery is the stops' filter for the page state: the month range and
// the layer's own force.
export function stopsQuery(state) {
  const q = new URLSearchParams();
  if (state.from) q.set('from', state.from);
  if (state.to) q.set('to', state.to);
  if (state.stops?.force) q.set('force', state.stops.force);
  return q;
}

// addStopLayers adds the stops source and layers above the crime layers,
// hidden until the page turns them on. Grid cells carry point_count, the
// points location_id; the filters tell them apart whatever the zoom.
export function addStopLayers(map, {tiles, minzoom = 0, maxzoom = 18, attribution}) {
  map.addSource('stops', {type: 'vector', tiles, minzoom, maxzoom, attribution});
  const hidden = {visibility: 'none'};
  map.addLayer({
    id: STOP_LAYERS.clusters, type: 'circle', source: 'stops', 'source-layer': 'stops', layout: hidden,
    filter: ['has', 'point_count'],
    paint: {
      'circle-color': ['step', ['get', 'point_count'], '#bcbddc', 10, '#9e9ac8', 100, '#756bb1', 1000, STOP_COLOUR],
      // The cells are small (a 64th of a tile), so the circles grow
      // slowly and the labels give way to each other.
      'circle-radius': ['interpolate', ['linear'], ['sqrt', ['get', 'point_count']], 1, 4, 3, 7, 10, 12, 30, 18],
      'circle-stroke-color': STOP_COLOUR,
      'circle-stroke-width': 1.5,
      'circle-opacity': 0.85,
    },
  });
  map.addLayer({
    id: STOP_LAYERS.clusterLabels, type: 'symbol', source: 'stops', 'source-layer': 'stops',
    layout: {
      ...hidden,
      'text-field': ['to-string', ['coalesce', ['get', 'point_count_abbreviated'], ['get', 'point_count']]],
      'text-size': 11,
      'text-allow-overlap': false,
    },
    filter: ['>', ['to-number', ['get', 'point_count']], 1],
    paint: {'text-color': ['step', ['get', 'point_count'], '#3f007d', 100, '#ffffff']},
  });
  map.addLayer({
    id: STOP_LAYERS.points, type: 'circle', source: 'stops', 'source-layer': 'stops', layout: hidden,
    filter: ['has', 'location_id'],
    paint: {
      'circle-color': mainOutcomeColour(),
      'circle-radius': ['interpolate', ['linear'], ['sqrt', num('count')], 1, 5, 4, 9, 10, 14],
      'circle-stroke-color': STOP_COLOUR,
      'circle-stroke-width': 2.5,
    },
  });
}

// setStops points the stops source at the state's filter and shows or
// hides the layers. The page applies its state on every change, and new
// tile URLs make MapLibre drop and fetch every tile, so they are set only
// when the filter changed.
export function setStops(map, template, state) {
  const src = map.getSource('stops');
  if (!src) return;
  const url = withQuery(template, stopsQuery(state));
  if (state.stops && src.tiles?.[0] !== url) src.setTiles([url]);
  for (const id of STOPS_LAYER_IDS) map.setLayoutProperty(id, 'visibility', state.stops ? 'visible' : 'none');
}

// loadStopsSource reads the stops TileJSON and the forces with stops once
// the layer is first wanted, so a page without it asks for neither.
export async function loadStopsSource() {
  const [tj, counts] = await Promise.all([
    getJSON('/tiles/stops.json'),
    getJSON('/v1/stops/counts?group_by=force'),
  ]);
  const forces = (counts.groups || []).map(g => ({id: g.key.force, name: g.name?.force || g.key.force}))
    .sort((a, b) => a.name.localeCompare(b.name));
  return {template: absoluteTemplate(tj.tiles[0]), minzoom: tj.minzoom ?? 0, maxzoom: tj.maxzoom ?? 18,
    attribution: tj.attribution, forces, total: counts.total?.count ?? 0};
}

// stopsAt lists the stops at one location matching the state's filter:
// /v1/stops over a small box around the point, kept to the location, every
// page followed.
export async function stopsAt(state, locationId, [lng, lat]) {
  const d = 0.001;
  const q = stopsQuery(state);
  q.set('bbox', [lng - d, lat - d, lng + d, lat + d].map(v => v.toFixed(6)).join(','));
  q.set('limit', '10000');
  const out = [];
  for (let url = `/v1/stops?${q}`; url;) {
    const fc = await getJSON(url);
    out.push(...fc.features.map(f => f.properties).filter(p => String(p.location_id) === String(locationId)));
    url = fc.next_cursor ? withQuery(`/v1/stops?${q}`, new URLSearchParams({cursor: fc.next_cursor})) : null;
  }
  return out.sort((a, b) => b.datetime.localeCompare(a.datetime));
}

const when = new Intl.DateTimeFormat('en-GB', {dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/London'});

// stopsTable lists searches, newest first, with what scrutiny panels
// read: when, the search and its object, the outcome, and who was searched
// (age range, gender, officer-defined ethnicity), in four columns to fit
// the panel.
export function stopsTable(stops) {
  const colour = new Map(STOP_OUTCOMES.map(o => [o.id, o.colour]));
  const dash = v => v || '—';
  return h('table', {class: 'stops'},
    h('caption', {}, 'Searches at this location'),
    h('thead', {}, h('tr', {}, ['When', 'Search', 'Outcome', 'Person'].map(c => h('th', {scope: 'col'}, c)))),
    h('tbody', {}, stops.map(s => h('tr', {'data-outcome': s.outcome},
      h('td', {class: 'when'}, h('time', {datetime: s.datetime}, when.format(new Date(s.datetime)))),
      h('td', {}, h('span', {class: 'type'}, dash(s.type)), h('br'), h('span', {class: 'object'}, dash(s.object_of_search))),
      h('td', {class: 'outcome'}, swatch(colour.get(s.outcome) || FALLBACK), dash(s.outcome_name || s.outcome_original)),
      h('td', {class: 'person'}, [s.age_range, s.gender, s.officer_defined_ethnicity].map(dash).join(' · '))))));
}

// stopsSummary is the panel body for a location's searches.
export function stopsSummary(stops, range) {
  return h('div', {class: 'stops-result'},
    h('p', {class: 'total'}, h('strong', {}, n(stops.length)), ` search${stops.length === 1 ? '' : 'es'}, ${range}`),
    stops.length ? stopsTable(stops) : h('p', {class: 'empty'}, 'No searches match the filter here.'),
    h('p', {class: 'note'}, 'Searches are mapped to the nearest anonymous map point, not to where they took place.'));
}

// stopsLegend is the legend's line for the layer.
export function stopsLegend(forceName) {
  return h('div', {class: 'legend-stops'},
    h('p', {}, swatch(STOP_COLOUR), `Stop and search${forceName ? ` (${forceName})` : ''}: grouped nearby, click to zoom in; closer in, one ringed dot per place, coloured by its most common outcome`),
    h('ul', {class: 'legend-types'}, STOP_OUTCOMES.map(o => h('li', {}, swatch(o.colour), o.label))));
}
