"""Sampark softphone core: SIP engine, audio, journal, sync and campaign logic.

Importable without a display. May use QtCore, never QtWidgets or QtGui (a test enforces it).
"""

__version__ = "0.1.0"
