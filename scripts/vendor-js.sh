#!/usr/bin/env bash
# Reproduce the vendored map JavaScript/CSS in maps/static/vendor/ from the npm registry.
#
# Each package is fetched with `npm pack <name>@<version>` (pinned), its tarball checked against the
# registry's pinned integrity (sha512), and only the files the maps use are copied, unmodified.
# VectorGrid's npm package ships no LICENSE file: its licence (Beerware) is the "Legalese" section of
# the package's README.md, copied verbatim into vectorgrid/LICENSE, followed by the list of the
# libraries bundled into Leaflet.VectorGrid.bundled.js and their licences.
# Finally maps/static/vendor/SHA256SUMS is rewritten (every vendored file but README.md and itself);
# tests/test_vendor_assets.py checks it.
#
# Usage: scripts/vendor-js.sh            (rewrites the files; `git diff` should then be empty)
#        scripts/vendor-js.sh --check    (fails if the files in git differ from what npm gives)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/maps/static/vendor"

LEAFLET_VERSION="1.9.4"
LEAFLET_INTEGRITY="sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="
VECTORGRID_VERSION="1.3.0"
VECTORGRID_INTEGRITY="sha512-kWmj1pKM+MVdo/7Mg5zsB3YrGZvo/uIuiANV9MvWUFOG+Y2xAJzrteDhoIcCgTjHSSRJ36xdeGdIQVhuWjnCZw=="

check=0
[[ "${1:-}" == "--check" ]] && check=1

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="$work/vendor"
mkdir -p "$out"

# fetch NAME VERSION INTEGRITY -> unpacks into $work/NAME/package
fetch() {
    local name="$1" version="$2" integrity="$3" dir="$work/$1"
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$name@$version" >/dev/null)
    local tgz
    tgz="$(ls "$dir"/*.tgz)"
    local got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
    if [[ "$got" != "$integrity" ]]; then
        echo "integrity mismatch for $name@$version: $got" >&2
        exit 1
    fi
    tar -xzf "$tgz" -C "$dir"
}

fetch leaflet "$LEAFLET_VERSION" "$LEAFLET_INTEGRITY"
fetch leaflet.vectorgrid "$VECTORGRID_VERSION" "$VECTORGRID_INTEGRITY"

# Leaflet: the script, the stylesheet, its control images, and its licence.
L="$work/leaflet/package"
mkdir -p "$out/leaflet/images"
cp "$L/dist/leaflet.js" "$L/dist/leaflet.css" "$L/LICENSE" "$out/leaflet/"
cp "$L"/dist/images/*.png "$out/leaflet/images/"

# VectorGrid: the bundled (readable, not minified) build and its licence from the README.
V="$work/leaflet.vectorgrid/package"
mkdir -p "$out/vectorgrid"
cp "$V/dist/Leaflet.VectorGrid.bundled.js" "$out/vectorgrid/"
{
    echo "Leaflet.VectorGrid $VECTORGRID_VERSION (npm leaflet.vectorgrid@$VECTORGRID_VERSION)"
    echo "Licence: Beerware, from the \"Legalese\" section of the package's README.md:"
    echo
    sed -n '/^## Legalese/,$p' "$V/README.md" | sed '1d'
    echo
    echo "Libraries bundled into dist/Leaflet.VectorGrid.bundled.js, each under its own licence"
    echo "(as listed in the package's README.md and in comments of the bundle):"
    sed -n '/^\* \[geojson-vt\]/,/^\* \[vector-tile\]/p' "$V/README.md"
    echo "* @mapbox/point-geometry (ISC), ieee754 (BSD-3-Clause), whatwg-fetch polyfill (MIT),"
    echo "  feross/buffer (MIT) and dpw/node-buffer-more-ints (MIT) code fragments, as credited in the bundle"
} >"$out/vectorgrid/LICENSE"

# The manifest: every vendored file (the README.md and the manifest are written by hand / here).
(cd "$out" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum) \
    >"$work/SHA256SUMS"

if [[ $check -eq 1 ]]; then
    status=0
    for f in $(cd "$out" && find . -type f | sed 's|^\./||'); do
        cmp -s "$out/$f" "$VENDOR/$f" || { echo "differs from npm: $f" >&2; status=1; }
    done
    cmp -s "$work/SHA256SUMS" "$VENDOR/SHA256SUMS" || { echo "SHA256SUMS is out of date" >&2; status=1; }
    exit $status
fi

cp -r "$out"/. "$VENDOR"/
cp "$work/SHA256SUMS" "$VENDOR/SHA256SUMS"
echo "vendored into $VENDOR; manifest: $VENDOR/SHA256SUMS"
