#!/bin/sh
# Installs the build tree BUILD into a new prefix under WORK and checks the
# installed Blik on its own. Usage: check_install.sh CMAKE BUILD WORK SOURCE PATHS
# where PATHS is "check" to make sure that no path of the source or build
# tree is in the programs, or "skip" (sanitizer builds).
set -eu
cmake=$1 build=$2 work=$3 source=$4 paths=$5
fail() {
  echo "install: $*" >&2
  exit 1
}
unset BLIK_ASSETS_DIR
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" || fail "cmake --install failed"

for f in bin/blik bin/blik-server share/blik/fonts/NotoSans-Regular.ttf \
  share/blik/fonts/NotoSans-Bold.ttf share/blik/fonts/OFL.txt share/blik/po/da.po \
  share/blik/po/en.po share/doc/blik/README.md share/doc/blik/SECURITY.md \
  share/doc/blik/PROTOCOL.md share/doc/blik/FORMATS.md; do
  [ -f "$prefix/$f" ] || fail "$f is not installed"
done
# Regular files only: a link back into the source tree would hide a gap.
if find "$prefix" -type l | grep -q .; then
  fail "the prefix holds symbolic links: $(find "$prefix" -type l)"
fi

# Neither the source nor the build folder is named in an installed program.
if [ "$paths" = check ]; then
  for exe in blik blik-server; do
    for tree in "$source" "$build"; do
      if grep -qF "$tree" "$prefix/bin/$exe"; then
        fail "bin/$exe names $tree"
      fi
    done
  done
fi

"$prefix/bin/blik" --help >"$work/help.txt" || fail "blik --help failed"
grep -q "Usage: blik \[--data DIR\]" "$work/help.txt" || fail "blik --help says: $(cat "$work/help.txt")"
"$prefix/bin/blik-server" --help >"$work/server-help.txt" 2>&1 || fail "blik-server --help failed"
grep -q "blik-server" "$work/server-help.txt" || fail "blik-server --help says: $(cat "$work/server-help.txt")"

# One frame of the demo unit in each language, with no display: the fonts
# must open (else the window fails) and both catalogues must load (else blik
# says so on stderr). The Danish start also shows the catalogue is used.
for lang in da en; do
  if ! SDL_VIDEODRIVER=dummy BLIK_EXIT_AFTER_FIRST_FRAME=1 \
    "$prefix/bin/blik" --data "$work/data-$lang" --demo --lang "$lang" 2>"$work/start-$lang.err"; then
    fail "blik --demo --lang $lang did not start: $(cat "$work/start-$lang.err")"
  fi
  if [ -s "$work/start-$lang.err" ]; then
    fail "blik --demo --lang $lang complained: $(cat "$work/start-$lang.err")"
  fi
done

# Moved elsewhere, the installed tree still works as a whole.
mv "$prefix" "$work/moved"
SDL_VIDEODRIVER=dummy BLIK_EXIT_AFTER_FIRST_FRAME=1 \
  "$work/moved/bin/blik" --data "$work/data-moved" --demo 2>"$work/moved.err" ||
  fail "blik in a moved prefix did not start: $(cat "$work/moved.err")"
[ ! -s "$work/moved.err" ] || fail "blik in a moved prefix complained: $(cat "$work/moved.err")"

# Without its data folder, blik says which file is missing and stops.
rm -r "$work/moved/share/blik/fonts"
if SDL_VIDEODRIVER=dummy BLIK_EXIT_AFTER_FIRST_FRAME=1 \
  "$work/moved/bin/blik" --data "$work/data-moved" 2>"$work/nofont.err"; then
  fail "blik started without its fonts"
fi
grep -q "share/blik/fonts/NotoSans-Regular.ttf" "$work/nofont.err" ||
  fail "blik without fonts said: $(cat "$work/nofont.err")"
echo "install: ok ($prefix)"
