// The map page: controls in the sidebar drive the tile filter, the URL keeps
// the state, and every click answers in the panel.
import * as maplibregl from '/static/maplibre-gl/maplibre-gl.mjs';
import {getJSON, filterQuery, withQuery, absoluteTemplate, normaliseMeta, normaliseCounts, monthsBetween} from './api.js';
import {readState, writeState} from './state.js';
import {
  L, POINT_LAYERS, HEX_LAYERS, HEX_COLOURS, HOTSPOT_LAYERS, HOTSPOT_BINS, addCrimeLayers, addNearLayers,
  addHotspotLayers, addBoundaryLayer, setNear, setTypeColours, setView, hexRamp, hotspotRes,
  WATCH_LAYERS, WATCH_COLOUR, addWatchLayers, watchQuery,
} from './layers.js';
import {h, n, swatch, monthName, countsSection, crimesTable} from './panel.js';
import {basemapStyle, raiseLabels, blankMissingImages} from './basemap.js';
import {STOP_LAYERS, STOPS_LAYER_IDS, addStopLayers, setStops, loadStopsSource, stopsAt, stopsSummary, stopsLegend} from './stops.js';
import {anchorPanel, unanchorPanel, boxWithin, LEGEND_DOCKED} from './placement.js';
import {wireLocate} from './locate.js';

const config = JSON.parse(document.getElementById('config').textContent);
const colours = config.colours;
const $ = id => document.getElementById(id);

const status = {
  show(msg, kind = 'info') {
    const el = $('status');
    el.textContent = msg;
    el.dataset.kind = kind;
    el.hidden = !msg;
  },
  clear() { this.show(''); },
};

async function main() {
  let meta, tilejson, hexTiles;
  try {
    [meta, tilejson, hexTiles] = await Promise.all([
      getJSON('/v1/meta').then(normaliseMeta),
      getJSON('/tiles.json').catch(err => {
        console.warn('no TileJSON; crime layers disabled:', err.message);
        return null;
      }),
      hexSource(),
    ]);
  } catch (err) {
    $('dataset-info').textContent = `The dataset could not be loaded: ${err.message}`;
    status.show('The dataset could not be loaded.', 'error');
    return;
  }
  const state = readState(location.search, meta);
  const names = new Map(meta.categories.map(c => [c.slug, c.name]));

  describeDataset(meta);
  buildControls(meta, state, !!hexTiles);

  const styleURL = config.styleURL || meta.styleURL;
  // A shared position in the hash wins over the data's bounds.
  const openOnData = !location.hash && meta.dataBounds;
  const map = new maplibregl.Map({
    container: 'map',
    style: styleURL || await basemapStyle(config.osmBasemap),
    bounds: meta.dataBounds || undefined,
    fitBoundsOptions: {padding: 20},
    center: meta.dataBounds ? undefined : meta.center?.slice(0, 2),
    zoom: meta.dataBounds ? undefined : 9,
    hash: true,
    maxZoom: 19,
    // Compact (a button) only where the map is narrow, MapLibre's default.
    attributionControl: {customAttribution: config.attribution},
  });
  // Exposed for tests and for pages that script the map.
  window.map = map;
  blankMissingImages(map);
  map.addControl(new maplibregl.NavigationControl({showCompass: false}), 'top-left');
  map.addControl(new maplibregl.ScaleControl({unit: 'metric'}), 'bottom-left');
  map.on('error', e => {
    // MapLibre only reports errors itself when no listener is attached; keep
    // them visible in the console as well as on the page.
    console.error('map error:', e.error?.message || e.error || e);
    status.show(`Map error: ${e.error?.message || 'see the console'}`, 'error');
  });

  await new Promise(resolve => (map.loaded() ? resolve() : map.once('load', resolve)));

  const tileURLs = tilejson?.tiles?.map(absoluteTemplate) || null;
  if (tileURLs) {
    addCrimeLayers(map, {
      tiles: tileURLs.map(t => withQuery(t, filterQuery(state, {allCategories: meta.categories}))),
      hexTiles: hexTiles && [withQuery(hexTiles.template, filterQuery(state, {allCategories: meta.categories}))],
      minzoom: tilejson.minzoom ?? 0,
      maxzoom: tilejson.maxzoom ?? 14,
      hexMaxzoom: hexTiles?.maxzoom ?? 14,
      slugs: state.categories,
      colours,
      attribution: tilejson.attribution,
    });
  } else {
    status.show('Crime tiles are not available from this server.', 'error');
  }
  if (config.hotspots) addHotspotLayers(map);
  addNearLayers(map);
  if (config.watch) addWatchLayers(map);
  raiseLabels(map);
  drawBoundaries(map).catch(err => console.warn('boundaries not drawn:', err.message));
  map.addSource('selected', {type: 'geojson', data: {type: 'FeatureCollection', features: []}});
  map.addLayer({
    id: L.selected, type: 'circle', source: 'selected', filter: ['==', ['geometry-type'], 'Point'],
    paint: {'circle-radius': 13, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#111', 'circle-stroke-width': 3},
  });
  map.addLayer({
    id: L.selectedArea, type: 'line', source: 'selected', filter: ['==', ['geometry-type'], 'Polygon'],
    paint: {'line-color': '#111', 'line-width': 3},
  });

  const page = {map, meta, state, names, tileURLs, hexTiles, panelReload: null, hexMax: 0};
  window.crimemap = page;
  applyState(page, {tiles: false});
  // Now the legend is drawn, fit the data beside it rather than under it.
  if (openOnData) map.fitBounds(meta.dataBounds, {padding: besideLegend(map), animate: false});
  wireControls(page);
  wireMap(page);
  wireLocate(map, $('locate'));
  if (state.near) countNear(page, state.near, {fly: !location.hash});
}

// besideLegend pads a fit so that nothing fitted lies under the open
// legend in the map's lower left: beside it where the map is wide enough,
// above it otherwise.
function besideLegend(map) {
  const pad = {top: 20, right: 20, bottom: 20, left: 20};
  const el = $('legend');
  // A legend docked under the map covers none of it.
  if (!el?.querySelector('details')?.open || !boxWithin(el, map.getContainer())) return pad;
  const box = el.getBoundingClientRect(), c = map.getContainer().getBoundingClientRect();
  if (c.width - box.width > 360) pad.left += box.right - c.left;
  else if (c.height - box.height > 260) pad.bottom += c.bottom - box.top;
  return pad;
}

// drawBoundaries draws the force and neighbourhood boundaries the server
// has loaded (serve --boundaries), simplified for display; none is common.
async function drawBoundaries(map) {
  const {boundaries = []} = await getJSON('/v1/boundaries');
  if (!boundaries.length) return;
  const features = await Promise.all(boundaries.map(b =>
    getJSON('/v1/boundaries/' + b.id.split('/').map(encodeURIComponent).join('/'))));
  addBoundaryLayer(map, features);
}

// hexSource says where hex tiles are, when the server has them. Their
// TileJSON carries the dataset version in the tile URL, which lets browsers
// cache tiles for good.
async function hexSource() {
  if (!config.hexTiles) return null;
  try {
    const tj = await getJSON('/tiles/hex.json');
    return {template: absoluteTemplate(tj.tiles[0]), maxzoom: tj.maxzoom ?? 18};
  } catch (err) {
    console.warn('hex TileJSON:', err.message);
    return {template: absoluteTemplate('/tiles/hex/{z}/{x}/{y}.mvt'), maxzoom: 18};
  }
}

function describeDataset(meta) {
  const months = meta.months;
  const span = months.length > 1 ? `${monthName(months[0])} to ${monthName(months[months.length - 1])}` : months.length ? monthName(months[0]) : 'no months';
  // A national archive has over forty forces; naming them all would push
  // the controls off the screen.
  const forces = meta.forces.length > 3 ? `${meta.forces.length} forces` : meta.forces.map(f => f.name).join(', ');
  $('dataset-info').textContent = `${meta.crimes != null ? n(meta.crimes) + ' crimes, ' : ''}${span}${forces ? ' · ' + forces : ''}`;
}

function buildControls(meta, state, haveHex) {
  for (const id of ['from', 'to']) {
    const sel = $(id);
    sel.replaceChildren(...meta.months.map(m => h('option', {value: m}, monthName(m))));
  }
  $('from').value = state.from;
  $('to').value = state.to;
  const list = $('category-list');
  list.replaceChildren(...meta.categories.map(c => h('li', {},
    h('label', {},
      h('input', {type: 'checkbox', name: 'category', value: c.slug, checked: state.categories.includes(c.slug)}),
      swatch(colours[c.slug] || '#555'), ' ', c.name))));
  for (const r of document.querySelectorAll('input[name=view]')) {
    r.checked = r.value === state.view;
    if ((r.value === 'hexes' && !haveHex) || (r.value === 'hotspots' && !config.hotspots)) {
      r.disabled = true;
      r.parentElement.title = 'Not available from this server';
    }
  }
  const watch = $('watch-layer');
  watch.checked = state.watch && config.watch;
  if (!config.watch) {
    watch.disabled = true;
    watch.parentElement.title = 'Not available from this server';
  }
  if (state.stops) {
    $('stops-layer').checked = true;
    // Until the forces with stops are known, the link's force stands alone.
    if (state.stops.force) $('stops-force').append(h('option', {value: state.stops.force}, state.stops.force));
    $('stops-force').value = state.stops.force;
  }
  if (state.near) {
    $('near-lat').value = state.near.lat.toFixed(5);
    $('near-lng').value = state.near.lng.toFixed(5);
    selectRadius(state.near.radius);
  }
}

function selectRadius(r) {
  const sel = $('near-radius');
  if (![...sel.options].some(o => Number(o.value) === Math.round(r))) {
    sel.append(h('option', {value: String(Math.round(r))}, `${Math.round(r)} m`));
  }
  sel.value = String(Math.round(r));
}

function readControls(page) {
  const s = page.state;
  s.from = $('from').value;
  s.to = $('to').value;
  if (s.from > s.to) {
    // Keep the range valid by moving the other end rather than refusing.
    if (document.activeElement === $('from')) s.to = s.from; else s.from = s.to;
    $('from').value = s.from;
    $('to').value = s.to;
  }
  s.categories = [...document.querySelectorAll('input[name=category]:checked')].map(i => i.value);
  s.view = document.querySelector('input[name=view]:checked')?.value || 'points';
  s.watch = !!config.watch && $('watch-layer').checked;
  s.stops = $('stops-layer').checked ? {force: $('stops-force').value} : null;
}

// applyState pushes the state to the tiles, the layers, the URL and the
// legend.
function applyState(page, {tiles = true} = {}) {
  const {map, state, meta} = page;
  const q = filterQuery(state, {allCategories: meta.categories});
  if (tiles && page.tileURLs && map.getSource('crime')) {
    map.getSource('crime').setTiles(page.tileURLs.map(t => withQuery(t, q)));
  }
  if (tiles && page.hexTiles && map.getSource('hex')) {
    map.getSource('hex').setTiles([withQuery(page.hexTiles.template, q)]);
  }
  setTypeColours(map, state.categories, colours);
  setView(map, state.view, state.categories.length > 0);
  if (state.view === 'hotspots') loadHotspots(page);
  for (const id of WATCH_LAYERS) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', state.watch ? 'visible' : 'none');
  const qs = writeState(state, meta);
  history.replaceState(history.state, '', `${location.pathname}${qs ? '?' + qs : ''}${location.hash}`);
  renderLegend(page);
  if (!state.categories.length) status.show('No crime types selected.');
  else if ($('status').dataset.kind !== 'error') status.clear();
  // After the status is reset, so its hint to zoom in stays.
  if (state.watch) loadWatch(page);
  applyStops(page);
}

function renderLegend(page) {
  const {state} = page;
  const el = $('legend');
  const open = el.querySelector('details')?.open ?? window.matchMedia(LEGEND_DOCKED).matches;
  let body;
  if (state.view === 'hotspots') {
    body = [
      h('p', {}, `Getis-Ord Gi* hot and cold spots${page.hotspotRes != null ? ` (H3 resolution ${page.hotspotRes})` : ''}:`),
      h('ul', {class: 'legend-bins'}, HOTSPOT_BINS.map(b => h('li', {}, swatch(b.colour), b.label))),
      h('p', {class: 'hint'}, 'Cells not shown are not significant. Click a cell for its counts.')];
  } else if (state.view === 'hexes') {
    const max = page.hexMax || 0;
    body = [
      h('p', {}, 'Crimes per hexagon'),
      h('div', {class: 'ramp', style: `background:linear-gradient(to right, ${HEX_COLOURS.join(',')})`, 'aria-hidden': 'true'}),
      h('div', {class: 'ramp-labels'}, h('span', {}, '1'), h('span', {}, max ? n(max) : '…')),
      h('p', {class: 'hint'}, 'Click a hexagon for its counts.')];
  } else {
    const selected = page.meta.categories.filter(c => state.categories.includes(c.slug));
    body = [
      h('p', {class: 'legend-clusters'}, h('span', {class: 'cluster-dot', 'aria-hidden': 'true'}, '12'), 'Crimes grouped nearby; click to zoom in'),
      h('p', {}, 'Closer in, one dot per place, coloured by its most common type:'),
      h('ul', {class: 'legend-types'}, selected.map(c => h('li', {}, swatch(colours[c.slug] || '#555'), c.name)))];
  }
  if (state.watch) {
    body.push(h('p', {class: 'legend-watch'}, swatch(WATCH_COLOUR), 'Neighbourhood Watch schemes (approximate areas); click one for its page'));
  }
  if (state.stops) body.push(stopsLegend(page.stops?.forces.find(f => f.id === state.stops.force)?.name));
  el.replaceChildren(h('details', {open}, h('summary', {}, 'Legend'), ...body));
}

function wireControls(page) {
  const form = $('controls');
  form.addEventListener('change', ev => {
    if (ev.target.closest('.near')) return;
    readControls(page);
    applyState(page);
    page.panelReload?.();
  });
  document.addEventListener('keydown', ev => {
    if (ev.key === 'Escape' && !$('panel').hidden) closePanel(page);
  });
  $('cat-all').addEventListener('click', () => setAllCategories(page, true));
  $('cat-none').addEventListener('click', () => setAllCategories(page, false));

  $('near-mode').addEventListener('change', ev => {
    page.map.getCanvas().style.cursor = ev.target.checked ? 'crosshair' : '';
    status.show(ev.target.checked ? 'Click the map to count crimes around that point.' : '');
  });
  $('near-radius').addEventListener('change', () => {
    if (page.state.near) countNear(page, {...page.state.near, radius: Number($('near-radius').value)});
  });
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    const street = $('near-street').value.trim();
    if (document.activeElement === $('near-street') && street) {
      findStreet(page, street);
      return;
    }
    const lat = parseFloat($('near-lat').value), lng = parseFloat($('near-lng').value);
    if (!Number.isFinite(lat) || !Number.isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) {
      if (street) return findStreet(page, street);
      status.show('Enter a latitude and longitude, a street, or click the map.', 'error');
      $('near-lat').focus();
      return;
    }
    countNear(page, {lat, lng, radius: Number($('near-radius').value)}, {fly: true, focus: true});
  });

  let timer = null, seq = 0;
  $('near-street').addEventListener('input', ev => {
    clearTimeout(timer);
    const q = ev.target.value.trim();
    if (q.length < 3) return;
    timer = setTimeout(async () => {
      const mine = ++seq;
      try {
        const hits = await getJSON(`/v1/streets?q=${encodeURIComponent(q)}&limit=50`);
        if (mine !== seq) return;
        const namesSeen = [...new Set(hits.map(x => x.street))];
        $('street-options').replaceChildren(...namesSeen.map(s => h('option', {value: s})));
      } catch (err) {
        console.warn('street search:', err.message);
      }
    }, 200);
  });
}

function setAllCategories(page, on) {
  for (const i of document.querySelectorAll('input[name=category]')) i.checked = on;
  readControls(page);
  applyState(page);
  page.panelReload?.();
}

// findStreet looks a street name up among the snap points; one match is
// counted at once, several are listed to choose from.
async function findStreet(page, q) {
  let hits;
  try {
    hits = await getJSON(`/v1/streets?q=${encodeURIComponent(q)}&limit=50`);
  } catch (err) {
    status.show(`Street search failed: ${err.message}`, 'error');
    return;
  }
  const radius = Number($('near-radius').value);
  if (!hits.length) {
    showPanel(page, `No street matches “${q}”`, h('p', {}, 'Try fewer words, e.g. just the street name.'));
    return;
  }
  if (hits.length === 1) {
    countNear(page, {lat: hits[0].lat, lng: hits[0].lng, radius, label: hits[0].street}, {fly: true, focus: true});
    return;
  }
  const b = new maplibregl.LngLatBounds();
  hits.forEach(x => b.extend([x.lng, x.lat]));
  page.map.fitBounds(b, {padding: 60, maxZoom: 15});
  showPanel(page, `${hits.length}${hits.length === 50 ? '+' : ''} places match “${q}”`,
    h('ul', {class: 'street-hits'}, hits.map(x => h('li', {},
      h('button', {type: 'button', onclick: () => countNear(page, {lat: x.lat, lng: x.lng, radius, label: x.street}, {fly: true, focus: true})},
        x.street, h('span', {class: 'coords'}, ` ${x.lat.toFixed(4)}, ${x.lng.toFixed(4)}`))))), {focus: true});
}

// showPanel opens the panel; given an anchor ([lng, lat]) it opens beside
// that point, else in its corner.
function showPanel(page, title, body, {focus = false, reload = null, anchor = null} = {}) {
  const panel = $('panel');
  page.panelReload = reload;
  panel.replaceChildren(
    h('div', {class: 'panel-head'},
      h('h2', {id: 'panel-title'}, title),
      h('button', {type: 'button', class: 'close', 'aria-label': 'Close the panel', onclick: () => closePanel(page)}, '×')),
    body);
  panel.setAttribute('aria-labelledby', 'panel-title');
  const wasHidden = panel.hidden;
  panel.hidden = false;
  const key = anchor ? anchor.join(',') : '';
  // A reload of the same point's panel stays where it is.
  if (!anchor) unanchorPanel(panel);
  else if (wasHidden || panel.dataset.anchor !== key) anchorPanel(page.map, panel, $('legend'), anchor);
  panel.dataset.anchor = key;
  if (focus) panel.focus();
}

function closePanel(page) {
  $('panel').hidden = true;
  $('panel').dataset.anchor = '';
  page.panelReload = null;
  page.map.getSource('selected')?.setData({type: 'FeatureCollection', features: []});
  if (page.state.near) {
    page.state.near = null;
    setNear(page.map, null);
    applyState(page, {tiles: false});
  }
}

async function countNear(page, near, {fly = false, focus = false} = {}) {
  const {map, state, meta} = page;
  state.near = near;
  $('near-lat').value = near.lat.toFixed(5);
  $('near-lng').value = near.lng.toFixed(5);
  selectRadius(near.radius);
  setNear(map, near);
  map.getSource('selected')?.setData({type: 'FeatureCollection', features: []});
  applyState(page, {tiles: false});
  if (fly) {
    const b = new maplibregl.LngLatBounds();
    for (const [dx, dy] of [[-1, -1], [1, 1]]) {
      const dLat = dy * near.radius / 111320, dLng = dx * near.radius / (111320 * Math.cos(near.lat * Math.PI / 180));
      b.extend([near.lng + dLng, near.lat + dLat]);
    }
    map.fitBounds(b, {padding: 40, duration: 600});
  }
  const load = async () => {
    const q = filterQuery(state, {allCategories: meta.categories});
    q.set('lat', near.lat.toFixed(6));
    q.set('lng', near.lng.toFixed(6));
    q.set('radius_m', String(near.radius));
    q.set('group_by', 'category,month');
    const where = near.label ? `${near.label} (${near.lat.toFixed(4)}, ${near.lng.toFixed(4)})` : `${near.lat.toFixed(4)}, ${near.lng.toFixed(4)}`;
    const title = `Within ${radiusText(near.radius)} of ${where}`;
    if (!state.categories.length) {
      showPanel(page, title, h('p', {class: 'empty'}, 'No crime types selected.'), {reload: load});
      return;
    }
    try {
      const counts = normaliseCounts(await getJSON(`/v1/counts?${q}`), meta);
      showPanel(page, title, h('div', {class: 'near-result'},
        h('p', {class: 'total'}, h('strong', {}, n(counts.total)), ` crime${counts.total === 1 ? '' : 's'}, ${rangeText(state)}`),
        countsSection(counts, colours)), {focus, reload: load});
    } catch (err) {
      showPanel(page, title, h('p', {class: 'error'}, `Could not count crimes: ${err.message}`), {reload: load});
    }
  };
  await load();
}

// radiusText names a radius as the radius menu does.
function radiusText(r) {
  const opt = [...$('near-radius').options].find(o => Number(o.value) === Math.round(r));
  if (opt) return opt.textContent;
  return r >= 1000 ? `${(r / 1000).toFixed(1)} km` : `${Math.round(r)} m`;
}

function rangeText(state) {
  return state.from === state.to ? monthName(state.from) : `${monthName(state.from)} to ${monthName(state.to)}`;
}

function wireMap(page) {
  const {map} = page;
  const interactive = () => [...STOPS_LAYER_IDS, ...POINT_LAYERS, ...HEX_LAYERS, ...HOTSPOT_LAYERS, L.watchFill].filter(id => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none');
  map.on('mousemove', e => {
    if ($('near-mode').checked) return;
    const hit = map.queryRenderedFeatures(e.point, {layers: interactive()}).length > 0;
    map.getCanvas().style.cursor = hit ? 'pointer' : '';
  });
  map.on('click', e => {
    if ($('near-mode').checked) {
      countNear(page, {lat: e.lngLat.lat, lng: e.lngLat.lng, radius: Number($('near-radius').value)});
      return;
    }
    const feats = map.queryRenderedFeatures(e.point, {layers: interactive()});
    // Stops are drawn above the crimes, so a click on one is about it.
    const stop = feats.find(x => x.layer.id === STOP_LAYERS.points) || feats.find(x => x.layer.id === STOP_LAYERS.clusters);
    if (stop) return stop.layer.id === STOP_LAYERS.points ? showStops(page, stop) : zoomToStops(page, stop);
    const f = feats.find(x => x.layer.id === L.points) ||
      feats.find(x => x.layer.id === L.clusters) || feats.find(x => x.layer.id === L.hexes || x.layer.id === L.hotspots) ||
      feats.find(x => x.layer.id === L.watchFill);
    if (!f) return;
    if (f.layer.id === L.watchFill) showScheme(page, f);
    else if (f.layer.id === L.clusters) zoomToCluster(page, f);
    else if (f.layer.id === L.hexes || f.layer.id === L.hotspots) showHex(page, f);
    else showLocation(page, f);
  });
  map.on('moveend', () => {
    if (page.state.view === 'hotspots') loadHotspots(page);
    if (page.state.watch) loadWatch(page);
  });
  // The hex ramp follows what is on screen, so the scale stays useful from
  // county-wide cells down to street-level ones. 'idle' alone is not
  // enough: when the last tile arrives with no frame pending, MapLibre
  // may draw no further frame and so fire no 'idle' until the next move,
  // leaving the old scale on the new cells.
  const rescale = () => updateHexScale(page);
  map.on('idle', rescale);
  map.on('sourcedata', e => {
    if (e.sourceId === 'hex' && e.isSourceLoaded) rescale();
  });
}

// updateHexScale spreads the hex ramp over the counts of the hexagons
// loaded, and says so in the legend.
function updateHexScale(page) {
  const {map} = page;
  if (page.state.view !== 'hexes' || !map.getSource('hex')) return;
  const counts = map.querySourceFeatures('hex', {sourceLayer: 'hexes'}).map(f => Number(f.properties.count) || 0);
  const max = counts.length ? Math.max(...counts) : 0;
  if (max && max !== page.hexMax) {
    page.hexMax = max;
    map.setPaintProperty(L.hexes, 'fill-color', hexRamp(max));
    renderLegend(page);
  }
}

// applyStops shows the stop-and-search layer for the state, reading its
// TileJSON and forces the first time it is wanted.
async function applyStops(page) {
  const {map, state} = page;
  $('stops-force').parentElement.hidden = !state.stops;
  if (!state.stops && !page.stops) return;
  if (!page.stops) {
    page.stops = {forces: []};
    try {
      page.stops = await loadStopsSource();
    } catch (err) {
      page.stops = null;
      status.show(`Stop and search could not be loaded: ${err.message}`, 'error');
      return;
    }
    addStopLayers(map, {tiles: [page.stops.template], minzoom: page.stops.minzoom, maxzoom: page.stops.maxzoom, attribution: page.stops.attribution});
    // Names stay above the dots and the selection ring above everything.
    raiseLabels(map);
    for (const id of [L.selected, L.selectedArea]) if (map.getLayer(id)) map.moveLayer(id);
    fillStopForces(page);
  }
  if (!map.getSource('stops')) return;
  setStops(map, page.stops.template, page.state);
  if (page.state.stops && !page.stops.total) status.show('This dataset has no stop and search.');
}

// fillStopForces lists the forces with stops; a force from the link that
// has none is dropped.
function fillStopForces(page) {
  const sel = $('stops-force');
  const want = page.state.stops?.force || '';
  sel.replaceChildren(h('option', {value: ''}, 'All forces'), ...page.stops.forces.map(f => h('option', {value: f.id}, f.name)));
  sel.value = page.stops.forces.some(f => f.id === want) ? want : '';
  if (page.state.stops && sel.value !== want) {
    readControls(page);
    applyState(page);
  } else {
    renderLegend(page);
  }
}

// zoomToStops zooms on a grid cell of stops; the points are drawn from the
// source's crimes zoom on, so two steps in (at most) reach them.
function zoomToStops(page, f) {
  const {map} = page;
  map.easeTo({center: f.geometry.coordinates, zoom: Math.min(map.getZoom() + 2, 18)});
}

// showStops lists the searches at a stops point.
async function showStops(page, f) {
  const {map, state} = page;
  const p = f.properties;
  const title = `Stop and search: ${p.street || 'this location'}`;
  map.getSource('selected')?.setData({type: 'Feature', properties: {}, geometry: f.geometry});
  const load = async () => {
    showPanel(page, title, h('p', {}, 'Loading…'), {reload: load});
    try {
      const stops = await stopsAt(state, p.location_id, f.geometry.coordinates);
      showPanel(page, title, stopsSummary(stops, rangeText(state)), {reload: load});
    } catch (err) {
      showPanel(page, title, h('p', {class: 'error'}, `Could not load the searches: ${err.message}`), {reload: load});
    }
  };
  await load();
}

// loadHotspots asks for Gi* over the part of the dataset on screen. Each
// answer replaces the previous one only if no newer request was made.
async function loadHotspots(page) {
  const {map, state, meta} = page;
  if (!map.getSource('hotspots')) return;
  const b = map.getBounds();
  let bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
  if (meta.bounds) {
    bbox = [Math.max(bbox[0], meta.bounds[0]), Math.max(bbox[1], meta.bounds[1]), Math.min(bbox[2], meta.bounds[2]), Math.min(bbox[3], meta.bounds[3])];
  }
  const empty = {type: 'FeatureCollection', features: []};
  if (bbox[0] >= bbox[2] || bbox[1] >= bbox[3] || !state.categories.length) {
    map.getSource('hotspots').setData(empty);
    return;
  }
  const res = hotspotRes(bbox, map.getZoom());
  const q = filterQuery(state, {allCategories: meta.categories});
  q.set('bbox', bbox.map(v => v.toFixed(5)).join(','));
  q.set('res', String(res));
  q.set('k', '1');
  const mine = page.hotspotSeq = (page.hotspotSeq || 0) + 1;
  try {
    const fc = await getJSON(`/v1/hotspots?${q}`);
    if (mine !== page.hotspotSeq) return;
    map.getSource('hotspots').setData(fc);
    page.hotspotRes = res;
    renderLegend(page);
    const hot = fc.features.filter(f => f.properties.bin > 0).length;
    const cold = fc.features.filter(f => f.properties.bin < 0).length;
    status.show(`${hot} hot and ${cold} cold cells among ${fc.features.length} on screen`);
  } catch (err) {
    if (mine !== page.hotspotSeq) return;
    status.show(`Hotspots could not be computed: ${err.message}`, 'error');
  }
}

// loadWatch draws the Neighbourhood Watch schemes meeting the view. Each
// answer replaces the previous one only if no newer request was made.
async function loadWatch(page) {
  const {map} = page;
  const src = map.getSource('watch');
  if (!src) return;
  const b = map.getBounds();
  const q = watchQuery([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], map.getZoom());
  const mine = page.watchSeq = (page.watchSeq || 0) + 1;
  if (!q) {
    src.setData({type: 'FeatureCollection', features: []});
    status.show('Zoom in to see Neighbourhood Watch schemes.');
    return;
  }
  try {
    const fc = await getJSON(`/v1/watch/schemes?${q}`);
    if (mine !== page.watchSeq) return;
    src.setData(fc);
    if ($('status').dataset.kind !== 'error' && /Watch/.test($('status').textContent)) status.clear();
  } catch (err) {
    if (mine !== page.watchSeq) return;
    status.show(`Neighbourhood Watch schemes could not be loaded: ${err.message}`, 'error');
  }
}

// showScheme names a Watch scheme and links to its page, where people
// apply to join or write to it.
function showScheme(page, f) {
  const p = f.properties;
  page.map.getSource('selected')?.setData({type: 'FeatureCollection', features: []});
  showPanel(page, p.name, h('div', {class: 'scheme'},
    h('p', {}, h('a', {href: p.url, class: 'scheme-link'}, 'Open the scheme’s page'), ' to apply to join or send its coordinator a message.'),
    h('p', {class: 'note'}, 'The area drawn is approximate.')), {focus: true});
}

async function zoomToCluster(page, f) {
  const {map, state, meta} = page;
  const id = f.properties.cluster_id;
  const center = f.geometry.coordinates;
  let zoom = Math.min(map.getZoom() + 2, 18);
  if (id != null) {
    try {
      const q = filterQuery(state, {allCategories: meta.categories});
      const r = await getJSON(withQuery(`/v1/clusters/${encodeURIComponent(id)}/expansion-zoom`, q));
      const z = typeof r === 'number' ? r : (r.zoom ?? r.expansion_zoom);
      if (Number.isFinite(z)) zoom = Math.max(z, map.getZoom() + 0.5);
    } catch (err) {
      console.warn('expansion zoom:', err.message);
    }
  }
  map.easeTo({center, zoom});
}

async function showLocation(page, f) {
  const {map, state, meta, names} = page;
  const p = f.properties;
  const id = p.location_id;
  const street = p.street || 'This location';
  const anchor = f.geometry.coordinates;
  map.getSource('selected')?.setData({type: 'Feature', properties: {}, geometry: f.geometry});
  if (id == null) {
    showPanel(page, street, h('p', {}, 'This point has no location id.'), {anchor});
    return;
  }
  const load = async () => {
    const months = monthsBetween(meta.months, state.from, state.to);
    showPanel(page, street, h('p', {}, 'Loading…'), {reload: load, anchor});
    try {
      const lists = await Promise.all(months.map(m => getJSON(`/api/crimes-at-location?location_id=${encodeURIComponent(id)}&date=${m}`)));
      const wanted = new Set(state.categories);
      const crimes = lists.flat().filter(c => wanted.has(c.category))
        .sort((a, b) => b.month.localeCompare(a.month) || (names.get(a.category) || '').localeCompare(names.get(b.category) || ''));
      const loadHistory = async pid => (await getJSON(`/api/outcomes-for-crime/${encodeURIComponent(pid)}`)).outcomes || [];
      showPanel(page, street, h('div', {class: 'location'},
        h('p', {class: 'total'}, h('strong', {}, n(crimes.length)), ` crime${crimes.length === 1 ? '' : 's'}, ${rangeText(state)}`),
        crimes.length ? crimesTable(crimes, colours, names, loadHistory) : h('p', {class: 'empty'}, 'No crimes match the filter here.'),
        h('p', {class: 'note'}, 'Crimes are mapped to the nearest anonymous map point, not to an address.')), {reload: load, anchor});
    } catch (err) {
      showPanel(page, street, h('p', {class: 'error'}, `Could not load the crimes: ${err.message}`), {reload: load, anchor});
    }
  };
  await load();
}

async function showHex(page, f) {
  const {map, state, meta} = page;
  const cell = f.properties.h3;
  map.getSource('selected')?.setData({type: 'Feature', properties: {}, geometry: f.geometry});
  const load = async () => {
    const title = 'This hexagon';
    try {
      const q = filterQuery(state, {allCategories: meta.categories});
      const r = await getJSON(withQuery(`/v1/hex/${encodeURIComponent(cell)}`, q));
      const counts = normaliseCounts(r, meta);
      showPanel(page, title, h('div', {class: 'hex'},
        h('p', {class: 'total'}, h('strong', {}, n(counts.total)), ` crime${counts.total === 1 ? '' : 's'}, ${rangeText(state)}`),
        countsSection(counts, colours),
        h('p', {class: 'note'}, `H3 cell ${cell}`, f.properties.z != null ? `; Gi* z = ${Number(f.properties.z).toFixed(2)}, p = ${Number(f.properties.p).toPrecision(2)}` : '')), {reload: load});
    } catch (err) {
      // Without the cell endpoint the tile's own per-type counts still answer.
      const props = f.properties;
      const counts = {
        total: Number(props.count) || 0,
        byCategory: meta.categories.map(c => ({slug: c.slug, name: c.name, count: Number(props[c.slug]) || 0})).filter(c => c.count > 0)
          .sort((a, b) => b.count - a.count),
        byMonth: [],
      };
      console.warn('hex counts:', err.message);
      showPanel(page, title, h('div', {class: 'hex'},
        h('p', {class: 'total'}, h('strong', {}, n(counts.total)), ` crime${counts.total === 1 ? '' : 's'}, ${rangeText(state)}`),
        countsSection(counts, colours)), {reload: load});
    }
  };
  await load();
}

main().catch(err => {
  console.error('map page failed:', err);
  status.show(`The map could not start: ${err.message}`, 'error');
});
