#!/usr/bin/env bash
# The load benchmark: serves the synthetic national year from one process and
# loads it from another on loopback, first with the tile cache off (every
# tile rendered), then with it on (the second pass is served from cache).
# Usage: loadtest/run.sh BIN [DURATION] [CONCURRENCY]
set -euo pipefail
bin=${1:?binary}
dur=${2:-15s}
conc=${3:-16}
data=${CRIMEMAP_LOAD_DATA:-${TMPDIR:-/tmp}/crimemap-synth-6000000-12-1}
port=${CRIMEMAP_LOAD_PORT:-18090}
base=http://127.0.0.1:$port

# The same folder the Go benchmarks generate and reuse; written only when it
# does not already hold the current generator's year.
echo "== the synthetic year in $data"
"$bin" synth -reuse -n 6000000 -months 12 -seed 1 -out "$data"
urls=$(mktemp)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -f "$urls"' EXIT

serve() {
  "$bin" serve --quiet --log-level warn --rate-limit api=off,v1=off,page=off --addr "127.0.0.1:$port" "$@" "$data" >/dev/null &
  pid=$!
  for _ in $(seq 1 600); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "server did not become healthy" >&2
  return 1
}

echo "== URL list"
"$bin" urls --out "$urls" "$data"
wc -l < "$urls"

echo "== uncached: tile cache off, $conc connections, $dur"
serve --tile-cache-bytes 0
"$bin" bench -urls "$urls" -base "$base" -c "$conc" -d "$dur"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=

echo "== cached: the same URLs again with the cache warm, $conc connections, $dur"
serve
"$bin" bench -urls "$urls" -base "$base" -c "$conc" -d 5s >/dev/null
"$bin" bench -urls "$urls" -base "$base" -c "$conc" -d "$dur"
