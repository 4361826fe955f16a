// Reads a PMTiles archive with the reference JavaScript reader and compares
// it with what the Go test wrote. Usage: node check.mjs ARCHIVE EXPECT.json
//
// EXPECT.json: {header: {field: value, ...}, metadata: {...},
//   tiles: [[z, x, y, sha256-hex of the decompressed tile], ...],
//   absent: [[z, x, y], ...], ids: [[z, x, y, tileId], ...]}
import { createHash } from "node:crypto";
import { openSync, readSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Compression, PMTiles, zxyToTileId } from "pmtiles";

// Node's zlib instead of the default DecompressionStream, which costs
// milliseconds per call; the decoding of the archive is still the package's.
async function decompress(buf, compression) {
  if (compression === Compression.None || compression === Compression.Unknown) return buf;
  if (compression !== Compression.Gzip) throw new Error(`compression ${compression} not supported`);
  const out = gunzipSync(new Uint8Array(buf));
  return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
}

class FileSource {
  constructor(path) {
    this.path = path;
    this.fd = openSync(path, "r");
  }
  getKey() {
    return this.path;
  }
  async getBytes(offset, length) {
    const buf = Buffer.alloc(length);
    const n = readSync(this.fd, buf, 0, length, offset);
    return { data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + n) };
  }
}

const [archive, expectPath] = process.argv.slice(2);
const want = JSON.parse(readFileSync(expectPath, "utf8"));
const p = new PMTiles(new FileSource(archive), undefined, decompress);
const errors = [];
const fail = (msg) => {
  if (errors.length < 20) errors.push(msg);
};

const header = await p.getHeader();
for (const [k, v] of Object.entries(want.header)) {
  const got = header[k];
  const ok = typeof v === "number" && !Number.isInteger(v) ? Math.abs(got - v) < 1e-7 : got === v;
  if (!ok) fail(`header.${k} = ${got}, want ${v}`);
}

if (want.metadata !== undefined) {
  const meta = await p.getMetadata();
  if (JSON.stringify(meta) !== JSON.stringify(want.metadata)) {
    fail(`metadata = ${JSON.stringify(meta)}, want ${JSON.stringify(want.metadata)}`);
  }
}

for (const [z, x, y, id] of want.ids ?? []) {
  const got = zxyToTileId(z, x, y);
  if (got !== id) fail(`zxyToTileId(${z}, ${x}, ${y}) = ${got}, want ${id}`);
}

for (const [z, x, y, sum] of want.tiles) {
  const r = await p.getZxy(z, x, y);
  if (!r) {
    fail(`tile ${z}/${x}/${y} missing`);
    continue;
  }
  const got = createHash("sha256").update(new Uint8Array(r.data)).digest("hex");
  if (got !== sum) fail(`tile ${z}/${x}/${y} sha256 ${got}, want ${sum}`);
}

for (const [z, x, y] of want.absent ?? []) {
  const r = await p.getZxy(z, x, y);
  if (r) fail(`tile ${z}/${x}/${y} present, want absent`);
}

if (errors.length) {
  console.error(errors.join("\n"));
  process.exit(1);
}
console.log(`ok: ${want.tiles.length} tiles, ${(want.absent ?? []).length} absent`);
