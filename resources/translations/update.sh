#!/bin/sh
# Refresh the Hindi translation source from the code, then compile it.
#   resources/translations/update.sh            (from anywhere; uses the venv's tools if set)
# Edit sampark_hi.ts (Qt Linguist or a text editor), then run this again to rebuild the .qm.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${PYSIDE6_BIN:-$(dirname "$(command -v python3)")}
[ -x "$bin/pyside6-lupdate" ] || bin=/tmp/venv/bin
cd "$root"
sources=$(find ui -name '*.py' | sort; echo softphone/commands.py softphone/phone.py softphone/monitor/supervisor.py)
# shellcheck disable=SC2086
"$bin/pyside6-lupdate" -locations none -no-obsolete $sources -ts "$here/sampark_hi.ts"
"$bin/pyside6-lrelease" "$here/sampark_hi.ts" -qm "$here/sampark_hi.qm"
