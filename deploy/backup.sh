#!/usr/bin/env bash
# Back up the Dispatch112 database into one file while the system keeps running.
#
#   deploy/backup.sh [FILE]        the database is DATABASE_URL's (unset: the embedded SQLite demo)
#
# PostgreSQL: pg_dump's custom format (-Fc): compressed, consistent (one snapshot), restored with
#   deploy/restore.sh (pg_restore). pg_dump must be as new as the server (Debian: postgresql-client).
# SQLite (the embedded demo): SQLite's online backup API, consistent while the server writes.
# Prints the file written (default backups/dispatch112-<UTC time>.dump|.sqlite3). A failed backup
# exits non-zero and leaves no file under that name, so a cron job never keeps a half dump.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
url="${DATABASE_URL:-}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"

case "$url" in
  postgres://* | postgresql://*)
    out="${1:-backups/dispatch112-$stamp.dump}"
    mkdir -p "$(dirname "$out")"
    trap 'rm -f "$out.partial"' EXIT
    pg_dump --format=custom --no-owner --no-privileges --file="$out.partial" --dbname="$url"
    pg_restore --list "$out.partial" >/dev/null # the archive reads back whole
    ;;
  "" | sqlite://*)
    if [ -z "$url" ]; then
      source="${DISPATCH112_VAR_DIR:-$root/var}/dispatch112.sqlite3"
    else
      source="$(sqlite_path "$url")"
    fi
    [ -f "$source" ] || { echo "backup.sh: no database at $source" >&2; exit 2; }
    out="${1:-backups/dispatch112-$stamp.sqlite3}"
    mkdir -p "$(dirname "$out")"
    trap 'rm -f "$out.partial"' EXIT
    "$python" - "$source" "$out.partial" <<'PY'
import sqlite3
import sys

source, target = sqlite3.connect(sys.argv[1], timeout=20), sqlite3.connect(sys.argv[2])
source.backup(target)
result = target.execute("PRAGMA integrity_check").fetchone()[0]
if result != "ok":
    sys.exit(f"backup.sh: the copy fails its integrity check: {result}")
PY
    ;;
  *)
    echo "backup.sh: DATABASE_URL must be postgres://… or sqlite://…" >&2
    exit 2
    ;;
esac
mv "$out.partial" "$out"
trap - EXIT
echo "$out"
