// The default basemap, served by this server: land and sea from its land
// tiles, town and street names from its label tiles, glyphs from /fonts/.
// Nothing is fetched from elsewhere, so a visitor's view stays here.
import {getJSON, absoluteTemplate} from './api.js';
import {plainStyle} from './layers.js';

export const SEA = '#c9dce8';
export const LAND = '#f3f2ed';
export const FONT = 'Noto Sans Regular';

// Basemap layer ids, exported so the page and the tests agree on them.
export const B = {
  sea: 'background',
  land: 'basemap-land',
  coast: 'basemap-coast',
  places: 'basemap-places',
  streets: 'basemap-streets',
};
export const LABEL_LAYERS = [B.places, B.streets];

// source turns a TileJSON into a vector source with absolute tile URLs
// (they carry the data version, so browsers keep the tiles for good).
async function source(path) {
  const tj = await getJSON(path);
  return {type: 'vector', tiles: tj.tiles.map(absoluteTemplate), minzoom: tj.minzoom ?? 0,
    maxzoom: tj.maxzoom, attribution: tj.attribution, bounds: tj.bounds};
}

// The vendored Protomaps style (make vendor-protomaps): its layers, light
// flavour with English names, and its sprite sheet.
const PROTOMAPS = '/static/protomaps/';

// osmStyle draws the server's --basemap archive (/tiles/osm.json) with the
// Protomaps layers, its glyphs from /fonts/ and its sprites from the binary;
// the plain style where either cannot be had.
async function osmStyle() {
  let osm, layers;
  try {
    [osm, layers] = await Promise.all([source('/tiles/osm.json'), getJSON(PROTOMAPS + 'light.json')]);
  } catch (err) {
    console.warn('no OpenStreetMap basemap; plain background:', err.message);
    return plainStyle();
  }
  return {
    version: 8,
    glyphs: location.origin + '/fonts/{fontstack}/{range}.pbf',
    sprite: location.origin + PROTOMAPS + 'sprites/light',
    sources: {protomaps: osm},
    layers,
  };
}

// blankMissingImages gives an icon the sprite sheet lacks (another
// country's road shields) an empty image, so its label is still drawn and
// MapLibre does not warn on every tile.
export function blankMissingImages(map) {
  map.on('styleimagemissing', e => {
    if (!map.hasImage(e.id)) map.addImage(e.id, {width: 1, height: 1, data: new Uint8Array(4)});
  });
}

// basemapStyle is the default style, or with osm (the server has
// --basemap) the OpenStreetMap one: the plain style where the server has
// no basemap tiles.
export async function basemapStyle(osm = false) {
  if (osm) return osmStyle();
  let land, labels;
  try {
    [land, labels] = await Promise.all([source('/tiles/land.json'), source('/tiles/labels.json')]);
  } catch (err) {
    console.warn('no basemap tiles; plain background:', err.message);
    return plainStyle();
  }
  const halo = {'text-color': '#2b2b2b', 'text-halo-color': 'rgba(255,255,255,0.9)', 'text-halo-width': 1.5};
  return {
    version: 8,
    glyphs: location.origin + '/fonts/{fontstack}/{range}.pbf',
    sources: {land, labels},
    layers: [
      {id: B.sea, type: 'background', paint: {'background-color': SEA}},
      {id: B.land, type: 'fill', source: 'land', 'source-layer': 'land', paint: {'fill-color': LAND}},
      {id: B.coast, type: 'line', source: 'land', 'source-layer': 'land',
        paint: {'line-color': '#9fb8c8', 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 0.3, 12, 1]}},
      {id: B.places, type: 'symbol', source: 'labels', 'source-layer': 'places', maxzoom: 15,
        layout: {
          'text-field': ['get', 'name'], 'text-font': [FONT],
          'text-size': ['interpolate', ['linear'], ['get', 'rank'], 1, 16, 20, 13, 100, 11],
          'symbol-sort-key': ['get', 'rank'], 'text-padding': 4, 'text-max-width': 8,
        },
        paint: halo},
      {id: B.streets, type: 'symbol', source: 'labels', 'source-layer': 'streets', minzoom: 15,
        layout: {'text-field': ['get', 'name'], 'text-font': [FONT], 'text-size': 12, 'text-max-width': 10,
          'symbol-sort-key': ['-', 0, ['get', 'points']]},
        paint: {...halo, 'text-color': '#4a4a4a'}},
    ],
  };
}

// raiseLabels keeps the names above the crime layers added after the style.
export function raiseLabels(map) {
  for (const id of LABEL_LAYERS) if (map.getLayer(id)) map.moveLayer(id);
}
