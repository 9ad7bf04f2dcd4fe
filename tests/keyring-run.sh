#!/bin/sh
# keyring-run.sh PROGRAM [ARGS...] — run one test on a private session bus with its own
# unlocked gnome-keyring, so libsecret talks to a real Secret Service.
#
# The private bus has no service activation (dbus-session.conf), so the daemon is started
# here, and stopped by its process id when the test ends.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

if [ "${1:-}" != "--inside" ]; then
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/samantha-keyring.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT INT TERM
  mkdir -m 700 "$tmp/runtime" "$tmp/home"
  export HOME="$tmp/home"
  export XDG_DATA_HOME="$tmp/home/data" XDG_CONFIG_HOME="$tmp/home/config"
  export XDG_CACHE_HOME="$tmp/home/cache" XDG_RUNTIME_DIR="$tmp/runtime"
  status=0
  dbus-run-session --config-file="$here/dbus-session.conf" -- "$0" --inside "$@" || status=$?
  exit $status
fi
shift

# The daemon reads the new login keyring's password from stdin and stays in the foreground,
# so its id is ours to stop.
printf '%s' samantha-test | gnome-keyring-daemon --foreground --unlock --components=secrets \
  >"$XDG_RUNTIME_DIR/keyring.log" 2>&1 &
daemon=$!

owned=false
for _ in $(seq 100); do
  if gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
       --method org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets 2>/dev/null |
     grep -q true; then
    owned=true
    break
  fi
  sleep 0.05
done
if [ "$owned" != true ]; then
  echo "Bail out! gnome-keyring-daemon did not appear on the bus"
  cat "$XDG_RUNTIME_DIR/keyring.log"
  kill "$daemon" 2>/dev/null || true
  exit 1
fi

unset SECRET_BACKEND SECRET_FILE_TEST_PATH
export SAMANTHA_TEST_SECRET_SERVICE=1
export SAMANTHA_TEST_KEYRING_DIR="$XDG_DATA_HOME/keyrings"
status=0
"$@" || status=$?

kill "$daemon" 2>/dev/null || true
wait "$daemon" 2>/dev/null || true
exit $status
