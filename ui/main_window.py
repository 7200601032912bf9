"""The caller window: layout and wiring only (STYLE.md 10).

Panels get what they need through their constructors: the ``Phone`` session model, the shared
command actions, the settings. Nothing here talks to pjsua2 or blocks; every call action goes
through ``ui.actions.CommandActions`` → ``softphone.commands`` → ``Phone`` → the engine's
non-blocking commands.

Campaign mode (a ``CallerWorkflow`` is given): the campaign screen (``ui.campaign_view``) is
the centre of the window, the call panel sits beside it, the dial pad is hidden (View → Dial
pad shows it), Enter saves during wrap-up or dials the contact's first number, and the status
bar shows the sync state (``ui.sync_indicator``) plus refusals and problems.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from softphone import phone as phone_module
from softphone.audio.ringer import Ringer
from softphone.config import Settings
from softphone.phone import Failure, Phone
from softphone.sip.events import IncomingCall, RegState, TransferProgress
from ui import i18n
from ui.actions import CommandActions
from ui.audio_devices import DeviceProvider, HeadsetSwitcher, default_provider
from ui.call_panel import CallPanel
from ui.campaign_view import CampaignView
from ui.dial_pad import DialPanel
from ui.incoming_call import IncomingCallDialog
from ui.settings_dialog import SettingsDialog
from ui.sync_indicator import SyncIndicator

_CALL_MENU = ("dial", "answer", "reject", "hangup", "hold", "mute", "transfer")
_CAMPAIGN_MENU = ("ready", "pause", "dial_contact", "skip_contact", "save_outcome")
MESSAGE_MS = 15000


class MainWindow(QMainWindow):
    logout_requested = Signal()

    def __init__(
        self,
        phone: Phone,
        settings: Settings,
        audio_devices_provider: DeviceProvider | None = None,
        parent: QWidget | None = None,
        *,
        ringer: Ringer | None = None,
        workflow: Any = None,
        campaign: Any = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.phone = phone
        self.settings = settings
        self.ringer = ringer
        self.switcher = HeadsetSwitcher(phone.engine, audio_devices_provider or default_provider)
        self.actions = CommandActions(phone, parent=self)
        self.registration_label = QLabel(self)
        self.registration_label.setObjectName("registration_label")
        self.dial_panel = DialPanel(self.actions, self)
        self.call_panel = CallPanel(phone, self.actions, self)
        self.incoming_dialog: IncomingCallDialog | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.transfer_dialog: QInputDialog | None = None
        self._call_menu = QMenu(self)
        self._tools_menu = QMenu(self)
        self._campaign_menu = QMenu(self)
        self.workflow = workflow
        self.campaign_view: CampaignView | None = None
        self.sync_indicator: SyncIndicator | None = None
        if workflow is not None:
            self.campaign_view = CampaignView(workflow, campaign, self.actions, self)
            self.sync_indicator = SyncIndicator(self)
        self._wire_handlers()
        self._build()
        self._connect_phone()
        self._connect_workflow()
        self.retranslate()
        self.dial_panel.entry.setFocus()

    # -- layout ----------------------------------------------------------------------
    def _build(self) -> None:
        for command_id in _CALL_MENU:
            self._call_menu.addAction(self.actions[command_id])
        self._tools_menu.addAction(self.actions["settings"])
        self._tools_menu.addAction(self.actions["about"])
        self._tools_menu.addSeparator()
        self._tools_menu.addAction(self.actions["quit"])
        if self.campaign_view is not None:
            for command_id in _CAMPAIGN_MENU:
                self._campaign_menu.addAction(self.actions[command_id])
            self._campaign_menu.addSeparator()
            self._campaign_menu.addAction(self.actions["logout"])
            self.menuBar().addMenu(self._campaign_menu)
            self._tools_menu.insertAction(self.actions["quit"], self.actions["dial_pad"])
        self.menuBar().addMenu(self._call_menu)
        self.menuBar().addMenu(self._tools_menu)
        self.addActions(self.actions.all())  # every shortcut works anywhere in the window
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addWidget(self.registration_label)
        layout.addLayout(self._body())
        self.setCentralWidget(central)
        if self.sync_indicator is not None:
            self.statusBar().addPermanentWidget(self.sync_indicator)

    def _body(self) -> QHBoxLayout:
        body = QHBoxLayout()
        if self.campaign_view is None:
            body.addWidget(self.dial_panel, 1)
            body.addWidget(self.call_panel, 1)
            return body
        side = QVBoxLayout()
        side.addWidget(self.call_panel)
        side.addWidget(self.dial_panel, 1)
        side.addStretch(0)
        body.addWidget(self.campaign_view, 3)
        body.addLayout(side, 1)
        self.dial_panel.setVisible(False)
        return body

    def _wire_handlers(self) -> None:
        self.actions.set_handler("dial", self._dial)
        self.actions.set_handler("dial_pad", self.toggle_dial_pad)
        self.actions.set_handler("transfer", self._ask_transfer_target)
        self.actions.set_handler("settings", self.open_settings)
        self.actions.set_handler("about", self.open_about)
        self.actions.set_handler("quit", self.close)

    def _connect_phone(self) -> None:
        self.phone.registration_changed.connect(self._show_registration)
        self.phone.commands_changed.connect(self._show_registration)
        self.phone.incoming_call_arrived.connect(self._show_incoming)
        self.phone.incoming_call_withdrawn.connect(self._stop_ringing)
        self.phone.failure_reported.connect(self._show_failure)
        self.phone.transfer_progressed.connect(self._show_transfer)
        self.phone.call_ended.connect(self._after_call)

    def _connect_workflow(self) -> None:
        if self.workflow is None or self.campaign_view is None:
            return
        wf = self.workflow
        wf.refused.connect(lambda text: self.show_message(self.tr("Not dialled: %1"), text))
        wf.problem.connect(lambda text: self.show_message(self.tr("Problem: %1"), text))
        assert self.sync_indicator is not None
        wf.sync_status_changed.connect(self.sync_indicator.show_status)
        self.campaign_view.logout_requested.connect(self.logout_requested.emit)

    def _dial(self) -> None:
        """Enter / Dial: in campaign mode the campaign first (save the wrap-up or dial the
        contact), otherwise whatever is in the number field."""
        if self.campaign_view is not None and self.campaign_view.enter_pressed():
            return
        if self.dial_panel.number():
            self.phone.dial(self.dial_panel.number())

    def toggle_dial_pad(self) -> None:
        shown = not self.dial_panel.isVisible()
        self.dial_panel.setVisible(shown)
        self.actions["dial_pad"].setChecked(shown)
        if shown:
            self.dial_panel.entry.setFocus()

    def show_message(self, template: str, text: str) -> None:
        self.statusBar().showMessage(template.replace("%1", text), MESSAGE_MS)

    # -- reactions -------------------------------------------------------------------
    def _show_registration(self, *_args: object) -> None:
        phone = self.phone
        if phone.account_id is None:
            text = self.tr("No account")
        elif not phone.registers:
            text = self.tr("Ready (no registrar)")
        else:
            text = {
                RegState.REGISTERED: self.tr("Registered"),
                RegState.REGISTERING: self.tr("Registering…"),
                RegState.UNREGISTERED: self.tr("Not registered"),
                RegState.FAILED: self.tr("Registration failed: %1 %2"),
            }[phone.reg_state]
            text = text.replace("%1", str(phone.reg_code)).replace("%2", phone.reg_reason)
        colour = "#2e9d3a" if phone.ready() else "#d0302a"
        self.registration_label.setText(f'<span style="color:{colour}">●</span> {text}')

    def _after_call(self, _info: object) -> None:
        if self.campaign_view is None:
            self.dial_panel.entry.setFocus()

    def _show_incoming(self, call: IncomingCall) -> None:
        if self.ringer is not None:
            self.ringer.start()
        dialog = IncomingCallDialog(self.phone, self.actions, call, self)
        dialog.finished.connect(lambda _r: setattr(self, "incoming_dialog", None))
        self.incoming_dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _stop_ringing(self, _call_id: int) -> None:
        if self.ringer is not None:
            self.ringer.stop()

    def _show_transfer(self, progress: TransferProgress) -> None:
        text = self.tr("Transfer: %1 %2").replace("%1", str(progress.code))
        self.statusBar().showMessage(text.replace("%2", progress.reason), MESSAGE_MS)

    def _show_failure(self, failure: Failure) -> None:
        reason = QCoreApplication.translate(phone_module.TRANSLATION_CONTEXT, failure.reason)
        text = f"{failure.code} {reason}" if failure.code else reason
        self.show_message(self.tr("Problem: %1"), text)

    def _ask_transfer_target(self) -> QInputDialog:
        """A non-modal prompt for the transfer target; the REFER goes out when it is accepted."""
        dialog = QInputDialog(self)
        dialog.setObjectName("transfer_dialog")
        dialog.setWindowTitle(self.tr("Transfer call"))
        dialog.setLabelText(self.tr("Transfer to number or SIP address:"))
        dialog.setOkButtonText(self.tr("Transfer"))
        dialog.setCancelButtonText(self.tr("Cancel"))
        dialog.textValueSelected.connect(
            lambda target: target.strip() and self.phone.transfer(target)
        )
        dialog.finished.connect(lambda _r: setattr(self, "transfer_dialog", None))
        self.transfer_dialog = dialog
        dialog.open()
        return dialog

    def open_settings(self) -> SettingsDialog:
        if self.settings_dialog is None:
            dialog = SettingsDialog(self.settings, self.switcher.names(), self)
            dialog.devices_chosen.connect(self._switch_devices)
            dialog.language_chosen.connect(self._switch_language)
            dialog.finished.connect(lambda _r: setattr(self, "settings_dialog", None))
            self.settings_dialog = dialog
        self.settings_dialog.open()
        return self.settings_dialog

    def open_about(self) -> QDialog:
        from ui.about_dialog import AboutDialog

        dialog = AboutDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _switch_devices(self, capture: str, playback: str, ringer: str) -> None:
        self.switcher.switch(capture, playback)
        if self.ringer is not None and ringer != self.ringer.device:
            self.ringer.set_device(ringer)

    def _switch_language(self, language: str) -> None:
        app = QCoreApplication.instance()
        if app is not None:
            i18n.install(app, language)

    # -- translation -----------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Sampark — caller"))
        if self.workflow is not None:
            name = getattr(getattr(self.workflow, "session", None), "username", "")
            if name:
                self.setWindowTitle(self.tr("Sampark — caller") + f" — {name}")
        self._call_menu.setTitle(self.tr("&Call"))
        self._tools_menu.setTitle(self.tr("&Tools"))
        self._campaign_menu.setTitle(self.tr("C&ampaign"))
        self.actions.retranslate()
        self._show_registration()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
