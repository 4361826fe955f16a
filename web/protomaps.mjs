// Writes the layers of the Protomaps basemap style ("light" flavour,
// English names) as JSON, so the page draws a --basemap archive without
// computing its style in the browser:
//
//   node web/protomaps.mjs PACKAGE_DIR > web/static/protomaps/light.json
//
// PACKAGE_DIR is the unpacked npm package @protomaps/basemaps. The layers
// read the vector source "protomaps", which the page points at
// /tiles/osm.json. Run by `make vendor-protomaps`.
import path from 'node:path';
import {pathToFileURL} from 'node:url';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node protomaps.mjs PACKAGE_DIR');
  process.exit(2);
}
const pm = await import(pathToFileURL(path.join(dir, 'dist', 'esm', 'index.js')).href);
const layers = pm.layers('protomaps', pm.namedFlavor('light'), {lang: 'en'});
// One layer a line: diffs of a refresh stay readable.
process.stdout.write('[\n' + layers.map(l => JSON.stringify(l)).join(',\n') + '\n]\n');
