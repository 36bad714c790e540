#!/usr/bin/env bash
# Every measurement of bench/RESULTS.md, before (a previous commit) and after (this checkout), then the report.
# Usage: bash bench/run_all.sh [previous-commit]          (default: the commit before the speed work, see BEFORE)
# Environment: WORK (scratch folder, default /tmp/terrain-bench), PYTHON (default .venv/bin/python),
#   PG_URL (a PostgreSQL server URL whose user may create databases, e.g. postgresql+psycopg://postgres@127.0.0.1:5432;
#   without it PostgreSQL is skipped), PG_GENERATED=1 (the t10k and t1m databases already hold the data),
#   LIGHTHOUSE (the lighthouse command; without it Lighthouse is skipped), REQUESTS, SECONDS_PER_SCREEN and
#   ROUNDS for bench/load.py, ONLY_AFTER=1 (measure this version again, keep the previous version's figures).
# Not run in CI: it takes most of an hour on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=${1:-d627e3d}
WORK=${WORK:-/tmp/terrain-bench}
PYTHON=${PYTHON:-.venv/bin/python}
LOAD=(--requests "${REQUESTS:-150}" --seconds "${SECONDS_PER_SCREEN:-15}" --rounds "${ROUNDS:-2}")
mkdir -p "$WORK/before"
git archive "$BEFORE" | tar -x -C "$WORK/before"

# The deployment, generated with the previous schema so that `flask init-db` shows the upgrade it makes.
for size in 10000 1000000; do
  [ -f "$WORK/terrain-$size.sqlite" ] || TERRAIN_APP_DIR="$WORK/before" \
    "$PYTHON" bench/generate.py --database-url "sqlite:///$WORK/terrain-$size.sqlite" --observations "$size"
done

copy() { rm -f "$WORK/$2.sqlite"*; cp "$WORK/terrain-$1.sqlite" "$WORK/$2.sqlite"; }

# SQLite: the previous version, then this one, each on fresh copies; 10k and 1M side by side.
if [ -z "${ONLY_AFTER:-}" ]; then
  copy 10000 b10k; copy 1000000 b1m
  "$PYTHON" bench/load.py --app-dir "$WORK/before" "${LOAD[@]}" \
    --database-url "sqlite:///$WORK/b10k.sqlite" --label sqlite-10k-before \
    --database-url "sqlite:///$WORK/b1m.sqlite" --label sqlite-1m-before
  TERRAIN_APP_DIR="$WORK/before" "$PYTHON" bench/explain.py --database-url "sqlite:///$WORK/b1m.sqlite" \
    --label sqlite-1m-before
  TERRAIN_APP_DIR="$WORK/before" "$PYTHON" bench/cpu.py --database-url "sqlite:///$WORK/b1m.sqlite" \
    --label sqlite-1m-before
fi
copy 10000 a10k; copy 1000000 a1m
# The previous run's figures at 1M are kept beside the new ones, for the comparison in RESULTS.md.
for label in sqlite-1m pg-1m; do
  [ -f "bench/results/$label.json" ] && cp "bench/results/$label.json" "bench/results/$label-previous.json"
done
"$PYTHON" bench/load.py "${LOAD[@]}" \
  --database-url "sqlite:///$WORK/a10k.sqlite" --label sqlite-10k \
  --database-url "sqlite:///$WORK/a1m.sqlite" --label sqlite-1m
"$PYTHON" bench/explain.py --database-url "sqlite:///$WORK/a1m.sqlite" --label sqlite-1m
# The previous run's CPU figures are kept beside the new ones for the comparison.
[ -f bench/results/cpu-sqlite-1m.json ] && cp bench/results/cpu-sqlite-1m.json bench/results/cpu-sqlite-1m-previous.json
"$PYTHON" bench/cpu.py --database-url "sqlite:///$WORK/a1m.sqlite" --label sqlite-1m

# PostgreSQL: generated with the previous schema, measured, then upgraded by this version's init-db and measured.
if [ -n "${PG_URL:-}" ]; then
  if [ -z "${PG_GENERATED:-}" ]; then
    for db in t10k t1m; do
      "$PYTHON" -c "import sqlalchemy as s; e = s.create_engine('$PG_URL/postgres', isolation_level='AUTOCOMMIT'); \
c = e.connect(); c.execute(s.text('DROP DATABASE IF EXISTS $db')); c.execute(s.text('CREATE DATABASE $db'))"
    done
    TERRAIN_APP_DIR="$WORK/before" "$PYTHON" bench/generate.py --database-url "$PG_URL/t10k" --observations 10000
    TERRAIN_APP_DIR="$WORK/before" "$PYTHON" bench/generate.py --database-url "$PG_URL/t1m" --observations 1000000
  fi
  if [ -z "${ONLY_AFTER:-}" ]; then
    "$PYTHON" bench/load.py --app-dir "$WORK/before" "${LOAD[@]}" \
      --database-url "$PG_URL/t10k" --label pg-10k-before --database-url "$PG_URL/t1m" --label pg-1m-before
    TERRAIN_APP_DIR="$WORK/before" "$PYTHON" bench/explain.py --database-url "$PG_URL/t1m" --label pg-1m-before
  fi
  "$PYTHON" bench/load.py "${LOAD[@]}" \
    --database-url "$PG_URL/t10k" --label pg-10k --database-url "$PG_URL/t1m" --label pg-1m
  "$PYTHON" bench/explain.py --database-url "$PG_URL/t1m" --label pg-1m
  # Instructions per request (callgrind), when valgrind is there; the previous run's figures kept beside.
  if command -v valgrind >/dev/null 2>&1; then
    [ -f bench/results/instructions-pg-1m.json ] && \
      cp bench/results/instructions-pg-1m.json bench/results/instructions-pg-1m-previous.json
    "$PYTHON" bench/instructions.py --database-url "$PG_URL/t1m" --label pg-1m
  fi
  # PostgreSQL's own CPU per request (this machine's server), the previous run's figures kept beside.
  [ -f bench/results/pg-cpu-pg-1m.json ] && cp bench/results/pg-cpu-pg-1m.json bench/results/pg-cpu-pg-1m-previous.json
  "$PYTHON" bench/pg_cpu.py --database-url "$PG_URL/t1m" --label pg-1m
  # The alerts worker twice on one PostgreSQL database: every e-mail received once.
  "$PYTHON" -c "import sqlalchemy as s; e = s.create_engine('$PG_URL/postgres', isolation_level='AUTOCOMMIT'); \
c = e.connect(); c.execute(s.text('DROP DATABASE IF EXISTS two_workers')); c.execute(s.text('CREATE DATABASE two_workers'))"
  "$PYTHON" bench/two_workers.py --database-url "$PG_URL/two_workers"
fi

"$PYTHON" bench/weight.py
if [ -n "${LIGHTHOUSE:-}" ]; then
  "$PYTHON" bench/lighthouse.py --lighthouse "$LIGHTHOUSE"
fi
"$PYTHON" bench/report.py
