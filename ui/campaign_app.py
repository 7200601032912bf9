"""Campaign mode of the softphone: login → shift (workflow, sync, window) → logout → login.

``CampaignApp`` owns the parts that outlive a shift (the SIP engine, the ``Phone``, the ringer)
and builds a ``Shift`` per login: the journal, a ``SyncClient`` + ``SyncWorker`` (net lane), a
second client for scripts and the DNC list (the workflow's own net lane), the db lane, the
caller's SIP account from the session's identity (password from the keyring), the
``CallerWorkflow`` and the campaign window. Logout (menu, Ctrl+Shift+L) ends the shift through
the workflow (leases handed back, presence logged_out, token forgotten), closes the window and
shows the login screen again. Nothing here blocks the GUI thread: login runs on the login
dialog's lane, HTTP on the net lanes, journal writes on the db lane.

A supervisor (or admin) login opens the supervisor's board window instead
(``ui.supervisor_shift.build_supervisor_shift``); logout works the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

if TYPE_CHECKING:
    from softphone.audio.ringer import Ringer
    from softphone.campaign.session import Session
    from softphone.config import Settings
    from softphone.phone import Phone
    from softphone.sip.engine import SipEngine
    from ui.audio_devices import DeviceProvider
    from ui.login_dialog import LoginDialog
    from ui.main_window import MainWindow
    from ui.supervisor_shift import SupervisorShift

log = logging.getLogger("sampark.campaign_app")


@dataclass
class Shift:
    """Everything one logged-in shift uses; ``close()`` releases it in order."""

    session: Session
    journal: Any
    workflow: Any
    worker: Any
    window: MainWindow
    account_id: int
    db_lane: Any
    net_lane: Any
    http: list[Any] = field(default_factory=list)
    clients: list[Any] = field(default_factory=list)  # the sync and reference SyncClients
    monitor: Any = None  # softphone.monitor.caller.CallerMonitor (the grant gate)

    def use_token(self, token: str) -> None:
        """A fresh token after logging in again (the old one expired or was revoked)."""
        for client in self.clients:
            client.token = token
        self.worker.set_token(token)

    def close(self, engine: SipEngine) -> None:
        if self.monitor is not None:
            self.monitor.uninstall()
        self.worker.stop()
        self.net_lane.shutdown(wait=True)
        self.db_lane.shutdown(wait=True)
        self.journal.close()
        for session in self.http:
            session.close()
        try:
            engine.remove_account(self.account_id)
        except Exception as exc:  # the engine may already be stopping
            log.warning("could not remove the shift's SIP account: %s", exc)


class CampaignApp(QObject):
    """Login screen and shifts on one engine (see the module docstring)."""

    shift_started = Signal(object)  # Shift
    shift_ended = Signal()

    def __init__(
        self,
        engine: SipEngine,
        phone: Phone,
        settings: Settings,
        *,
        server_url: str | None = None,
        devices: DeviceProvider | None = None,
        ringer: Ringer | None = None,
        journal_path: Path | None = None,
        registers: bool = True,
        login: Callable[[str, str, str], Any] | None = None,
        lease_ahead: int = 20,
        worker_options: dict[str, Any] | None = None,
        board_options: dict[str, Any] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine, self.phone, self.settings = engine, phone, settings
        self.server_url = settings.server_url if server_url is None else server_url
        self.devices, self.ringer = devices, ringer
        self.journal_path = journal_path
        self.registers = registers
        self.lease_ahead = lease_ahead
        self.worker_options = dict(worker_options or {})  # e.g. retry_base_s in tests
        self.board_options = dict(board_options or {})  # BoardStream options (tests)
        self._login = login
        self.dialog: LoginDialog | None = None
        self.shift: Shift | SupervisorShift | None = None
        self._auth_prompted = False

    @property
    def window(self) -> Any:
        """The shift's window: the caller's ``MainWindow`` or the ``SupervisorWindow``."""
        return self.shift.window if self.shift is not None else None

    # -- login -----------------------------------------------------------------------
    def show_login(self, username: str = "", password: str = "") -> LoginDialog:
        """The login screen (non-modal); ``password`` prefilled only by the demo."""
        from ui.login_dialog import LoginDialog, server_login

        verify = self.settings.tls_verify

        def login(url: str, user: str, password: str) -> Any:
            return server_login(url, user, password, verify=verify)

        dialog = LoginDialog(self.server_url, username, login=self._login or login)
        if password:
            dialog.password.setText(password)
        dialog.logged_in.connect(self.start_shift)
        self.dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    # -- a shift ---------------------------------------------------------------------
    def start_shift(self, session: Session) -> Shift | SupervisorShift | None:
        """Build the shift's parts and show the campaign window (the board window for a
        supervisor); a problem is shown in the login dialog (never a traceback)."""
        from ui.supervisor_shift import build_supervisor_shift, is_supervisor

        try:
            if is_supervisor(session):
                shift: Shift | SupervisorShift = build_supervisor_shift(self, session)
            else:
                shift = self._build_shift(session)
        except Exception as exc:
            log.exception("the shift could not start")
            self._shift_failed(exc)
            return None
        self.shift = shift
        shift.window.logout_requested.connect(self.logout)
        if isinstance(shift, Shift):
            shift.workflow.sync_status_changed.connect(self._check_auth)
        else:  # the board feed's link: a refused token asks for the password again
            shift.monitor.link_changed.connect(self._check_auth)
        shift.window.show()
        if isinstance(shift, Shift):
            shift.worker.start()
        self.dialog = None
        self.shift_started.emit(shift)
        return shift

    def _shift_failed(self, exc: Exception) -> None:
        dialog = self.show_login()
        text = QCoreApplication.translate(
            "LoginDialog", "Logged in, but the shift could not start: %1"
        )
        dialog.show_error(text.replace("%1", str(exc)))

    def _build_shift(self, session: Session) -> Shift:
        import requests

        from softphone.campaign.lanes import Lane
        from softphone.campaign.workflow import CallerWorkflow
        from softphone.journal import Journal
        from softphone.sync.client import SyncClient
        from softphone.sync.worker import SyncWorker
        from ui.main_window import MainWindow

        if session.sip is None or session.campaign is None:
            raise RuntimeError("this account has no SIP identity or no campaign for this shift")
        account_id = self._add_account(session)
        try:
            journal = Journal(self.journal_path)
        except Exception:
            self.engine.remove_account(account_id)
            raise
        token, verify = session.token(), self.settings.tls_verify
        http = [requests.Session(), requests.Session()]
        sync_client = SyncClient(session.server_url, http[0], token=token, verify=verify)
        ref_client = SyncClient(session.server_url, http[1], token=token, verify=verify)
        relay: dict[str, Any] = {}
        options: dict[str, Any] = {
            "lease_ahead": self.lease_ahead,
            "heartbeat_s": float(session.heartbeat_interval_s or 15),
            **self.worker_options,
        }
        worker = SyncWorker(
            sync_client,
            journal,
            campaign_id=session.campaign.id,
            on_status=lambda status: relay["wf"].notify_status(status),
            on_contacts=lambda: relay["wf"].notify_contacts(),
            **options,
        )
        db_lane, net_lane = Lane("db"), Lane("net")
        workflow = CallerWorkflow(
            self.phone, journal, session, worker, db_lane, client=ref_client, net_lane=net_lane
        )
        relay["wf"] = workflow
        window = MainWindow(
            self.phone,
            self.settings,
            self.devices,
            ringer=self.ringer,
            workflow=workflow,
            campaign=session.campaign,
        )
        workflow.setParent(window)
        self._add_monitor_indicator(window)
        parts = (workflow, worker, window, account_id, db_lane, net_lane)
        shift = Shift(session, journal, *parts, http, [sync_client, ref_client])
        shift.monitor = self._install_monitor_gate(session, account_id, journal, sync_client)
        return shift

    def _install_monitor_gate(
        self, session: Session, account_id: int, journal: Any, client: Any
    ) -> Any:
        """Supervisors may monitor this caller only with a grant the server signed
        (DESIGN.md §4); judged against the server's clock as the sync client learns it."""
        from softphone.monitor.caller import CallerMonitor

        monitor = CallerMonitor(
            self.engine,
            account_id,
            journal,
            public_key=session.server_public_key,
            agent_id=session.user.id,
            now=client.clock.now,
        )
        monitor.install()
        return monitor

    def _add_monitor_indicator(self, window: MainWindow) -> None:
        """The "supervisor is listening" label, shown when the centre's policy says so."""
        from ui.monitor_indicator import MonitorIndicator

        indicator = MonitorIndicator(show=self.settings.show_monitor_indicator, parent=window)
        self.engine.event_emitted.connect(indicator.on_event)
        window.statusBar().addPermanentWidget(indicator)
        window.monitor_indicator = indicator  # type: ignore[attr-defined]

    def _add_account(self, session: Session) -> int:
        from softphone.sip.events import Transport
        from softphone.sip.spec import AccountSpec

        sip = session.sip
        assert sip is not None
        registrar = self.settings.sip_registrar or f"sip:{sip.domain}"
        spec = AccountSpec(
            user=sip.username,
            domain=sip.domain,
            password=sip.password() or "",
            display_name=session.user.display_name,
            registrar=registrar if self.registers else "",
            transport=Transport(sip.transport) if sip.transport else Transport.UDP,
        )
        account_id = self.engine.add_account(spec)
        self.phone.attach_account(account_id, sip.domain, registers=self.registers)
        return account_id

    # -- the token expired mid-shift -------------------------------------------------------
    def _check_auth(self, status: Any) -> None:
        """The server refused the token: ask for the password again (the shift goes on)."""
        shift = self.shift
        if not getattr(status, "auth_required", False):
            self._auth_prompted = False
            return
        if shift is None or self._auth_prompted or self.dialog is not None:
            return
        self._auth_prompted = True  # once per refusal, even if the caller closes the prompt
        dialog = self.show_login(shift.session.username)
        dialog.username.setReadOnly(True)  # the same caller: the shift goes on
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        dialog.logged_in.disconnect(self.start_shift)
        dialog.logged_in.connect(self._renewed)
        dialog.show_error(
            QCoreApplication.translate("LoginDialog", "Your session expired. Log in again.")
        )

    def _renewed(self, session: Session) -> None:
        shift, self.dialog = self.shift, None
        token = session.token()
        if shift is not None and token:
            shift.use_token(token)

    # -- logout ----------------------------------------------------------------------
    def logout(self) -> bool:
        """End the shift (refused during a call or an unsaved wrap-up: the workflow says
        why in the status bar) and show the login screen again."""
        shift = self.shift
        if shift is None:
            return False
        if not isinstance(shift, Shift):
            shift.logout()
            self.show_login(shift.session.username)
            self.end_shift()
            return True
        shift.workflow.logout()
        if str(shift.workflow.state) != "logged_out":
            return False
        self.show_login(shift.session.username)  # before the window goes: the app stays up
        self.end_shift()
        return True

    def close(self) -> None:
        """At exit: end the shift as a logout would (best effort), then release it."""
        shift = self.shift
        if shift is not None and not isinstance(shift, Shift):
            shift.logout()
        elif shift is not None and str(shift.workflow.state) not in ("dialing", "in_call"):
            shift.workflow.logout()
        self.end_shift()
        if self.dialog is not None:
            self.dialog.close()

    def end_shift(self) -> None:
        shift, self.shift = self.shift, None
        if shift is None:
            return
        shift.window.hide()
        shift.close(self.engine)
        shift.window.deleteLater()
        self.phone.account_id = None  # no account until the next login
        self.phone.commands_changed.emit()
        self.shift_ended.emit()
