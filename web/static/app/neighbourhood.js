// The neighbourhood page: the server has written everything; this adds
// "use my location" to the search and the map of the neighbourhood's
// crimes, clipped to its boundary.
import * as maplibregl from '/static/maplibre-gl/maplibre-gl.mjs';
import {getJSON, withQuery, absoluteTemplate} from './api.js';
import {plainStyle, addCrimeLayers, addBoundaryLayer} from './layers.js';

// Geolocation fills the search with lat,lng, which the server locates.
const locBtn = document.getElementById('use-location');
if (locBtn && navigator.geolocation) {
  locBtn.hidden = false;
  locBtn.addEventListener('click', () => {
    locBtn.disabled = true;
    navigator.geolocation.getCurrentPosition(pos => {
      const form = locBtn.closest('form');
      form.elements.q.value = `${pos.coords.latitude.toFixed(5)},${pos.coords.longitude.toFixed(5)}`;
      form.submit();
    }, err => {
      locBtn.disabled = false;
      locBtn.textContent = `Location unavailable (${err.message || 'denied'})`;
    }, {timeout: 10000});
  });
}

// The Content-Security-Policy forbids style attributes, so swatches get
// their colour through the CSSOM.
for (const el of document.querySelectorAll('.swatch[data-colour]')) {
  el.style.background = el.dataset.colour;
}

const configEl = document.getElementById('config');
const config = configEl && JSON.parse(configEl.textContent);
const hood = config?.neighbourhood;

async function main() {
  const rings = hood.boundary;
  const b = new maplibregl.LngLatBounds(rings[0][0], rings[0][0]);
  rings.forEach(r => r.forEach(c => b.extend(c)));
  const map = new maplibregl.Map({
    container: 'hood-map',
    style: config.styleURL || plainStyle(),
    bounds: b,
    fitBoundsOptions: {padding: 16},
    maxZoom: 19,
    attributionControl: config.styleURL ? {compact: true} : false,
    cooperativeGestures: true,
  });
  // Exposed for tests and for pages that script the map.
  window.map = map;
  map.addControl(new maplibregl.NavigationControl({showCompass: false}), 'top-right');
  map.on('error', ev => console.error('map error:', ev.error?.message || ev.error || ev));
  await new Promise(resolve => (map.loaded() ? resolve() : map.once('load', resolve)));

  const tilejson = await getJSON('/tiles.json').catch(err => {
    console.warn('no TileJSON; crime layers disabled:', err.message);
    return null;
  });
  if (tilejson?.tiles) {
    const q = new URLSearchParams({from: hood.month, to: hood.month});
    addCrimeLayers(map, {
      tiles: tilejson.tiles.map(t => withQuery(absoluteTemplate(t), q)),
      minzoom: tilejson.minzoom ?? 0,
      maxzoom: tilejson.maxzoom ?? 14,
      slugs: Object.keys(config.colours),
      colours: config.colours,
    });
  }
  // A mask over everything outside the boundary clips the crimes to it:
  // the world with the boundary's rings as holes.
  const world = [[-180, -85], [180, -85], [180, 85], [-180, 85], [-180, -85]];
  map.addSource('hood-mask', {type: 'geojson', data: {type: 'Feature', properties: {},
    geometry: {type: 'Polygon', coordinates: [world, ...rings]}}});
  map.addLayer({id: 'hood-mask', type: 'fill', source: 'hood-mask', paint: {'fill-color': '#ffffff', 'fill-opacity': 0.85}});
  addBoundaryLayer(map, [{type: 'Feature', properties: {}, geometry: {type: 'Polygon', coordinates: rings}}]);
  map.moveLayer('boundaries');
}

if (hood?.boundary?.length && document.getElementById('hood-map')) {
  main().catch(err => console.error('neighbourhood map failed:', err));
}
