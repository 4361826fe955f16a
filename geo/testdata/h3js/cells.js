// Reads "lat,lng" lines on stdin and writes, per line, the H3 cells of the
// point at resolutions 5..13 followed by the resolution 5..12 parents of its
// resolution 13 cell, space-separated, as computed by h3-js.
'use strict';
const h3 = require('h3-js');
const lines = require('fs').readFileSync(0, 'utf8').split('\n');
const out = [];
for (const line of lines) {
  if (line === '') continue;
  const [lat, lng] = line.split(',').map(Number);
  const row = [];
  for (let r = 5; r <= 13; r++) row.push(h3.latLngToCell(lat, lng, r));
  const c13 = row[row.length - 1];
  for (let r = 5; r <= 12; r++) row.push(h3.cellToParent(c13, r));
  out.push(row.join(' '));
}
process.stdout.write(out.join('\n') + '\n');
