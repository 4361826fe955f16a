// The embeddable map: the server has already written the summary; this adds
// the compact map around the same point, radius and filter.
import * as maplibregl from '/static/maplibre-gl/maplibre-gl.mjs';
import {getJSON, withQuery, absoluteTemplate} from './api.js';
import {basemapStyle, raiseLabels, blankMissingImages} from './basemap.js';
import {addCrimeLayers, addNearLayers, setNear, circlePolygon, addBoundaryLayer} from './layers.js';

const config = JSON.parse(document.getElementById('config').textContent);
const e = config.embed;

// The page's Content-Security-Policy forbids style attributes in markup, so
// the summary's swatches get their colour here, through the CSSOM.
for (const el of document.querySelectorAll('.swatch[data-colour]')) {
  el.style.background = el.dataset.colour;
}

async function main() {
  const map = new maplibregl.Map({
    container: 'map',
    style: config.styleURL || await basemapStyle(config.osmBasemap),
    center: [e.lng, e.lat],
    zoom: e.zoom,
    maxZoom: 19,
    // The summary beside the map carries the data's and the server's own
    // basemaps' attribution; the map's own control is only needed for
    // another basemap's.
    attributionControl: config.styleURL ? {compact: true} : false,
    cooperativeGestures: true,
  });
  blankMissingImages(map);
  map.addControl(new maplibregl.NavigationControl({showCompass: false}), 'top-right');
  if (e.fit) {
    // A neighbourhood fits its boundary, a point its circle.
    const rings = e.boundary || [circlePolygon(e.lng, e.lat, e.radius_m).geometry.coordinates[0]];
    const b = new maplibregl.LngLatBounds(rings[0][0], rings[0][0]);
    rings.forEach(ring => ring.forEach(c => b.extend(c)));
    map.fitBounds(b, {padding: 12, animate: false});
  }
  map.on('error', ev => console.error('map error:', ev.error?.message || ev.error || ev));
  await new Promise(resolve => (map.loaded() ? resolve() : map.once('load', resolve)));

  const tilejson = await getJSON('/tiles.json').catch(err => {
    console.warn('no TileJSON; crime layers disabled:', err.message);
    return null;
  });
  const q = new URLSearchParams(e.query);
  const slugs = q.get('category') ? q.get('category').split(',') : Object.keys(config.colours);
  if (!e.boundary) addNearLayers(map);
  if (tilejson?.tiles) {
    addCrimeLayers(map, {
      tiles: tilejson.tiles.map(t => withQuery(absoluteTemplate(t), q)),
      minzoom: tilejson.minzoom ?? 0,
      maxzoom: tilejson.maxzoom ?? 14,
      slugs,
      colours: config.colours,
    });
  }
  raiseLabels(map);
  if (e.boundary) {
    addBoundaryLayer(map, [{type: 'Feature', properties: {}, geometry: {type: 'Polygon', coordinates: e.boundary}}]);
  } else {
    setNear(map, {lat: e.lat, lng: e.lng, radius: e.radius_m});
  }
  // Exposed for tests and for pages that script the map, once its layers
  // are in: the basemap's tiles load before them.
  window.map = map;
}

main().catch(err => console.error('embed failed:', err));
