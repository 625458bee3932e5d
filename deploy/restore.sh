#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh into a fresh database.
#
#   deploy/restore.sh FILE [TARGET_URL]      TARGET_URL defaults to DATABASE_URL
#
# PostgreSQL: the target database must exist and be empty (`createdb dispatch112_restored`); the
#   restore is one transaction: all of it or nothing. A target with tables is refused: restoring
#   over a live database is a decision to take by hand (drop it first).
# SQLite: the target file must not exist yet.
# Then point DATABASE_URL at the target, run `manage.py migrate` (a no-op for a backup of the same
# version, the schema steps for an older one) and start the services.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
file="${1:?usage: deploy/restore.sh FILE [TARGET_URL]}"
target="${2:-${DATABASE_URL:-}}"
[ -f "$file" ] || { echo "restore.sh: no file $file" >&2; exit 2; }
magic="$(head -c 15 "$file" | tr -d '\0')"

case "$target" in
  postgres://* | postgresql://*)
    [ "${magic:0:5}" = "PGDMP" ] || { echo "restore.sh: $file is not a pg_dump custom-format archive" >&2; exit 2; }
    tables="$(psql "$target" -tAc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
    if [ "$tables" != "0" ]; then
      echo "restore.sh: the target database already has $tables tables; restore into an empty one" >&2
      exit 3
    fi
    pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$target" "$file"
    ;;
  sqlite://*)
    [ "$magic" = "SQLite format 3" ] || { echo "restore.sh: $file is not an SQLite database" >&2; exit 2; }
    path="$(sqlite_path "$target")"
    if [ -e "$path" ]; then
      echo "restore.sh: $path exists; restore into a new file" >&2
      exit 3
    fi
    mkdir -p "$(dirname "$path")"
    "$python" - "$file" "$path" <<'PY'
import sqlite3
import sys

source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
source.backup(target)
PY
    ;;
  *)
    echo "restore.sh: TARGET_URL (or DATABASE_URL) must be postgres://… or sqlite://…" >&2
    exit 2
    ;;
esac
echo "restored $file into ${target%%://*} database"
