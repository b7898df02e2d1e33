#!/usr/bin/env bash
# Installs everything the kiosk needs on a Debian/Ubuntu machine, then either
# starts the kiosk with simulated devices (`run`) or runs the whole test suite
# (`test`). Safe to run again: each step is skipped when already done.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
action="${1:-run}"
shift || true
venv="$here/.venv"

say() { printf '[bootstrap] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root for: $*"; return 1; fi
}

# System packages: a virtual display with software GL, a CJK font, xdotool for the
# end-to-end test, espeak-ng for offline voice prompts, and the libraries the
# OpenCV and Kivy wheels load at run time.
system_packages_missing() {
  command -v Xvfb >/dev/null || return 0
  command -v xvfb-run >/dev/null || return 0
  command -v xdotool >/dev/null || return 0
  command -v espeak-ng >/dev/null || return 0
  command -v xwd >/dev/null || return 0
  fc-list 2>/dev/null | grep -qi 'wqy\|noto sans cjk' || return 0
  ldconfig -p | grep -q 'libGL.so.1' || return 0
  ldconfig -p | grep -q 'libmtdev.so.1' || return 0
  ldconfig -p | grep -q 'libgthread-2.0.so.0' || return 0
  python3 -c 'import venv, ensurepip' 2>/dev/null || return 0
  return 1
}

install_system_packages() {
  if ! system_packages_missing; then return; fi
  say "installing system packages (Xvfb, Mesa GL, CJK font, xdotool, espeak-ng)…"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  local pkgs=(xvfb xauth x11-utils libgl1 libegl1 libgl1-mesa-dri fonts-wqy-microhei fontconfig
              xdotool espeak-ng libmtdev1 python3-venv)
  # glib was renamed on newer Ubuntu (t64 transition).
  if apt-cache show libglib2.0-0t64 >/dev/null 2>&1; then pkgs+=(libglib2.0-0t64); else pkgs+=(libglib2.0-0); fi
  as_root apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
}

install_python_packages() {
  if [ ! -x "$venv/bin/python" ]; then
    say "creating the virtual environment in .venv…"
    python3 -m venv "$venv"
  fi
  local stamp="$venv/.installed-$(cat pyproject.toml setup.py | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    say "installing Python packages (kivy, pyserial, python-escpos, opencv-python, sqlite-utils, …)…"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -e ".[test]"
    rm -f "$venv"/.installed-*
    touch "$stamp"
  fi
}

# Runs "$@" on the existing display, or on a fresh Xvfb when there is none.
with_display() {
  if [ -n "${DISPLAY:-}" ] && xdpyinfo >/dev/null 2>&1; then
    "$@"
  else
    say "no display: starting Xvfb"
    xvfb-run -a -s "-screen 0 1920x1080x24 +extension GLX" "$@"
  fi
}

install_system_packages
install_python_packages

case "$action" in
  run)
    with_display "$venv/bin/kiosk" run "$@"
    ;;
  test)
    status=0
    # -k: SDL turns SIGTERM into a close request, so a hung run needs SIGKILL.
    with_display timeout -k 10 1500 "$venv/bin/python" -m pytest "$@" || status=$?
    if [ "$status" = 5 ]; then say "pytest collected no tests: failing the run"; status=1; fi
    exit "$status"
    ;;
  *)
    say "usage: ./bootstrap.sh run|test [arguments]"; exit 2
    ;;
esac
