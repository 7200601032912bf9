"""The supervisor's window: layout and wiring only (STYLE.md 10).

The live board (``ui.supervisor_board.BoardView``) with a filter box, the feed's link state
(online / offline, retrying), what is being monitored, a Stop button, problems in the status
bar, the supervisor's own audio devices (the same settings dialog and ``HeadsetSwitcher`` as
the caller window) and Logout (Ctrl+Shift+L). Everything goes through a
``softphone.monitor.supervisor.SupervisorSession``; nothing here blocks.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from softphone.config import Settings
from softphone.monitor.board import BoardLink
from softphone.monitor.supervisor import MonitorStatus, Phase
from ui import i18n
from ui.audio_devices import DeviceProvider, HeadsetSwitcher, default_provider
from ui.settings_dialog import SettingsDialog
from ui.supervisor_board import BoardView

MESSAGE_MS = 15000


class SupervisorWindow(QMainWindow):
    logout_requested = Signal()

    def __init__(
        self,
        session: Any,  # SupervisorSession
        engine: Any,
        settings: Settings,
        audio_devices_provider: DeviceProvider | None = None,
        *,
        username: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("supervisor_window")
        self.session, self.settings, self.username = session, settings, username
        self.switcher = HeadsetSwitcher(engine, audio_devices_provider or default_provider)
        self.settings_dialog: SettingsDialog | None = None
        self.board = BoardView(session, self)
        self.filter = QLineEdit(self)
        self.filter.setObjectName("board_filter")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.board.proxy.set_text)
        self.link_label = QLabel(self)
        self.link_label.setObjectName("link_label")
        self.monitor_label = QLabel(self)
        self.monitor_label.setObjectName("monitor_label")
        self.stop_button = QPushButton(self)
        self.stop_button.setObjectName("stop_monitor_button")
        self.stop_button.clicked.connect(session.stop)
        self._tools_menu = QMenu(self)
        self.settings_action = QAction(self)
        self.settings_action.triggered.connect(self.open_settings)
        self.logout_action = QAction(self)
        self.logout_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.logout_action.triggered.connect(self.logout_requested.emit)
        self._build()
        session.link_changed.connect(self._show_link)
        session.monitor_changed.connect(self._show_monitor)
        session.problem.connect(self.show_problem)
        self.retranslate()

    def _build(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.filter, 2)
        top.addWidget(self.link_label)
        top.addStretch(1)
        top.addWidget(self.monitor_label)
        top.addWidget(self.stop_button)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addLayout(top)
        layout.addWidget(self.board, 1)
        self.setCentralWidget(central)
        self._tools_menu.addAction(self.settings_action)
        self._tools_menu.addSeparator()
        self._tools_menu.addAction(self.logout_action)
        self.menuBar().addMenu(self._tools_menu)
        self.resize(1000, 560)

    # -- state -----------------------------------------------------------------------
    def _show_link(self, link: BoardLink | None = None) -> None:
        link = link or self.session.link
        if link.online:
            text, colour = self.tr("Board live"), "#2e9d3a"
        elif link.error:
            text, colour = self.tr("Board offline — retrying"), "#d0302a"
            self.link_label.setToolTip(link.error)
        else:
            text, colour = self.tr("Connecting…"), "#9a9a9a"
        self.link_label.setText(f'<span style="color:{colour}">●</span> {text}')

    def _show_monitor(self, status: MonitorStatus | None = None) -> None:
        status = status or self.session.status
        self.stop_button.setEnabled(status.agent_id is not None)
        if status.agent_id is None:
            self.monitor_label.setText(self.tr("Not monitoring"))
            return
        row = self.session.row(status.agent_id)
        name = row.name if row is not None else str(status.agent_id)
        modes = {
            "listen": self.tr("Listening to %1"),
            "whisper": self.tr("Whispering to %1"),
            "barge": self.tr("In the call with %1"),
        }
        text = modes.get(str(status.mode), "%1").replace("%1", name)
        if status.phase in (Phase.GRANTING, Phase.CALLING):
            text = self.tr("Connecting to %1…").replace("%1", name)
        elif status.phase == Phase.SWITCHING:
            text += " " + self.tr("(changing mode…)")
        self.monitor_label.setText(text)

    def show_problem(self, text: str) -> None:
        self.statusBar().showMessage(text, MESSAGE_MS)

    # -- settings --------------------------------------------------------------------
    def open_settings(self) -> SettingsDialog:
        if self.settings_dialog is None:
            dialog = SettingsDialog(self.settings, self.switcher.names(), self)
            dialog.devices_chosen.connect(lambda c, p, _r: self.switcher.switch(c, p))
            dialog.language_chosen.connect(self._switch_language)
            dialog.finished.connect(lambda _r: setattr(self, "settings_dialog", None))
            self.settings_dialog = dialog
        self.settings_dialog.open()
        return self.settings_dialog

    def _switch_language(self, language: str) -> None:
        app = QCoreApplication.instance()
        if app is not None:
            i18n.install(app, language)

    # -- translation -----------------------------------------------------------------
    def retranslate(self) -> None:
        title = self.tr("Sampark — supervisor")
        self.setWindowTitle(f"{title} — {self.username}" if self.username else title)
        self.filter.setPlaceholderText(self.tr("Filter: name, booth or state"))
        self.stop_button.setText(self.tr("Stop monitoring"))
        self._tools_menu.setTitle(self.tr("&Tools"))
        self.settings_action.setText(self.tr("Audio devices and language…"))
        self.logout_action.setText(self.tr("Log out"))
        self.board.retranslate()
        self._show_link()
        self._show_monitor()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def closeEvent(self, event: Any) -> None:
        self.session.stop()
        super().closeEvent(event)


__all__ = ["SupervisorWindow"]
