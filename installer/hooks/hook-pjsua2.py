# pjsua2-python: the SWIG wrapper imports its extension lazily; bundle both and its libs.
from PyInstaller.utils.hooks import collect_dynamic_libs

hiddenimports = ["pjsua2.pjsua2", "pjsua2._pjsua2", "pjsua2._version"]
binaries = collect_dynamic_libs("pjsua2")
