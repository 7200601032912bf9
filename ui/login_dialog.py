"""The login screen: server URL (from the machine config), user name and password.

Logging in runs on a background lane (``softphone.campaign.lanes.Lane``), so the window stays
responsive while the server is slow or unreachable; the result comes back on the GUI thread.
Errors from the sync error tree become one clear sentence (wrong password, server unreachable,
TLS failure, account locked) — never a traceback. On success the token and the shift's SIP
password are already in the keyring (``softphone.campaign.session.login``) and the dialog
emits ``logged_in(Session)`` and closes.

The server URL is normally fixed by the installer (``server_url``, a machine setting); the
field is editable only when it is empty or after ticking "Change server" (advanced).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from softphone.campaign.lanes import Lane, LaneLike

log = logging.getLogger("sampark.login")

LoginFn = Callable[[str, str, str], Any]  # (server_url, username, password) -> Session


def server_login(server_url: str, username: str, password: str, *, verify: bool = True) -> Any:
    """Log in over HTTP with a fresh ``SyncClient`` (runs on the background lane)."""
    import requests

    from softphone.campaign import session as session_module
    from softphone.sync.client import SyncClient

    with requests.Session() as http:
        client = SyncClient(server_url, http, verify=verify)
        return session_module.login(client, username, password, server_url)


class LoginDialog(QDialog):
    logged_in = Signal(object)  # Session

    def __init__(
        self,
        server_url: str = "",
        username: str = "",
        *,
        login: LoginFn | None = None,
        lane: LaneLike | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("login_dialog")
        self.session: Any = None
        self._login = login or server_login
        self._lane: LaneLike = lane or Lane("login", self)
        self._busy = False
        self.server = QLineEdit(server_url.strip(), self)
        self.server.setObjectName("login_server")
        self.advanced = QCheckBox(self)
        self.advanced.setObjectName("login_change_server")
        self.advanced.toggled.connect(self._update_server_field)
        self.username = QLineEdit(username, self)
        self.username.setObjectName("login_username")
        self.password = QLineEdit(self)
        self.password.setObjectName("login_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("login_error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #d0302a")
        self.buttons = QDialogButtonBox(self)
        self.login_button = QPushButton(self)
        self.login_button.setObjectName("login_button")
        self.login_button.setDefault(True)
        self.buttons.addButton(self.login_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.quit_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self._captions = {k: QLabel(self) for k in ("server", "username", "password")}
        self._captions["server"].setBuddy(self.server)
        self._captions["username"].setBuddy(self.username)
        self._captions["password"].setBuddy(self.password)
        self._build()
        self.retranslate()
        self._update_server_field()
        (self.password if username else self.username).setFocus()

    def _build(self) -> None:
        form = QFormLayout()
        form.addRow(self._captions["server"], self.server)
        form.addRow("", self.advanced)
        form.addRow(self._captions["username"], self.username)
        form.addRow(self._captions["password"], self.password)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)

    def _update_server_field(self, *_args: object) -> None:
        self.server.setReadOnly(bool(self.server.text().strip()) and not self.advanced.isChecked())
        self.advanced.setVisible(bool(self.server.text().strip()) or self.advanced.isChecked())

    @property
    def busy(self) -> bool:
        return self._busy

    def submit(self) -> None:
        """Validate the fields and log in on the background lane."""
        if self._busy:
            return
        url = self.server.text().strip().rstrip("/")
        user = self.username.text().strip()
        password = self.password.text()
        problem = self._missing(url, user, password)
        if problem:
            self.show_error(problem)
            return
        self._set_busy(True)
        self.error_label.setText(self.tr("Logging in…"))
        self._lane.submit(lambda: self._login(url, user, password), self._done, self._failed)

    def _missing(self, url: str, user: str, password: str) -> str | None:
        if not url.startswith(("http://", "https://")):
            return self.tr("Enter the server address (it starts with https://).")
        if not user:
            return self.tr("Enter your user name.")
        if not password:
            return self.tr("Enter your password.")
        return None

    def _done(self, session: Any) -> None:
        self._set_busy(False)
        self.session = session
        self.password.clear()
        self.error_label.clear()
        self.logged_in.emit(session)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        log.warning("login failed: %s", exc)
        self.show_error(self.describe(exc))
        self.password.selectAll()
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)

    def describe(self, exc: BaseException) -> str:
        """One sentence for a failed login (the sync error tree; anything else generically)."""
        from softphone.sync import errors

        detail = str(exc)
        if getattr(exc, "code", None) == "locked":
            return self.tr(
                "This account is locked after too many wrong passwords. Try again in a few minutes."
            )
        if isinstance(exc, errors.AuthError):
            if getattr(exc, "status", None) == 403:
                return self.tr("This account may not log in here. Ask your supervisor.")
            return self.tr("Wrong user name or password.")
        if isinstance(exc, errors.TransportError):
            if "TLS" in detail:
                return self.tr("The secure connection to the server failed (TLS certificate).")
            return self.tr("The server cannot be reached. Check the network, then try again.")
        if isinstance(exc, errors.SyncError):
            return self.tr("The server could not log you in: %1").replace("%1", detail)
        return self.tr("Login failed: %1").replace("%1", type(exc).__name__)

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.username, self.password, self.login_button, self.advanced):
            widget.setEnabled(not busy)

    def reject(self) -> None:
        if not self._busy:
            super().reject()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Sampark — log in"))
        self._captions["server"].setText(self.tr("&Server:"))
        self._captions["username"].setText(self.tr("&User name:"))
        self._captions["password"].setText(self.tr("&Password:"))
        self.advanced.setText(self.tr("Change server (advanced)"))
        self.login_button.setText(self.tr("Log in"))
        self.quit_button.setText(self.tr("Quit"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
