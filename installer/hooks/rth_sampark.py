"""PyInstaller runtime hook: runs before Sampark's code in the frozen app.

* Qt's plugin folder from the bundle (PySide6's hook sets it; kept explicit for clarity).
"""

import os
import sys

base = getattr(sys, "_MEIPASS", "")
plugins = os.path.join(base, "PySide6", "plugins")
if base and os.path.isdir(plugins):
    os.environ.setdefault("QT_PLUGIN_PATH", plugins)
