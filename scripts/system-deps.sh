#!/usr/bin/env bash
# Install the Debian packages the project needs when they are missing.
# Usage: scripts/system-deps.sh [postgis] [browser] [gdal] [pdf] [wrk] [pgbouncer] [pgbackrest]
# As root it runs apt-get; as a user with password-less sudo it uses sudo; otherwise it prints
# one sentence naming what to install and exits 1.
set -euo pipefail

need=()
for what in "$@"; do
  case "$what" in
    postgis)
      pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
      if [ -z "$pgbin" ]; then
        need+=(postgresql postgresql-15-postgis-3)
      else
        ver=$(basename "$(dirname "$pgbin")")
        [ -f "/usr/share/postgresql/$ver/extension/postgis.control" ] || need+=("postgresql-$ver-postgis-3")
      fi
      ;;
    browser)
      command -v chromium >/dev/null 2>&1 || need+=(chromium)
      command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
      ;;
    gdal)
      command -v ogr2ogr >/dev/null 2>&1 || need+=(gdal-bin)
      [ -x /usr/bin/time ] || need+=(time)
      ;;
    pdf)
      # WeasyPrint (the PDF site passport) loads Pango through its C API; fonts for Norwegian letters.
      ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || need+=(libpango-1.0-0 libpangoft2-1.0-0)
      fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
      ;;
    wrk)
      command -v wrk >/dev/null 2>&1 || need+=(wrk)
      ;;
    pgbouncer)
      [ -x /usr/sbin/pgbouncer ] || need+=(pgbouncer)
      ;;
    pgbackrest)
      # Backups: continuous WAL archiving and point-in-time restore (naering backup, naering restore).
      command -v pgbackrest >/dev/null 2>&1 || need+=(pgbackrest)
      ;;
    *) echo "system-deps.sh: unknown group '$what'" >&2; exit 2 ;;
  esac
done

[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "Missing Debian packages: ${need[*]}. Install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi

echo "Installing Debian packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >/dev/null
"${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
