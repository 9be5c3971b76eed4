#!/bin/sh
# Blik installed from its packages on a fresh Debian 12, as an administrator
# following README's "Install from the Debian packages" would, then used by a
# tablet. Run on demand, as root, with debootstrap and openssl installed and
# Debian's package archive reachable:
#
#   sh tests/install/debian12.sh BUILD [WORK]
#
# BUILD is a configured and built tree with the tests (blik, blik-server and
# install_tablet built); WORK (default BUILD/debian12) holds the packages, a
# fresh Debian 12 root made by debootstrap and the logs; the root is removed
# at the end unless BLIK_KEEP_ROOT=1. With BLIK_DEBIAN_CACHE=DIR the
# downloaded packages are kept in DIR for the next run (debootstrap's and
# apt's), which then spends its time installing rather than downloading.
# Steps, each timed:
#  1. cpack makes the packages; debootstrap makes a minimal Debian 12 root;
#  2. apt-get installs blik-server, blik and blik-kiosk from their files,
#     which brings in their dependencies and PostgreSQL (recommended);
#  3. the packages' promises: the users, the units enabled, the example
#     configuration in /etc/blik and nothing started before it is copied;
#  4. PostgreSQL's cluster is started with pg_ctlcluster, the role and the
#     database made as README says, a certificate installed, the example
#     configuration copied and edited;
#  5. blik-server is started as the unit starts it (its user, its ExecStart,
#     no new privileges; there is no systemd inside a chroot), and the
#     administrator makes a unit with the admin commands;
#  6. a headless tablet (the app's store and sync engine) enrols with a code,
#     pulls the unit, observes and syncs; the server then lists the tablet
#     and exports the observation; the installed blik starts headless;
#  7. the server stops on SIGTERM and the root is removed.
set -eu
build=$(cd "${1:?usage: debian12.sh BUILD [WORK]}" && pwd)
work=${2:-$build/debian12}
root=$work/root
tablet_bin=$build/tests/install/install_tablet
start_all=$(date +%s)
step_start=$start_all
say() { echo "debian12: $*"; }
fail() {
  echo "debian12: FAILED: $*" >&2
  exit 1
}
step() { # ends the step before and names the next
  now=$(date +%s)
  [ -z "${step_name:-}" ] || say "$step_name: $((now - step_start)) s"
  step_name=$1
  step_start=$now
}
[ "$(id -u)" = 0 ] || fail "run as root (debootstrap and chroot need it)"
for tool in debootstrap openssl cpack curl; do
  command -v $tool >/dev/null || fail "$tool is not installed"
done
[ -x "$tablet_bin" ] || fail "$tablet_bin is not built (cmake --build $build --target install_tablet)"

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -x "$root/usr/bin/pg_ctlcluster" ]; then
    in_root pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
  fi
  for m in "$root/var/cache/apt/archives" "$root/dev/shm" "$root/proc"; do
    if mountpoint -q "$m" 2>/dev/null; then
      umount "$m" || umount -l "$m"
    fi
  done
  if [ "${BLIK_KEEP_ROOT:-0}" != 1 ] && [ -d "$root" ]; then
    # --one-file-system: never into a mount that survived the loop above.
    rm -rf --one-file-system "$root"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. packages and a fresh root ----
step "packages made"
rm -rf "$work"
mkdir -p "$work/debs"
cpack --config "$build/CPackConfig.cmake" -B "$work/debs" >"$work/cpack.log" 2>&1 ||
  fail "cpack: $(tail -20 "$work/cpack.log")"
rm -rf "$work/debs/_CPack_Packages"
ls "$work/debs"

step "Debian 12 root made by debootstrap"
# The archive this machine installs from (its apt sources), so that the
# root is made where this machine's packages come from.
mirror=${BLIK_DEBIAN_MIRROR:-$(apt-cache policy | sed -n 's|^ *[0-9]* \([a-z]*://[^ ]*\) bookworm/main .*|\1|p' |
  head -1)}
security=$(apt-cache policy | sed -n 's|^ *[0-9]* \([a-z]*://[^ ]*\) bookworm-security/main .*|\1|p' |
  head -1)
cache=${BLIK_DEBIAN_CACHE:-}
if [ -n "$cache" ]; then
  mkdir -p "$cache/debootstrap" "$cache/apt/partial"
  cache=$(cd "$cache" && pwd)
fi
debootstrap --variant=minbase ${cache:+--cache-dir="$cache/debootstrap"} bookworm "$root" \
  ${mirror:+"$mirror"} >"$work/debootstrap.log" 2>&1 ||
  fail "debootstrap: $(tail -20 "$work/debootstrap.log")"
if [ -n "$cache" ]; then
  mount --bind "$cache/apt" "$root/var/cache/apt/archives"
fi
if [ -n "$security" ]; then
  echo "deb $security bookworm-security main" >>"$root/etc/apt/sources.list"
fi
mount -t proc proc "$root/proc"
mkdir -p "$root/dev/shm"
mount -t tmpfs -o mode=1777 shm "$root/dev/shm"
# Nothing starts while packages are installed, as in any chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
grep -q localhost "$root/etc/hosts" 2>/dev/null || echo "127.0.0.1 localhost" >>"$root/etc/hosts"
cat "$root/etc/debian_version"

# ---- 2. the packages, with apt-get ----
step "apt-get install of blik-server, blik and blik-kiosk"
mkdir -p "$root/tmp/debs"
cp "$work/debs"/*.deb "$root/tmp/debs/"
in_root apt-get update >"$work/apt.log" 2>&1 || fail "apt-get update: $(tail "$work/apt.log")"
(cd "$root/tmp/debs" && ls ./*.deb) | sed 's|^\./|/tmp/debs/|' >"$work/debs.list"
# shellcheck disable=SC2046
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y $(cat "$work/debs.list") \
  >>"$work/apt.log" 2>&1 || fail "apt-get install: $(tail -30 "$work/apt.log")"
grep -E '^(Setting up|Unpacking) blik' "$work/apt.log" | sed 's/ (.*//' | sort -u
in_root dpkg-query -W blik blik-server blik-common blik-kiosk postgresql cage
say "$(grep -c '^Setting up' "$work/apt.log") packages set up, root: $(du -sxh "$root" | cut -f1)"

# ---- 3. what the packages promise ----
step "the packages' users, units and example"
in_root getent passwd blik >/dev/null || fail "no user blik"
in_root getent passwd blik-kiosk >/dev/null || fail "no user blik-kiosk"
[ -L "$root/etc/systemd/system/multi-user.target.wants/blik-server.service" ] ||
  fail "blik-server.service is not enabled"
[ -L "$root/etc/systemd/system/graphical.target.wants/blik-kiosk.service" ] ||
  fail "blik-kiosk.service is not enabled"
[ -f "$root/etc/blik/blik-server.conf.example" ] || fail "no example configuration"
[ ! -e "$root/etc/blik/blik-server.conf" ] || fail "the package made blik-server.conf itself"
unit=$root/lib/systemd/system/blik-server.service
condition=$(sed -n 's/^ConditionPathExists=//p' "$unit")
[ "$condition" = /etc/blik/blik-server.conf ] || fail "the unit's condition is \"$condition\""
say "unconfigured: $condition is missing, so systemd would not start blik-server"
in_root env SDL_VIDEODRIVER=dummy BLIK_EXIT_AFTER_FIRST_FRAME=1 \
  blik --data /tmp/demo-tablet --demo >"$work/blik.log" 2>&1 ||
  fail "the installed blik did not start: $(cat "$work/blik.log")"
say "the installed blik drew its first frame headless"

# ---- 4. PostgreSQL, certificate, configuration ----
step "PostgreSQL started, database and configuration made"
# A socket only: the chroot shares this machine's network.
echo "listen_addresses = ''" >"$root/etc/postgresql/15/main/conf.d/socket-only.conf"
in_root pg_ctlcluster 15 main start || fail "pg_ctlcluster could not start the cluster"
in_root runuser -u postgres -- createuser blik
in_root runuser -u postgres -- createdb -O blik blik
tls=$work/tls
mkdir -p "$tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=Blik test CA" \
  -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tls/server.key" \
  -out "$tls/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$tls/server.ext"
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
  -days 30 -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null
mkdir -p "$root/etc/blik/tls"
cp "$tls/server.pem" "$tls/server.key" "$root/etc/blik/tls/"
in_root chown root:blik /etc/blik/tls/server.key
in_root chmod 0640 /etc/blik/tls/server.key
in_root install -m 0640 -o root -g blik /etc/blik/blik-server.conf.example \
  /etc/blik/blik-server.conf
# This machine's network is the chroot's: any free port, written to the
# state folder, which systemd would make (StateDirectory=blik).
sed -i -e 's/^listen = .*/listen = 127.0.0.1/' -e 's/^port = .*/port = 0/' \
  -e 's|^# port-file =.*|port-file = /var/lib/blik/port|' "$root/etc/blik/blik-server.conf"
in_root install -d -o blik -g blik -m 0750 /var/lib/blik
grep -v '^#' "$root/etc/blik/blik-server.conf" | grep .

# ---- 5. the server, as its unit runs it ----
step "blik-server started as its unit says and a unit made"
user=$(sed -n 's/^User=//p' "$unit")
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
say "User=$user ExecStart=$exec_start"
[ -f "$root$condition" ] || fail "the unit's condition does not hold"
# shellcheck disable=SC2086
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin LANG=C.UTF-8 \
  setpriv --reuid="$user" --regid="$user" --init-groups --no-new-privs -- $exec_start \
  >"$work/server.log" 2>&1 &
server_pid=$!
i=0
until [ -s "$root/var/lib/blik/port" ] && url=https://localhost:$(cat "$root/var/lib/blik/port") &&
  curl -s -o /dev/null --cacert "$tls/ca.pem" "$url/"; do
  i=$((i + 1))
  kill -0 "$server_pid" 2>/dev/null || fail "blik-server stopped: $(cat "$work/server.log")"
  [ $i -lt 300 ] || fail "blik-server did not answer within 30 s: $(cat "$work/server.log")"
  sleep 0.1
done
cat "$work/server.log"
# The administrator's commands, as the service's user with its configuration.
admin() { in_root runuser -u blik -- blik-server admin --config /etc/blik/blik-server.conf "$@"; }
unit_id=$(admin unit-add --name "Børnehuset Mælkebøtten")
room=$(admin room-add --unit "$unit_id" --name "Stue 1")
leader=$(admin person-add --unit "$unit_id" --name "Karen Holm" --role leader)
peer=$(admin person-add --unit "$unit_id" --name "Jonas Berg" --role peer)
tid=$(cat /proc/sys/kernel/random/uuid)
cat >"$root/tmp/template.json" <<EOF
{"id":"$tid","unit_id":"$unit_id","version":1,"name":"Spørgsmål",
 "scale":["ikke set","delvis","tydeligt"],
 "counters":[{"key":"open_q","label":"Åbent spørgsmål"}],
 "thresholds":{"green_pct":70,"yellow_pct":40}}
EOF
chmod 0644 "$root/tmp/template.json"
template=$(admin template-add --unit "$unit_id" --file /tmp/template.json)
year=$(date +%Y)
focus=$(admin focus-add --unit "$unit_id" --question "Hvordan stiller vi åbne spørgsmål?" \
  --from "$year-01-01" --to "$year-12-31" --template "$template" \
  --sign "Børnene svarer i hele sætninger" --pillar learning)
code=$(admin enrol-code --unit "$unit_id")
say "unit $unit_id, focus $focus, enrolment code $code"

# ---- 6. a tablet ----
step "a headless tablet enrolled, observed and synced"
cp "$tablet_bin" "$root/tmp/install_tablet"
cp "$tls/ca.pem" "$root/tmp/ca.pem"
mkdir -p "$root/tmp/tablet"
obs=$(in_root /tmp/install_tablet /tmp/tablet "$url" "$code" /tmp/ca.pem "$focus" "$leader" \
  "$peer" "$room" 2>"$work/tablet.log") || fail "the tablet: $(cat "$work/tablet.log")"
cat "$work/tablet.log"
say "observation $obs synced"
admin device-list --unit "$unit_id" | tee "$work/devices.txt"
grep -q "Stue 1 (installation test)" "$work/devices.txt" || fail "the server does not list the tablet"
admin export --unit "$unit_id" --format wide --csv-style intl >"$work/export.csv"
grep -q "$obs" "$work/export.csv" || fail "the export lacks observation $obs: $(cat "$work/export.csv")"
say "the server exports observation $obs ($(wc -l <"$work/export.csv") lines with the header)"

# ---- 7. stop ----
step "blik-server stopped on SIGTERM"
kill -TERM "$server_pid"
rc=0
wait "$server_pid" || rc=$?
server_pid=
[ "$rc" = 0 ] || fail "blik-server exited $rc on SIGTERM: $(tail -5 "$work/server.log")"
tail -1 "$work/server.log"
step "root removed"
cleanup
trap - EXIT
step done
say "passed in $(($(date +%s) - start_all)) s"
