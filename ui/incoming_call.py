"""The incoming-call prompt: caller id, Answer / Reject, driven from the keyboard too.

Enter (or F2) answers, Esc (or F3) rejects. The prompt is not modal, so the caller window stays
usable; it closes itself when the call is answered, rejected or cancelled by the far end.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from softphone.phone import Phone
from softphone.sip.events import IncomingCall
from ui.actions import CommandActions
from ui.widgets import display_uri


class IncomingCallDialog(QDialog):
    def __init__(
        self,
        phone: Phone,
        actions: CommandActions,
        call: IncomingCall,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("incoming_call_dialog")
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.call = call
        self._actions = actions
        self._answered_or_rejected = False
        self.caller_label = QLabel(self)
        self.caller_label.setObjectName("caller_label")
        self.caller_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.heading = QLabel(self)
        self.answer_button = QPushButton(self)
        self.answer_button.setObjectName("answer_button")
        self.answer_button.setDefault(True)
        self.reject_button = QPushButton(self)
        self.reject_button.setObjectName("reject_button")
        self.answer_button.clicked.connect(lambda: self._run("answer"))
        self.reject_button.clicked.connect(lambda: self._run("reject"))
        self.addActions([actions["answer"], actions["reject"]])  # F2 / F3 inside the prompt
        self._build()
        self.retranslate()
        phone.incoming_call_withdrawn.connect(self._on_withdrawn)

    def _build(self) -> None:
        font = self.caller_label.font()
        font.setPointSize(font.pointSize() + 4)
        font.setBold(True)
        self.caller_label.setFont(font)
        buttons = QHBoxLayout()
        buttons.addWidget(self.answer_button)
        buttons.addWidget(self.reject_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.caller_label)
        layout.addLayout(buttons)

    def caller_text(self) -> str:
        return display_uri(self.call.remote_uri, self.call.remote_display)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Incoming call"))
        self.heading.setText(self.tr("Incoming call from"))
        self.caller_label.setText(self.caller_text())
        self.answer_button.setText(self.tr("&Answer"))
        self.answer_button.setToolTip(self.tr("Answer (Enter, F2)"))
        self.reject_button.setText(self.tr("&Reject"))
        self.reject_button.setToolTip(self.tr("Reject (Esc, F3)"))

    def reject(self) -> None:
        """Esc or the close box rejects the call (QDialog's own reject)."""
        if not self._answered_or_rejected:
            self._run("reject")
            return
        super().reject()

    def _run(self, command_id: str) -> None:
        self._answered_or_rejected = True
        self._actions.trigger(command_id)
        self.done(QDialog.DialogCode.Accepted)

    def _on_withdrawn(self, call_id: int) -> None:
        if call_id == self.call.call_id:
            self._answered_or_rejected = True
            self.done(QDialog.DialogCode.Rejected)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
