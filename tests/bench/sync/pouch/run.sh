#!/usr/bin/env bash
# Installs the PouchDB yardstick's npm packages exactly as package-lock.json
# locks them (into a folder of the build tree given as $1, again only when the
# lock file changed) and runs the comparison for $2 documents.
#
# Nothing is built: the yardstick keeps its databases in memory, so
# pouchdb-server's optional LevelDB and SQLite adapters (native modules whose
# install scripts fetch or compile binaries, which hung) are left out
# (--omit=optional) and no install script runs (--ignore-scripts).
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
cp "$here/package.json" "$here/package-lock.json" "$here/compare.js" "$work/"
if ! cmp -s "$work/package-lock.json" "$work/node_modules/.blik-lock"; then
  echo "Installing the PouchDB yardstick (npm ci in $work)" >&2
  # A registry that stops answering is an error after ten minutes, not a hang.
  if ! (cd "$work" && timeout 600 npm ci --omit=optional --ignore-scripts --no-audit --no-fund \
    --loglevel=error >&2); then
    echo "run.sh: npm ci of the PouchDB yardstick failed or took over ten minutes" >&2
    exit 1
  fi
  cp "$work/package-lock.json" "$work/node_modules/.blik-lock"
fi
exec node "$work/compare.js" "$n"
