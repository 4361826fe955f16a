// The crime layers shared by the map page and the embed. Tiles come from the
// server's TileJSON: a "clusters" layer below the zoom where snap points are
// drawn one by one and a "crimes" layer from that zoom on; the hex view reads
// the "hexes" layer of the hex tiles.

export const BACKGROUND = '#eef0ea';
export const FALLBACK_COLOUR = '#555555';

// Layer ids, exported so the page and the tests agree on them.
export const L = {
  clusters: 'crime-clusters',
  clusterLabels: 'crime-cluster-labels',
  points: 'crime-points',
  hexes: 'crime-hexes',
  hexLines: 'crime-hex-lines',
  hotspots: 'crime-hotspots',
  hotspotLines: 'crime-hotspot-lines',
  nearFill: 'near-fill',
  nearLine: 'near-line',
  selected: 'selected-point',
  selectedArea: 'selected-area',
  boundaries: 'boundaries',
  watchFill: 'watch-schemes',
  watchLine: 'watch-scheme-lines',
};

export const WATCH_LAYERS = [L.watchFill, L.watchLine];
// Below this zoom the Watch layer asks for nothing: a county's schemes are
// too many to draw, and too small to tell apart.
export const WATCH_MINZOOM = 11;
export const WATCH_COLOUR = '#1b7837';

export const POINT_LAYERS = [L.clusters, L.clusterLabels, L.points];
export const HEX_LAYERS = [L.hexes, L.hexLines];
export const HOTSPOT_LAYERS = [L.hotspots, L.hotspotLines];

// Getis-Ord Gi* confidence bins: hot (+) or cold (-) at 90, 95, 99 %.
export const HOTSPOT_BINS = [
  {bin: 3, colour: '#b2182b', label: 'Hot spot, 99 % confidence'},
  {bin: 2, colour: '#ef8a62', label: 'Hot spot, 95 %'},
  {bin: 1, colour: '#fddbc7', label: 'Hot spot, 90 %'},
  {bin: -1, colour: '#d1e5f0', label: 'Cold spot, 90 %'},
  {bin: -2, colour: '#67a9cf', label: 'Cold spot, 95 %'},
  {bin: -3, colour: '#2166ac', label: 'Cold spot, 99 %'},
];

// addHotspotLayers draws the cells of a /v1/hotspots answer that are
// significantly hot or cold; the rest are left out to keep the map quiet.
export function addHotspotLayers(map) {
  map.addSource('hotspots', {type: 'geojson', data: {type: 'FeatureCollection', features: []}});
  const colour = ['match', ['get', 'bin'], ...HOTSPOT_BINS.flatMap(b => [b.bin, b.colour]), 'rgba(0,0,0,0)'];
  map.addLayer({
    id: L.hotspots, type: 'fill', source: 'hotspots', layout: {visibility: 'none'},
    filter: ['!=', ['get', 'bin'], 0],
    paint: {'fill-color': colour, 'fill-opacity': 0.8},
  });
  map.addLayer({
    id: L.hotspotLines, type: 'line', source: 'hotspots', layout: {visibility: 'none'},
    filter: ['!=', ['get', 'bin'], 0],
    paint: {'line-color': '#ffffff', 'line-width': 0.5},
  });
}

// Mean H3 cell areas in km² by resolution.
const H3_AREA_KM2 = [4357449, 609788, 86801, 12393, 1770, 252.9, 36.13, 5.16, 0.737, 0.105, 0.0150, 0.00214, 0.000307, 0.0000439];
// Resolution of the hex tiles at each zoom, as the server chooses it.
const HEX_ZOOM_RES = [0, 1, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 8, 9, 10, 11, 11, 12, 13];

// hotspotRes picks the resolution of a hotspot study: the hex tiles' one
// for the zoom, made coarser until the box holds at most maxCells cells, so
// the answer stays small enough to draw.
export function hotspotRes(bbox, zoom, maxCells = 3000) {
  const [w, s, e, n] = bbox;
  const km2 = Math.abs((n - s) * 111.32 * (e - w) * 111.32 * Math.cos((n + s) / 2 * Math.PI / 180));
  let res = HEX_ZOOM_RES[Math.max(0, Math.min(HEX_ZOOM_RES.length - 1, Math.floor(zoom)))];
  while (res > 0 && km2 / H3_AREA_KM2[res] > maxCells) res--;
  return res;
}

// plainStyle is the style used when no basemap is configured: a plain
// background that keeps the crime colours readable.
export function plainStyle() {
  return {
    version: 8,
    sources: {},
    layers: [{id: 'background', type: 'background', paint: {'background-color': BACKGROUND}}],
  };
}

const num = slug => ['to-number', ['coalesce', ['get', slug], 0]];

// mainTypeColour colours a snap point by its most frequent crime type among
// the selected ones; ties go to the type listed first.
export function mainTypeColour(slugs, colours) {
  if (!slugs.length) return FALLBACK_COLOUR;
  const cases = [];
  for (const s of slugs) cases.push(['==', num(s), ['var', 'top']], colours[s] || FALLBACK_COLOUR);
  return ['let', 'top', ['max', 0, ...slugs.map(num)],
    ['case', ['==', ['var', 'top'], 0], FALLBACK_COLOUR, ...cases, FALLBACK_COLOUR]];
}

// addCrimeLayers adds the sources and layers for the crime tiles. beforeId
// puts them under the page's own overlays when a basemap style is used.
export function addCrimeLayers(map, {tiles, hexTiles, minzoom = 0, maxzoom = 14, hexMaxzoom = 14, slugs, colours, attribution}) {
  map.addSource('crime', {type: 'vector', tiles, minzoom, maxzoom, attribution});
  if (hexTiles) map.addSource('hex', {type: 'vector', tiles: hexTiles, minzoom, maxzoom: hexMaxzoom, attribution});

  if (hexTiles) {
    map.addLayer({
      id: L.hexes, type: 'fill', source: 'hex', 'source-layer': 'hexes',
      layout: {visibility: 'none'},
      paint: {'fill-color': hexRamp(1), 'fill-opacity': 0.75},
    });
    map.addLayer({
      id: L.hexLines, type: 'line', source: 'hex', 'source-layer': 'hexes',
      layout: {visibility: 'none'},
      paint: {'line-color': '#ffffff', 'line-width': 0.6, 'line-opacity': 0.8},
    });
  }

  map.addLayer({
    id: L.clusters, type: 'circle', source: 'crime', 'source-layer': 'clusters',
    paint: {
      'circle-color': ['step', ['get', 'point_count'], '#9ecae1', 10, '#6baed6', 100, '#3182bd', 1000, '#08519c'],
      'circle-radius': ['step', ['get', 'point_count'], 11, 10, 15, 100, 20, 1000, 26, 10000, 32],
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1.5,
      'circle-opacity': 0.9,
    },
  });
  map.addLayer({
    id: L.clusterLabels, type: 'symbol', source: 'crime', 'source-layer': 'clusters',
    layout: {
      'text-field': ['to-string', ['coalesce', ['get', 'point_count_abbreviated'], ['get', 'point_count']]],
      'text-size': 12,
      'text-allow-overlap': true,
      'text-ignore-placement': true,
    },
    paint: {'text-color': ['step', ['get', 'point_count'], '#08306b', 100, '#ffffff']},
  });
  map.addLayer({
    id: L.points, type: 'circle', source: 'crime', 'source-layer': 'crimes',
    paint: {
      'circle-color': mainTypeColour(slugs, colours),
      'circle-radius': ['interpolate', ['linear'], ['sqrt', ['to-number', ['coalesce', ['get', 'count'], 1]]], 1, 5, 4, 9, 10, 16],
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1,
    },
  });
}

// addBoundaryLayer draws force and neighbourhood boundaries (GeoJSON
// features of /v1/boundaries/{id}) as lines under the crime layers, above
// any basemap.
export function addBoundaryLayer(map, features) {
  map.addSource('boundaries', {type: 'geojson', data: {type: 'FeatureCollection', features}});
  const before = [L.hexes, L.clusters, L.points].find(id => map.getLayer(id));
  map.addLayer({
    id: L.boundaries, type: 'line', source: 'boundaries',
    paint: {
      'line-color': '#6a3d9a',
      'line-width': ['interpolate', ['linear'], ['zoom'], 6, 1, 12, 2.5],
      'line-opacity': 0.8,
    },
  }, before);
}

// setTypeColours recolours the snap points for a new type selection.
export function setTypeColours(map, slugs, colours) {
  const c = mainTypeColour(slugs, colours);
  for (const id of [L.points]) if (map.getLayer(id)) map.setPaintProperty(id, 'circle-color', c);
}

// hexRamp spreads a yellow-to-red ramp over 0..max on a square-root scale,
// so a few busy town-centre cells do not wash out the rest.
export function hexRamp(max) {
  const m = Math.max(max, 1);
  const stops = [0, 0.1, 0.3, 0.6, 1].map(f => Math.max(1, Math.round(f * f * m)));
  const colours = ['#ffffb2', '#fecc5c', '#fd8d3c', '#f03b20', '#bd0026'];
  const expr = ['interpolate', ['linear'], ['to-number', ['coalesce', ['get', 'count'], 0]]];
  let last = -Infinity;
  stops.forEach((s, i) => {
    const v = Math.max(s, last + 1e-6);
    expr.push(v, colours[i]);
    last = v;
  });
  return expr;
}

export const HEX_COLOURS = ['#ffffb2', '#fecc5c', '#fd8d3c', '#f03b20', '#bd0026'];

// setView shows the points or the hex layers.
export function setView(map, view, anyType) {
  const show = (ids, on) => ids.forEach(id => map.getLayer(id) && map.setLayoutProperty(id, 'visibility', on && anyType ? 'visible' : 'none'));
  show(POINT_LAYERS, view === 'points');
  show(HEX_LAYERS, view === 'hexes');
  show(HOTSPOT_LAYERS, view === 'hotspots');
}

// circlePolygon approximates a circle of radius metres as a GeoJSON polygon,
// on a sphere like the server's radius queries.
export function circlePolygon(lng, lat, radius, steps = 96) {
  const R = 6371008.8;
  const d = radius / R;
  const la = lat * Math.PI / 180, lo = lng * Math.PI / 180;
  const ring = [];
  for (let i = 0; i < steps; i++) {
    const b = 2 * Math.PI * i / steps;
    const la2 = Math.asin(Math.sin(la) * Math.cos(d) + Math.cos(la) * Math.sin(d) * Math.cos(b));
    const lo2 = lo + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(la), Math.cos(d) - Math.sin(la) * Math.sin(la2));
    ring.push([lo2 * 180 / Math.PI, la2 * 180 / Math.PI]);
  }
  // GeoJSON wants the ring closed exactly, which sin(2π) is not.
  ring.push([...ring[0]]);
  return {type: 'Feature', properties: {}, geometry: {type: 'Polygon', coordinates: [ring]}};
}

// addNearLayers adds the radius outline used by the near-a-point mode and
// the embed.
export function addNearLayers(map) {
  map.addSource('near', {type: 'geojson', data: {type: 'FeatureCollection', features: []}});
  map.addLayer({id: L.nearFill, type: 'fill', source: 'near', paint: {'fill-color': '#08519c', 'fill-opacity': 0.08}});
  map.addLayer({id: L.nearLine, type: 'line', source: 'near', paint: {'line-color': '#08519c', 'line-width': 2, 'line-dasharray': [2, 1]}});
}

export function setNear(map, near) {
  const src = map.getSource('near');
  if (!src) return;
  src.setData(near ? circlePolygon(near.lng, near.lat, near.radius) : {type: 'FeatureCollection', features: []});
}

// addWatchLayers adds the Neighbourhood Watch scheme areas (the GeoJSON
// of /v1/watch/schemes, approximate areas drawn as polygons) above the
// crime layers, hidden until the page turns them on.
export function addWatchLayers(map) {
  map.addSource('watch', {type: 'geojson', data: {type: 'FeatureCollection', features: []}});
  map.addLayer({
    id: L.watchFill, type: 'fill', source: 'watch', layout: {visibility: 'none'},
    paint: {'fill-color': WATCH_COLOUR, 'fill-opacity': 0.12},
  });
  map.addLayer({
    id: L.watchLine, type: 'line', source: 'watch', layout: {visibility: 'none'},
    paint: {'line-color': WATCH_COLOUR, 'line-width': 2, 'line-dasharray': [3, 2]},
  });
}

// watchQuery is the /v1/watch/schemes query for a map view, or null below
// WATCH_MINZOOM.
export function watchQuery(bbox, zoom) {
  if (zoom < WATCH_MINZOOM) return null;
  const q = new URLSearchParams();
  q.set('bbox', bbox.map(v => v.toFixed(5)).join(','));
  q.set('format', 'geojson');
  return q;
}
