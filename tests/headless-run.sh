#!/bin/sh
# headless-run.sh PROGRAM [ARGS...] — run one test with its own Xvfb and D-Bus session bus.
#
# Xvfb picks a free display through -displayfd, so tests can run in parallel without racing
# for a display number, and each test owns its bus names on a private bus.
set -eu

tmp=$(mktemp -d "${TMPDIR:-/tmp}/samantha-test.XXXXXX")
xvfb_pid=
cleanup () {
  if [ -n "$xvfb_pid" ]; then
    kill "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

mkfifo "$tmp/displayfd"
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp -noreset 3>"$tmp/displayfd" >/dev/null 2>&1 &
xvfb_pid=$!
read -r display <"$tmp/displayfd"

mkdir -m 700 "$tmp/runtime"
export DISPLAY=":$display"
export GDK_BACKEND=x11
export XDG_RUNTIME_DIR="$tmp/runtime"

here=$(cd "$(dirname "$0")" && pwd)
dbus-run-session --config-file="$here/dbus-session.conf" -- "$@"
