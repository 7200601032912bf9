#!/bin/bash
# Exercise the MSI's logic under Wine's msiexec (not run by CI; see installer/windows/README.md).
#   installer/windows/wine_msi_check.sh MSI_DIR
# MSI_DIR holds Sampark-1.0.0-x64.msi, -1.1.0-, -1.2.0- and -0.9.0- built by
# installer/build_msi.py from a Windows bundle whose Sampark.exe handles --provision
# (the real app, or the stand-in built by build_standin.sh). WINEPREFIX must be set.
# Workaround: msiexec runs under `wine cmd /c "... > file"`, else the custom action's
# Sampark.exe dies with "Fatal Python error: init_sys_streams ... [WinError 6] Invalid handle".
set -u
msis=$(cd "$1" && pwd)
export WINEDEBUG=-all
C="$WINEPREFIX/drive_c"
ini="$C/ProgramData/Sampark/sampark.ini"
fail=0
me=${USER:-$(id -un)}
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
msiexec() {  # msiexec ARGS… → exit code of msiexec
  wine cmd /c "msiexec $* /qn /l*v Z:${msis//\//\\}\\last.log > Z:${msis//\//\\}\\msiexec.out 2>&1" < /dev/null
  local rc=$?; wineserver -w; return $rc
}
win() { echo "Z:${msis//\//\\}\\Sampark-$1-x64.msi"; }

for v in 1.0.0 1.1.0 1.2.0 0.9.0; do msiexec /x "$(win $v)"; done  # a clean start
rm -rf "$C/ProgramData/Sampark" "$C/Program Files/Sampark"
start=$(date +%s)
msiexec /i "$(win 1.0.0)" SERVER_URL=https://one.example CENTRE_ID=7 SIP_DOMAIN=pbx.example SIP_TRANSPORT=TCP
check "install 1.0.0 with properties (exit $?)" '[ -f "$C/Program Files/Sampark/Sampark.exe" ]'
check "INI written" 'grep -q "server_url = https://one.example" "$ini" && grep -q "sip_transport = tcp" "$ini"'
check "tel: handler registered" 'wine reg query "HKLM\\Software\\Classes\\tel\\shell\\open\\command" 2>/dev/null | grep -q Sampark.exe'
# Wine 8 puts it in the user's Start menu although ALLUSERS=1 (Windows: ProgramData's).
check "Start-menu shortcut" 'find "$C" -iname Sampark.lnk | grep -q "Start Menu/Programs/Sampark.lnk"'
msiexec /i "$(win 1.1.0)"
check "upgrade to 1.1.0 without properties keeps the INI" 'grep -q "server_url = https://one.example" "$ini" && grep -q "centre_id = 7" "$ini"'
check "only one Sampark registered after the upgrade" '[ "$(wine reg query "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall" /s 2>/dev/null | grep -c "DisplayName.*Sampark")" -le 1 ]'
msiexec /i "$(win 1.2.0)" SERVER_URL=https://two.example
check "upgrade to 1.2.0 with a new SERVER_URL: it wins, the rest is kept" 'grep -q "server_url = https://two.example" "$ini" && grep -q "centre_id = 7" "$ini"'
msiexec /i "$(win 0.9.0)"; rc=$?
check "downgrade to 0.9.0 refused (exit $rc)" '[ $rc -ne 0 ] && grep -q "server_url = https://two.example" "$ini"'
mkdir -p "$C/users/$me/AppData/Local/Sampark/logs"; echo x > "$C/users/$me/AppData/Local/Sampark/journal.sqlite3"
msiexec /x "$(win 1.2.0)"
check "uninstall removes the program" '[ ! -f "$C/Program Files/Sampark/Sampark.exe" ]'
check "uninstall keeps journals and the INI" '[ -f "$C/users/$me/AppData/Local/Sampark/journal.sqlite3" ] && [ -f "$ini" ]'
msiexec /i "$(win 1.2.0)"
msiexec /x "$(win 1.2.0)" REMOVE_USER_DATA=1
check "REMOVE_USER_DATA=1 removes journals and the INI" '[ ! -e "$C/users/$me/AppData/Local/Sampark" ] && [ ! -f "$ini" ]'
echo "wine msi check: $(( $(date +%s) - start )) s"
exit $fail
