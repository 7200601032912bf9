#!/usr/bin/env bash
# Install what Sampark needs on Debian/Ubuntu, then a project venv in .venv.
#
#   scripts/install-deps.sh          runtime: Qt/PortAudio libraries, fonts, .venv with the app
#                                    (and the server extra: the demo embeds the server)
#   scripts/install-deps.sh --test   also the test peers (sipp, kamailio, baresip, jackd, Xvfb)
#                                    and every extra in pyproject.toml (test, ...)
#   scripts/install-deps.sh --windows  also Wine, mingw-w64 and msitools, and downloads the
#                                    Windows CPython and wheels for the Windows build under
#                                    Wine (installer/windows/winebuild.py fetch; network)
#
# Idempotent and quick on a second run: apt runs only for missing packages, pip only when
# pyproject.toml changed since the last install. Environment knobs:
#   PYTHON=/path/to/python3.x   interpreter for the venv (default: first 3.12/3.11 found)
#   VENV=dir                    venv location (default: .venv in the repo)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
MODE=runtime
[[ "${1:-}" == "--test" ]] && MODE=test
[[ "${1:-}" == "--windows" ]] && MODE=windows

# Runtime: PortAudio for sounddevice; the libraries PySide6's wheels load for the offscreen
# and xcb platforms; a Devanagari font for the Hindi interface.
RUNTIME_PKGS=(
  libportaudio2
  libegl1 libgl1 libglib2.0-0 libdbus-1-3 libfontconfig1 libfreetype6
  libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1
  fonts-dejavu-core fonts-lohit-deva
)
# Tests and benchmarks: real SIP peers, a paced PortAudio device (JACK dummy), a display.
TEST_PKGS=(sip-tester kamailio baresip jackd2 xvfb stunnel4 openssl)
# The MSI is authored and checked on Linux too (installer/build_msi.py, tests/installer).
TEST_PKGS+=(wixl msitools)
# The Windows build and its MSI under Wine (make test-windows): Wine 8, mingw-w64 for the
# prefix's ProcessPrng stand-in (installer/windows/wine/bcryptprimitives.c).
WINDOWS_PKGS=(wine wine64 gcc-mingw-w64-x86-64-win32)

log() { printf '==> %s\n' "$*" >&2; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else log "need root for: $*"; exit 1
  fi
}

missing_debs() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || echo "$pkg"
  done
}

install_debs() {
  local missing
  mapfile -t missing < <(missing_debs "$@")
  ((${#missing[@]})) || return 0
  log "apt-get install ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
}

python_ok() {
  "$1" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 12))' 2>/dev/null
}

pick_python() {
  local cand
  for cand in ${PYTHON:-} python3.12 python3.11 python3; do
    if command -v "$cand" >/dev/null && python_ok "$cand"; then echo "$cand"; return 0; fi
  done
  # Debian bookworm's own python3 is 3.11.
  install_debs python3 python3-venv >&2
  python_ok python3 && { echo python3; return 0; }
  log "no Python 3.11-3.12 found; set PYTHON=..."; exit 1
}

make_venv() {
  if [[ -x "$VENV/bin/python" ]] && python_ok "$VENV/bin/python"; then return 0; fi
  local py
  py="$(pick_python)"
  log "creating $VENV with $py ($("$py" --version))"
  if ! "$py" -m venv "$VENV" >/dev/null 2>&1; then
    # Debian splits venv/ensurepip into python3.X-venv.
    rm -rf "$VENV"
    install_debs python3-venv "$("$py" -c 'import sys; print("python3.%d-venv" % sys.version_info[1])')"
    "$py" -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install -q --upgrade pip
}

all_extras() {
  "$VENV/bin/python" - "$ROOT/pyproject.toml" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    extras = tomllib.load(f)["project"].get("optional-dependencies", {})
print(",".join(sorted(extras)) or "test")
PY
}

fresh() { [[ -f "$1" && "$1" -nt "$ROOT/pyproject.toml" ]]; }

pip_install() {
  local extra="$1" stamp="$VENV/.sampark-$1.stamp"
  fresh "$stamp" && return 0
  [[ $extra == runtime ]] && fresh "$VENV/.sampark-test.stamp" && return 0
  # The runtime includes the server extra: `sampark demo` embeds the central server.
  local target=".[server]"
  # Test mode installs every extra (test, and e.g. server if defined): the suite covers all.
  [[ "$extra" == test ]] && target=".[$(all_extras)]"
  log "pip install -e '$target'"
  (cd "$ROOT" && "$VENV/bin/python" -m pip install -q -e "$target")
  touch "$stamp"
}

install_debs "${RUNTIME_PKGS[@]}"
[[ $MODE != runtime ]] && install_debs "${TEST_PKGS[@]}"
[[ $MODE == windows ]] && install_debs "${WINDOWS_PKGS[@]}"
make_venv
if [[ $MODE == runtime ]]; then pip_install runtime; else pip_install test; fi
if [[ $MODE == windows ]]; then "$VENV/bin/python" "$ROOT/installer/windows/winebuild.py" fetch; fi
