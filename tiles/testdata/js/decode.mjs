// Decodes the vector tiles named on the command line with Mapbox's
// reference decoder and prints them as JSON, one object per file:
// {file, layers: [{name, version, extent, features: [{id, type, properties,
// geometry, lonlat}]}]}. File names are z-x-y[-anything].mvt so that each
// feature can also be placed on the globe with toGeoJSON.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';

const out = [];
for (const file of process.argv.slice(2)) {
  const [z, x, y] = basename(file).split(/[-.]/).slice(0, 3).map(Number);
  const tile = new VectorTile(new PbfReader(readFileSync(file)));
  const layers = [];
  for (const name of Object.keys(tile.layers)) {
    const layer = tile.layers[name];
    const features = [];
    for (let i = 0; i < layer.length; i++) {
      const f = layer.feature(i);
      features.push({
        id: f.id ?? null,
        type: f.type,
        properties: f.properties,
        geometry: f.loadGeometry().map((ring) => ring.map((p) => [p.x, p.y])),
        lonlat: f.toGeoJSON(x, y, z).geometry.coordinates,
      });
    }
    layers.push({ name, version: layer.version, extent: layer.extent, features });
  }
  out.push({ file: basename(file), layers });
}
process.stdout.write(JSON.stringify(out));
