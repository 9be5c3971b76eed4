#!/bin/sh
# Makes the Debian packages from the build tree BUILD with cpack into WORK
# and checks what an administrator will rely on. Usage:
#   check_packages.sh BUILD WORK SOURCE
# - the four packages, their versions and the dependencies dpkg-shlibdeps
#   found and those declared by hand;
# - every file where it belongs, none owned by two packages, nothing of
#   /etc in a plain "cmake --install";
# - the maintainer scripts parse, the conffiles are listed;
# - the server's unit: its own user, the hardening asked for, stopped
#   until configured, rated by systemd-analyze's offline security check;
# - the example configuration explains every key of srv_config.c and the
#   server reads it (and its commented defaults) without a complaint.
set -eu
build=$1 work=$2 source=$3
fail() {
  echo "packages: $*" >&2
  exit 1
}
rm -rf "$work"
mkdir -p "$work"
cpack --config "$build/CPackConfig.cmake" -B "$work" >"$work/cpack.log" 2>&1 ||
  fail "cpack failed: $(tail -20 "$work/cpack.log")"

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")-1
arch=$(dpkg --print-architecture)
deb() { # the package file of $1
  f=$work/$1_${version}_$2.deb
  [ -f "$f" ] || fail "no package $1_${version}_$2.deb in $(ls "$work")"
  echo "$f"
}
app=$(deb blik "$arch")
server=$(deb blik-server "$arch")
common=$(deb blik-common all)
kiosk=$(deb blik-kiosk all)

# ---- dependencies ----
for p in "$app" "$server" "$common" "$kiosk"; do
  dpkg-deb -f "$p" >"$p.fields"
done
field() { sed -n "s/^$2: //p" "$1.fields"; }
has_dep() { # package, field, dependency (a regular expression for one entry)
  field "$1" "$2" | tr ',' '\n' | sed 's/^ *//' | grep -Eq "^$3( |$)" ||
    fail "$(basename "$1"): $2 lacks $3: $(field "$1" "$2")"
}
for lib in 'libsdl2-2\.0-0' 'libsdl2-ttf-2\.0-0' 'libsqlite3-0' 'libsodium23' 'libjansson4' \
  'libcurl3-gnutls|libcurl4' 'libc6'; do
  has_dep "$app" Depends "($lib)"
done
has_dep "$app" Depends "blik-common \(= $version\)"
for lib in 'libpq5' 'libmicrohttpd12' 'libgnutls30' 'libsodium23' 'libjansson4' 'zlib1g'; do
  has_dep "$server" Depends "$lib"
done
has_dep "$server" Depends "blik-common \(= $version\)"
has_dep "$server" Depends adduser
has_dep "$server" Depends postgresql-client
has_dep "$server" Recommends postgresql
for dep in "blik \(= $version\)" cage xwayland libpam-systemd adduser; do
  has_dep "$kiosk" Depends "$dep"
done
# The tablet app needs no server part and the reverse.
if field "$app" Depends | grep -Eq 'libpq|libmicrohttpd'; then
  fail "blik depends on the server's libraries: $(field "$app" Depends)"
fi
if field "$server" Depends | grep -q 'libsdl2'; then
  fail "blik-server depends on SDL: $(field "$server" Depends)"
fi

# ---- files ----
for p in "$app" "$server" "$common" "$kiosk"; do
  dpkg-deb -c "$p" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|' >"$p.files"
done
must_hold() { # package, files
  p=$1
  shift
  for f in "$@"; do
    grep -qx "$f" "$p.files" || fail "$(basename "$p") lacks $f: $(cat "$p.files")"
  done
}
must_hold "$app" /usr/bin/blik /usr/share/blik/fonts/NotoSans-Regular.ttf \
  /usr/share/blik/fonts/NotoSans-Bold.ttf /usr/share/blik/fonts/OFL.txt
must_hold "$server" /usr/bin/blik-server /lib/systemd/system/blik-server.service \
  /etc/blik/blik-server.conf.example /usr/share/blik/office/office.css
must_hold "$common" /usr/share/blik/po/da.po /usr/share/blik/po/en.po \
  /usr/share/doc/blik/README.md /usr/share/doc/blik/SECURITY.md \
  /usr/share/doc/blik/PROTOCOL.md /usr/share/doc/blik/FORMATS.md
must_hold "$kiosk" /lib/systemd/system/blik-kiosk.service /etc/pam.d/blik-kiosk
twice=$(cat "$work"/*.deb.files | sort | uniq -d)
[ -z "$twice" ] || fail "files in two packages: $twice"
# The configuration an administrator makes is theirs, never the package's.
if grep -qx /etc/blik/blik-server.conf "$server.files"; then
  fail "blik-server ships /etc/blik/blik-server.conf itself"
fi
# The programs are stripped.
dpkg-deb -x "$server" "$work/root"
dpkg-deb -x "$app" "$work/root"
dpkg-deb -x "$common" "$work/root"
for exe in blik blik-server; do
  if readelf -S "$work/root/usr/bin/$exe" | grep -q '\.debug_info'; then
    fail "usr/bin/$exe is not stripped"
  fi
done

# ---- maintainer scripts ----
for p in "$server" "$kiosk"; do
  ctl=$p.control
  dpkg-deb -e "$p" "$ctl"
  for s in postinst prerm postrm; do
    [ -x "$ctl/$s" ] || fail "$(basename "$p") has no executable $s"
    sh -n "$ctl/$s" || fail "$(basename "$p"): $s does not parse"
  done
done
grep -qx /etc/blik/blik-server.conf.example "$server.control/conffiles" ||
  fail "the example configuration is not a conffile"
grep -qx /etc/pam.d/blik-kiosk "$kiosk.control/conffiles" || fail "the PAM file is not a conffile"
grep -q 'adduser --system --group --home /var/lib/blik ' "$server.control/postinst" ||
  fail "blik-server's postinst makes no user blik"

# ---- the server's unit ----
unit=$work/root/lib/systemd/system/blik-server.service
want() {
  grep -qx "$1" "$unit" || fail "blik-server.service lacks \"$1\""
}
want User=blik
want Group=blik
want NoNewPrivileges=yes
want ProtectSystem=strict
want ProtectHome=yes
want PrivateTmp=yes
want StateDirectory=blik
want ConditionPathExists=/etc/blik/blik-server.conf
want "ExecStart=/usr/bin/blik-server --config /etc/blik/blik-server.conf"
if grep -Eq '^(ReadWritePaths|ReadWriteDirectories|DynamicUser)=' "$unit"; then
  fail "blik-server.service writes more than its state: $(grep -E '^ReadWrite' "$unit")"
fi
systemd-analyze verify --recursive-errors=no --root="$work/root" blik-server.service >"$work/verify.log" 2>&1 ||
  fail "systemd-analyze verify: $(cat "$work/verify.log")"
# The exposure systemd rates (0 safe .. 10 exposed): at most 2.0, "OK".
systemd-analyze security --offline=yes --root="$work/root" --threshold=20 blik-server.service \
  >"$work/security.log" 2>&1 || fail "systemd-analyze security: $(tail -3 "$work/security.log")"
grep "Overall exposure level" "$work/security.log"
kunit=$work/kiosk-root
dpkg-deb -x "$kiosk" "$kunit"
grep -qx 'ExecStart=/usr/bin/cage -- /usr/bin/blik --fullscreen --data /var/lib/blik-kiosk' \
  "$kunit/lib/systemd/system/blik-kiosk.service" || fail "the kiosk does not run blik in cage"
for want in NoNewPrivileges=yes ProtectSystem=full; do
  grep -qx "$want" "$kunit/lib/systemd/system/blik-kiosk.service" || fail "the kiosk lacks $want"
done

# ---- the example configuration ----
example=$work/root/etc/blik/blik-server.conf.example
keys=$(sed -n 's/^ *[SI]("\([a-z-]*\)", "\([A-Z_]*\)".*/\1 \2/p' "$source/sync/server/srv_config.c")
[ -n "$keys" ] || fail "no keys found in srv_config.c"
echo "$keys" | while read -r key env; do
  n=$(grep -Ec "^#? ?$key =" "$example" || true)
  [ "$n" = 1 ] || fail "the example configuration has $n lines for the key $key"
  # Its explanation, ending in the environment variable's name, is right above it.
  grep -B3 -E "^#? ?$key =" "$example" | grep -q "$env" ||
    fail "the example configuration does not name $env above $key"
done
# Every line that sets a key sets one the server knows.
for k in $(sed -n 's/^#\{0,1\} \{0,1\}\([a-z-]*\) =.*/\1/p' "$example"); do
  echo "$keys" | grep -q "^$k " || fail "the example configuration sets an unknown key $k"
done

# The server reads the file as it is, and with each commented default in
# force, without a complaint: it goes as far as the database, which is
# not there. BLIK_DB in the environment overrides the file's db.
server_reads() { # file
  rc=0
  BLIK_DB="host=$work/no-socket dbname=blik connect_timeout=2" \
    "$work/root/usr/bin/blik-server" migrate --config "$1" >"$work/read.log" 2>&1 || rc=$?
  [ "$rc" = 1 ] || fail "blik-server with $(basename "$1") exited $rc: $(cat "$work/read.log")"
  grep -q "$work/no-socket" "$work/read.log" ||
    fail "blik-server with $(basename "$1") did not get to the database: $(cat "$work/read.log")"
}
server_reads "$example"
sed 's/^# \([a-z-]* =\)/\1/' "$example" >"$work/all-keys.conf"
[ "$(grep -c '^[a-z-]* =' "$work/all-keys.conf")" = "$(echo "$keys" | wc -l)" ] ||
  fail "uncommenting the example did not set every key"
server_reads "$work/all-keys.conf"
# A typing mistake in a key stops the server with the line.
printf 'pool = 8\npoll = 8\n' >"$work/typo.conf"
rc=0
"$work/root/usr/bin/blik-server" migrate --config "$work/typo.conf" >"$work/typo.log" 2>&1 || rc=$?
[ "$rc" != 0 ] && grep -q 'typo.conf:2: unknown key "poll"' "$work/typo.log" ||
  fail "a misspelt key was not refused: $(cat "$work/typo.log")"

# A plain install writes nothing outside its prefix: with DESTDIR, any
# rule with a path of its own (/etc, the unit folder) would show up there.
DESTDIR=$work/destdir cmake --install "$build" --prefix /opt/blik >"$work/install.log"
outside=$(cd "$work/destdir" && find . -mindepth 1 -maxdepth 1 ! -name opt)
[ -z "$outside" ] || fail "cmake --install wrote outside its prefix: $outside"
echo "packages: ok ($(cd "$work" && ls ./*.deb | tr '\n' ' '))"
