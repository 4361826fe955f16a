# Source this file to get a throwaway PostgreSQL cluster for the store's
# tests: it installs Debian's postgresql when missing, runs initdb into a
# temporary directory as the postgres user, starts the server on a free
# local port with its Unix socket in that directory, creates a database,
# exports CRIMEMAP_TEST_POSTGRES (and CRIMEMAP_REQUIRE_POSTGRES=1), and
# stops and removes the cluster when the sourcing shell exits.
#
#   . .ci/postgres.sh && go test -count=1 ./store/postgres/
#
# It uses initdb and pg_ctl directly, so it needs neither pg_ctlcluster
# nor a running service, and works as root (through runuser) or as any
# other user.

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ]; then
  echo "== installing postgresql"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

pg_as() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/crimemap-pg.XXXXXX")
chmod 755 "$pg_dir"
if [ "$(id -u)" = 0 ]; then chown postgres "$pg_dir"; fi
pg_stop() {
  pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap pg_stop EXIT

pg_as "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust --no-sync >/dev/null
# A port nothing answers on, from the dynamic range; another process may
# take it between the probe and the start, so a failed start tries
# another port, and the last failure shows the server's log.
pg_started=
for attempt in 1 2 3 4 5; do
  for _ in $(seq 50); do
    pg_port=$((49152 + RANDOM % 16000))
    (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null || break
  done
  if pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=on" start >/dev/null; then
    pg_started=1
    break
  fi
  echo "== postgresql did not start on port $pg_port (attempt $attempt):" >&2
  tail -n 20 "$pg_dir/log" >&2 || true
done
[ -n "$pg_started" ] || return 1 2>/dev/null || exit 1
pg_as "$pg_bin/createdb" -h "$pg_dir" -p "$pg_port" -U postgres crimemap_test

export CRIMEMAP_TEST_POSTGRES="postgres://postgres@127.0.0.1:$pg_port/crimemap_test?sslmode=disable"
export CRIMEMAP_REQUIRE_POSTGRES=1
export PATH="$pg_bin:$PATH" # pg_dump and pg_restore of the same version
echo "== postgresql $("$pg_bin/postgres" --version | awk '{print $3}') on port $pg_port"
