#!/usr/bin/env bash
# Installs the PouchDB yardstick's npm packages (once, into a folder of the
# build tree given as $1) and runs the comparison for $2 documents.
set -euo pipefail
work="$1"
n="$2"
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >&2
fi
mkdir -p "$work"
cp "$here/package.json" "$here/compare.js" "$work/"
if [ ! -x "$work/node_modules/.bin/pouchdb-server" ]; then
  (cd "$work" && npm install --no-audit --no-fund --no-package-lock --loglevel=error >&2)
fi
exec node "$work/compare.js" "$n"
