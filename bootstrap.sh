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
# OpenCV and Kivy wheels load at run time. The probe asks dpkg about exactly the
# packages installed below, so a finished machine never runs apt again.
# The programs the tests and this script run all come from them: Xvfb and xvfb-run
# (xvfb; xauth for xvfb-run's cookie), xdpyinfo (x11-utils), xdotool, espeak-ng.
# Screenshots are taken with Pillow (a Python dependency), not with a program.
# The icon font on the tiles: Material Design Icons (SIL OFL), fonts-materialdesignicons-webfont.
# Tesseract with its orientation model (osd): bench/scan_bench.py compares the page turning
# (devices/camera/page_orient.py, ONNX models from a wheel) with the OSD it replaced.
# A Song (Ming) typeface, fonts-arphic-uming: synthetic pages set as official documents are
# (GB/T 9704: 仿宋/宋体), for the camera tests and benches.
# chromium: the hall server's browser tests drive the system's chromium through Playwright
# (`playwright install` is never run); libatomic1: Playwright's bundled node driver needs it
# (a clean Debian 12 root has no libatomic.so.1).
SYSTEM_PACKAGES=(xvfb xauth x11-utils libgl1 libegl1 libgl1-mesa-dri fonts-wqy-microhei fontconfig
                 tesseract-ocr tesseract-ocr-osd fonts-arphic-uming
                 fonts-materialdesignicons-webfont xdotool espeak-ng libmtdev1 python3-venv libatomic1)
# glib was renamed on newer Ubuntu (t64 transition): either name will do.
GLIB_PACKAGES=(libglib2.0-0t64 libglib2.0-0)
# Debian names the browser chromium; Ubuntu chromium-browser: either will do.
CHROMIUM_PACKAGES=(chromium chromium-browser)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

system_packages_missing() {
  local pkg
  for pkg in "${SYSTEM_PACKAGES[@]}"; do installed "$pkg" || return 0; done
  installed "${GLIB_PACKAGES[0]}" || installed "${GLIB_PACKAGES[1]}" || return 0
  # The programs the tests start, checked by name too (a package can be half removed).
  command -v Xvfb >/dev/null && command -v xvfb-run >/dev/null && command -v xdotool >/dev/null || return 0
  command -v chromium >/dev/null || command -v chromium-browser >/dev/null || return 0
  return 1
}

install_system_packages() {
  if ! system_packages_missing; then return; fi
  say "installing system packages (Xvfb, Mesa GL, CJK and icon fonts, xdotool, espeak-ng, tesseract, chromium)…"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  local pkgs=("${SYSTEM_PACKAGES[@]}")
  if apt-cache show "${GLIB_PACKAGES[0]}" >/dev/null 2>&1; then pkgs+=("${GLIB_PACKAGES[0]}"); else pkgs+=("${GLIB_PACKAGES[1]}"); fi
  if apt-cache show "${CHROMIUM_PACKAGES[0]}" >/dev/null 2>&1; then pkgs+=("${CHROMIUM_PACKAGES[0]}"); else pkgs+=("${CHROMIUM_PACKAGES[1]}"); fi
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
    # Two pytest-xdist workers per core, each on an Xvfb display of its own
    # (tests/display.py): a third of the suite's time is tests waiting on a process,
    # a held database or a camera timeout, and a second worker per core fills it
    # (2 cores: 182 s with one worker per core, 137 s with two). worksteal: a worker
    # that runs out takes pending tests from another (the UI tests are few and long).
    # Arguments given after `test` come later and win: `-n 0` runs in one process.
    # -k: SDL turns SIGTERM into a close request, so a hung run needs SIGKILL.
    workers=$(( $(nproc) * 2 ))
    with_display timeout -k 10 1500 "$venv/bin/python" -m pytest -n "$workers" --dist worksteal "$@" || status=$?
    if [ "$status" = 5 ]; then say "pytest collected no tests: failing the run"; status=1; fi
    exit "$status"
    ;;
  *)
    say "usage: ./bootstrap.sh run|test [arguments]"; exit 2
    ;;
esac
