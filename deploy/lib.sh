# Shared by deploy/backup.sh and deploy/restore.sh (sourced, not run).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
[ -x "$python" ] || python=python3

# The file path of a sqlite:// URL, read as the settings read it.
sqlite_path() {
  "$python" -c 'import sys, dj_database_url; print(dj_database_url.parse(sys.argv[1])["NAME"])' "$1"
}
