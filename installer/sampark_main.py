"""Entry point of the frozen app (PyInstaller): the same ``main`` as the ``sampark`` command."""

import sys

from ui.launcher import main

if __name__ == "__main__":
    sys.exit(main())
