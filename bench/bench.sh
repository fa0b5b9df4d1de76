#!/usr/bin/env bash
# make bench: seed or reuse a dataset, measure gpec, the SQL floor and
# PostGraphile under hey, time the import, and update BENCHMARKS.md.
# See bench/README.md for the variables.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=${BENCH_SCALE:-national}
DIR=${GPEC_BENCH_DIR:-.gpec/bench}
DURATION=${BENCH_DURATION:-10s}
CONC=${BENCH_CONCURRENCY:-1,8,32}
GPEC_ADDR=${BENCH_GPEC_ADDR:-127.0.0.1:8091}
PEER_PORT=${BENCH_PEER_PORT:-5678}
PEER=${BENCH_PEER:-1}
REPORT=${BENCH_REPORT:-BENCHMARKS.md}
OUT=$DIR/out/$SCALE
mkdir -p "$OUT"
DIR=$(cd "$DIR" && pwd)
OUT=$DIR/out/$SCALE
export GPEC_DATA_DIR=$DIR

step() { printf '\n== %s (load %s)\n' "$*" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2; }
as_root() { [ "$(id -u)" = 0 ]; }
apt_install() {
  if as_root && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2
  else
    echo "bench: please install $* (Debian packages)" >&2
    return 1
  fi
}

step "tools"
command -v hey >/dev/null || apt_install hey
command -v psql >/dev/null || apt_install postgresql-client
[ -x /usr/bin/time ] || apt_install time
if [ "$PEER" = 1 ] && ! command -v npm >/dev/null; then
  apt_install nodejs npm || { echo "bench: no npm, measuring without the peer" >&2; PEER=0; }
fi

step "build"
go build -o "$DIR/gpec" ./cmd/gpec
go build -o "$DIR/runner" ./bench/runner
GPEC=$DIR/gpec

step "database"
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  DB=$BENCH_DATABASE_URL
  PGPID=${BENCH_PG_PID:-0}   # the postmaster's pid, for PostgreSQL's CPU; 0 = not measured
else
  DB=$("$GPEC" bench pg -db "gpec_bench_$SCALE")
  PGPID=$("$GPEC" bench pg -pid)
fi
employees=$(DATABASE_URL=$DB "$GPEC" bench prepare)
if [ "$employees" = 0 ]; then
  SEED=$DIR/seed-$SCALE
  if [ ! -f "$SEED/employee_skills.csv" ]; then
    step "seed $SCALE"
    "$GPEC" seed -scale "$SCALE" -out "$SEED"
  fi
  step "import $SCALE: raw COPY, then gpec import"
  "$DIR/runner" import -dir "$SEED" -gpec "$GPEC" -db "$DB" -out "$OUT/import.json"
  step "vacuum analyze"
  psql -X -q -d "$DB" -c "VACUUM (ANALYZE)"
else
  echo "bench: reusing the $SCALE dataset ($employees employees) in $DB" >&2
  [ -f "$OUT/import.json" ] || echo "bench: no import figures kept for it: the report will say so" >&2
fi
LHEO=$DIR/lheo-${BENCH_LHEO_MB:-100}mb.xml
if [ -f "$LHEO" ] && [ -f "$OUT/lheo.json" ] && grep -q '^Import done' "$OUT/lheo-report.txt" 2>/dev/null \
   && grep -qF "$LHEO/" "$OUT/lheo-report.txt"; then
  # Timed once per dataset, like the seed's import: a second import of the
  # same feed would time an import of unchanged rows, and make every rollup
  # stale.
  echo "bench: reusing the LHÉO import figures of $OUT/lheo.json (remove it to time the import again)" >&2
else
  step "LHÉO import: a synthetic feed of ${BENCH_LHEO_MB:-100} MB (rows in its report, seconds and peak RSS in lheo.json)"
  [ -f "$LHEO" ] || "$GPEC" bench lheo -out "$LHEO" -mb "${BENCH_LHEO_MB:-100}"
  /usr/bin/time -f '{"seconds": %e, "maxRssKB": %M}' -o "$OUT/lheo.json" \
    env DATABASE_URL="$DB" "$GPEC" import "$LHEO" >"$OUT/lheo-report.txt" 2>&1 \
    || echo "bench: the LHÉO import failed, see $OUT/lheo-report.txt" >&2
fi
step "rollups (gpec rollup: built when missing or stale, as the server would)"
DATABASE_URL=$DB "$GPEC" rollup
psql -X -q -At -d "$DB" -c "SELECT coalesce(json_agg(json_build_object('asOf', as_of, 'horizon', horizon,
  'retirementAge', retirement_age, 'buildMs', build_ms) ORDER BY horizon), '[]') FROM rollup_runs WHERE NOT projects" >"$OUT/rollups.json"

# The observatory release of RELEASE_DATE: reused when a published one of
# that date exists (releases never change), built and timed otherwise. Its
# build's wall time and peak RSS are kept per release in
# release-build-ID.txt, as the import figures are kept with the dataset.
RELEASE_MODE=${BENCH_RELEASE:-reuse}
RELEASE_DATE=${BENCH_RELEASE_DATE:-$(date -u +%F)}
REL_ID=
REL_STATUS=
reused=false
if [ "$RELEASE_MODE" != 0 ]; then
  [ "$RELEASE_MODE" = rebuild ] || REL_ID=$(psql -X -q -At -d "$DB" -c "SELECT max(id) FROM releases
    WHERE reference_date = '$RELEASE_DATE' AND status = 'PUBLISHED'")
  if [ -n "$REL_ID" ]; then
    echo "bench: reusing release $REL_ID of $RELEASE_DATE (BENCH_RELEASE=rebuild builds a new one)" >&2
    reused=true
  else
    step "release: gpec release create -date $RELEASE_DATE"
    /usr/bin/time -f '%e %M' -o "$OUT/release-time.txt" \
      env DATABASE_URL="$DB" "$GPEC" release create -date "$RELEASE_DATE" >"$OUT/release-create.txt" 2>"$OUT/release-create.log" \
      || echo "bench: the release build failed, see $OUT/release-create.log" >&2
    REL_ID=$(sed -n 's/^release \([0-9][0-9]*\): building.*/\1/p' "$OUT/release-create.log" | head -n1)
    # time prepends a line when the command failed: the figures are the last one.
    [ -z "$REL_ID" ] || tail -n1 "$OUT/release-time.txt" >"$OUT/release-build-$REL_ID.txt"
  fi
fi
if [ -n "$REL_ID" ]; then
  wall=null rss=null rebuilt=false
  if [ -f "$OUT/release-build-$REL_ID.txt" ]; then
    read -r wall rss <"$OUT/release-build-$REL_ID.txt"
    rebuilt=true
  else
    echo "bench: no build figures kept for release $REL_ID: the report will say so" >&2
  fi
  psql -X -q -At -d "$DB" -c "SELECT json_build_object('id', id, 'referenceDate', reference_date, 'status', status,
    'horizons', horizons, 'cellCount', cell_count, 'hiddenPrimary', hidden_primary, 'hiddenSecondary', hidden_secondary,
    'hiddenHeadcount', hidden_headcount, 'totalHeadcount', total_headcount, 'buildSeconds', build_seconds,
    'sizeBytes', size_bytes, 'failure', failure, 'wallSeconds', $wall::float8, 'maxRssKB', $rss::bigint,
    'timed', $rebuilt, 'reused', $reused) FROM releases WHERE id = $REL_ID" >"$OUT/release.json"
  REL_STATUS=$(psql -X -q -At -d "$DB" -c "SELECT status FROM releases WHERE id = $REL_ID")
  cat "$OUT/release.json" >&2
fi
psql -X -q -d "$DB" -f bench/peer/schema.sql
ROLE_TOKENS=()
VARS_ARGS=()
if [ "$REL_STATUS" = PUBLISHED ]; then
  # The release's table query is sent with an observatory token (whole country).
  VARS_ARGS=(-release "$REL_ID")
  ROLE_TOKENS=(-role-token "observatory=$(DATABASE_URL=$DB "$GPEC" token create -role observatory -label bench-observatory -expires 24h 2>/dev/null)")
elif [ "$RELEASE_MODE" != 0 ]; then
  echo "bench: no published release: the release table query is left out" >&2
fi
DATABASE_URL=$DB "$GPEC" bench vars -out "$OUT/vars.json" "${VARS_ARGS[@]}"
TOKEN=$(DATABASE_URL=$DB "$GPEC" token create -role admin -label bench -expires 24h 2>/dev/null)

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -z "${BENCH_DATABASE_URL:-}" ] && [ "${BENCH_KEEP_PG:-0}" != 1 ]; then
    "$GPEC" bench pg -stop >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

step "start gpec"
DATABASE_URL=$DB "$GPEC" bench serve -addr "$GPEC_ADDR" >"$OUT/gpec.log" 2>&1 &
GPEC_PID=$!
pids+=("$GPEC_PID")

PEER_ARGS=()
if [ "$PEER" = 1 ]; then
  step "start PostGraphile"
  PEER_DIR=$DIR/peer
  if [ ! -x "$PEER_DIR/node_modules/.bin/postgraphile" ]; then
    mkdir -p "$PEER_DIR"
    [ -f "$PEER_DIR/package.json" ] || echo '{"name":"gpec-bench-peer","private":true}' >"$PEER_DIR/package.json"
    (cd "$PEER_DIR" && npm install --no-audit --no-fund postgraphile@4.14.1 @graphile/pg-aggregates@0.1.1 \
      postgraphile-plugin-connection-filter@2.3.0 >&2)
  fi
  # The .bin entry is a node script: exec keeps one process, node, whose pid we measure.
  "$PEER_DIR/node_modules/.bin/postgraphile" -c "$DB" -s public,bench_peer -n 127.0.0.1 -p "$PEER_PORT" \
    --append-plugins @graphile/pg-aggregates,postgraphile-plugin-connection-filter \
    --dynamic-json --disable-query-log >"$OUT/peer.log" 2>&1 &
  PEER_PID=$!
  pids+=("$PEER_PID")
  PEER_ARGS=(-peer "http://127.0.0.1:$PEER_PORT/graphql" -peer-pid "$PEER_PID"
    -meta "postgraphile=$(node -p "require('$PEER_DIR/node_modules/postgraphile/package.json').version")"
    -meta "pgAggregates=$(node -p "require('$PEER_DIR/node_modules/@graphile/pg-aggregates/package.json').version")"
    -meta "connectionFilter=$(node -p "require('$PEER_DIR/node_modules/postgraphile-plugin-connection-filter/package.json').version")"
    -meta "node=$(node --version)")
fi

for i in $(seq 1 120); do
  ok=1
  curl -fsS "http://$GPEC_ADDR/healthz" >/dev/null 2>&1 || ok=0
  if [ "$PEER" = 1 ]; then
    curl -fsS -H 'Content-Type: application/json' -d '{"query":"{__typename}"}' \
      "http://127.0.0.1:$PEER_PORT/graphql" >/dev/null 2>&1 || ok=0
  fi
  [ $ok = 1 ] && break
  sleep 1
done

step "load: $CONC × $DURATION per query and target"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit="$commit + uncommitted changes"
# The command as run: the variables that change what is measured, then make bench.
command="make bench"
for v in BENCH_SCALE BENCH_ONLY BENCH_CONCURRENCY BENCH_DURATION BENCH_PEER BENCH_LHEO_MB; do
  [ -n "${!v:-}" ] && command="$v=${!v} $command"
done
"$DIR/runner" load -bench bench -vars "$OUT/vars.json" -gpec "http://$GPEC_ADDR/graphql" -token "$TOKEN" \
  "${ROLE_TOKENS[@]}" -db "$DB" -gpec-pid "$GPEC_PID" -pg-pid "$PGPID" -c "$CONC" -d "$DURATION" -out "$OUT/results.json" \
  -meta "scale=$SCALE" -meta "commit=$commit" -meta "go=$(go env GOVERSION)" -meta "command=$command" \
  -meta "hey=$(dpkg-query -W -f '${Version}' hey 2>/dev/null || echo '?')" \
  ${BENCH_ONLY:+-only "$BENCH_ONLY"} ${BENCH_FLOOR_MAX_C:+-floor-max-c "$BENCH_FLOOR_MAX_C"} "${PEER_ARGS[@]}"

# Issue 16: a one-company import while the server runs, and the time until
# every query of the mix is answered at its rollup speed again; the
# company's rows are imported back after (the dataset is restored).
rm -f "$OUT/fresh.json"
if [ "${BENCH_FRESH:-1}" = 1 ]; then
  step "a one-company import while the server runs: time until every query is at speed again"
  FRESH_SIREN=$(sed -n 's/.*"siren": *"\([0-9]*\)".*/\1/p' "$OUT/vars.json")
  "$DIR/runner" fresh -bench bench -vars "$OUT/vars.json" -gpec "http://$GPEC_ADDR/graphql" -token "$TOKEN" \
    "${ROLE_TOKENS[@]}" -db "$DB" -gpec-bin "$GPEC" -siren "$FRESH_SIREN" -work "$DIR" -out "$OUT/fresh.json" \
    ${BENCH_FRESH_ONLY:+-only "$BENCH_FRESH_ONLY"} \
    || echo "bench: the freshness measure failed" >&2
fi

# Issue 19's targets besides the trend's load: reads while the server
# builds a new campaign's rollups, then a company's answer, timed on a server
# that does not rebuild rollups (the runner restores the dataset and its
# data_version after each answer, and a rebuild would drop the rollups).
rm -f "$OUT/background.json" "$OUT/answer.json"
if [ "${BENCH_CAMPAIGNS:-1}" = 1 ]; then
  step "reads while a new campaign's rollups are built in the background"
  "$DIR/runner" background -bench bench -vars "$OUT/vars.json" -gpec "http://$GPEC_ADDR/graphql" -token "$TOKEN" \
    -db "$DB" -c "${BENCH_BACKGROUND_CONCURRENCY:-8}" -phase "${BENCH_BACKGROUND_PHASE:-30s}" -out "$OUT/background.json" \
    || echo "bench: the background build measure failed" >&2
  step "a company's answer: 200 needs and 2,000 assessments"
  kill "$GPEC_PID" 2>/dev/null || true
  wait "$GPEC_PID" 2>/dev/null || true
  SIREN=$(sed -n 's/.*"siren": *"\([0-9]*\)".*/\1/p' "$OUT/vars.json")
  COMPANY_TOKEN=$(DATABASE_URL=$DB "$GPEC" token create -role company -siren "$SIREN" -label bench-answer -expires 24h 2>/dev/null)
  ANSWER_ADDR=${BENCH_ANSWER_ADDR:-127.0.0.1:8092}
  DATABASE_URL=$DB "$GPEC" bench serve -refresh=false -addr "$ANSWER_ADDR" >"$OUT/gpec-answer.log" 2>&1 &
  ANSWER_PID=$!
  pids+=("$ANSWER_PID")
  for i in $(seq 1 60); do curl -fsS "http://$ANSWER_ADDR/healthz" >/dev/null 2>&1 && break; sleep 1; done
  "$DIR/runner" answer -gpec "http://$ANSWER_ADDR/graphql" -token "$COMPANY_TOKEN" -siren "$SIREN" -db "$DB" \
    -n "${BENCH_ANSWERS:-5}" -out "$OUT/answer.json" || echo "bench: the answer measure failed" >&2
  kill "$ANSWER_PID" 2>/dev/null || true
fi

step "report"
imp=()
[ -f "$OUT/import.json" ] && imp=(-import "$OUT/import.json")
[ -f "$OUT/rollups.json" ] && imp+=(-rollups "$OUT/rollups.json")
[ -f "$OUT/answer.json" ] && imp+=(-answer "$OUT/answer.json")
[ -f "$OUT/background.json" ] && imp+=(-background "$OUT/background.json")
[ -f "$OUT/fresh.json" ] && imp+=(-fresh "$OUT/fresh.json")
[ -f "$OUT/lheo.json" ] && [ -f "$LHEO" ] && imp+=(-lheo "$OUT/lheo.json" -lheo-report "$OUT/lheo-report.txt" -lheo-bytes "$(stat -c %s "$LHEO")")
[ -n "$REL_ID" ] && imp+=(-release "$OUT/release.json")
"$DIR/runner" report -results "$OUT/results.json" "${imp[@]}" -scale "$SCALE" -out "$REPORT"
echo "bench: wrote $REPORT (section $SCALE); raw figures in $OUT" >&2
