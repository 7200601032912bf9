"""Click-to-dial handed to the running window (``softphone.single_instance``).

``UriHandoff`` takes the messages of later launches (``"show"``, ``"dial <target>"``) and the
URI the first launch was started with. It brings the caller window forward and, for a number,
asks "Call …?" before dialling, unless the machine setting ``auto_dial_uri`` allows dialling
at once. While no window exists yet (campaign mode before login) requests wait in a queue and
are offered when the window appears (checked every 500 ms).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer
from PySide6.QtWidgets import QMessageBox

log = logging.getLogger("sampark.uri")
POLL_MS = 500


class UriHandoff(QObject):
    def __init__(
        self, window_of: Callable[[], Any], auto_dial: bool, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._window_of = window_of
        self.auto_dial = auto_dial
        self.pending: list[str] = []
        self.prompt: QMessageBox | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.flush)

    def handle(self, message: str) -> None:
        """One message from another launch (or the first launch's own URI)."""
        verb, _, target = message.partition(" ")
        if verb == "dial" and target:
            log.info("click-to-dial received: %s", target)
            self.pending.append(target)
        elif verb != "show":
            log.warning("unknown single-instance message ignored: %r", message[:80])
        self.flush()

    def flush(self) -> None:
        window = self._window_of()
        if window is None:
            if not self._timer.isActive():
                self._timer.start()
            return
        self._timer.stop()
        _bring_forward(window)
        if self.prompt is not None or not self.pending:
            return
        target = self.pending.pop(0)
        if self.auto_dial:
            self._dial(window, target)
        else:
            self._ask(window, target)

    def _ask(self, window: Any, target: str) -> None:
        tr = QCoreApplication.translate
        box = QMessageBox(window)
        box.setObjectName("uri_confirm")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Sampark")
        box.setText(tr("UriHandoff", "Call %1?").replace("%1", target))
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.finished.connect(lambda result: self._answered(window, target, result))
        self.prompt = box
        log.info("asking the caller before dialling %s", target)
        box.open()

    def _answered(self, window: Any, target: str, result: int) -> None:
        self.prompt = None
        if result == QMessageBox.StandardButton.Yes:
            self._dial(window, target)
        else:
            log.info("the caller declined to dial %s", target)
        self.flush()

    def _dial(self, window: Any, target: str) -> None:
        window.dial_panel.entry.setText(target)
        call_id = window.phone.dial(target)
        log.info("click-to-dial %s: %s", target, "dialling" if call_id is not None else "refused")


def _bring_forward(window: Any) -> None:
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()
