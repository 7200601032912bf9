"""A supervisor's login: the board window instead of the caller window.

``build_supervisor_shift(app, session)`` (called by ``ui.campaign_app.CampaignApp`` when the
login's role is supervisor or admin) makes the parts one supervisor shift uses: a SIP account
to place monitor calls from, a ``SyncClient`` on its own HTTP session for grants (net lane),
the ``BoardStream`` (its own thread), the ``SupervisorSession`` and the ``SupervisorWindow``.

The SIP account: the identity the server returned at login if any; else the PC's settings
(``sip_user`` @ ``sip_domain``, registering at ``sip_registrar``); else a local account that
does not register (enough to call the callers' softphones directly on a LAN).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from softphone.campaign.session import Session
    from softphone.sip.engine import SipEngine
    from ui.campaign_app import CampaignApp
    from ui.supervisor_window import SupervisorWindow

log = logging.getLogger("sampark.supervisor_shift")
SUPERVISOR_ROLES = ("supervisor", "admin")


def is_supervisor(session: Session) -> bool:
    return session.role in SUPERVISOR_ROLES


@dataclass
class SupervisorShift:
    """Everything one supervisor login uses; ``close()`` releases it in order."""

    session: Session
    monitor: Any  # SupervisorSession
    window: SupervisorWindow
    account_id: int | None
    net_lane: Any
    client: Any
    http: list[Any] = field(default_factory=list)
    logged_out: bool = False

    def use_token(self, token: str) -> None:
        """A fresh token after logging in again: grants use it, the board reconnects now
        (its stream reads the token from the keyring on every connect)."""
        self.client.token = token
        if self.monitor.stream is not None:
            self.monitor.stream.reconnect_now()

    def logout(self) -> bool:
        """Stop monitoring; revoke the token on the server (best effort, net lane)."""
        self.monitor.stop()
        client = self.client
        self.net_lane.submit(client.logout, on_error=lambda e: log.info("logout: %s", e))
        self.session.forget_token()
        self.logged_out = True
        return True

    def close(self, engine: SipEngine) -> None:
        self.monitor.close()
        self.net_lane.shutdown(wait=True)
        for session in self.http:
            session.close()
        if self.account_id is not None:
            try:
                engine.remove_account(self.account_id)
            except Exception as exc:  # the engine may already be stopping
                log.warning("could not remove the supervisor's SIP account: %s", exc)


def build_supervisor_shift(app: CampaignApp, session: Session) -> SupervisorShift:
    import requests

    from softphone.campaign.lanes import Lane
    from softphone.monitor.board import BoardStream
    from softphone.monitor.supervisor import PbxCodes, SupervisorSession
    from softphone.sync.client import SyncClient
    from ui.supervisor_window import SupervisorWindow

    settings = app.settings
    verify = settings.tls_verify
    http = requests.Session()
    client = SyncClient(session.server_url, http, token=session.token(), verify=verify)
    account_id = _add_account(app, session)
    stream = BoardStream(
        session.server_url,
        session.token,
        on_snapshot=lambda _s: None,  # replaced by SupervisorSession.start()
        verify=verify,
        **app.board_options,
    )
    lane = Lane("net")
    monitor = SupervisorSession(
        app.engine,
        account_id,
        client,
        lane,
        backend=settings.monitor_backend,
        pbx_codes=PbxCodes.from_settings(settings),
        stream=stream,
    )
    window = SupervisorWindow(
        monitor, app.engine, settings, app.devices, username=session.user.display_name
    )
    monitor.setParent(window)
    monitor.start()
    return SupervisorShift(session, monitor, window, account_id, lane, client, [http])


def _add_account(app: CampaignApp, session: Session) -> int | None:
    from softphone.sip.events import Transport
    from softphone.sip.spec import AccountSpec

    settings, sip = app.settings, session.sip
    if sip is not None:
        user, domain, password = sip.username, sip.domain, sip.password() or ""
        transport = sip.transport or "udp"
        registrar = (settings.sip_registrar or f"sip:{domain}") if app.registers else ""
    elif settings.sip_user and settings.sip_domain:
        from ui.launcher import _stored_password

        user, domain = settings.sip_user, settings.sip_domain
        password = _stored_password(user, domain)
        transport = settings.sip_transport
        registrar = (settings.sip_registrar or f"sip:{domain}") if app.registers else ""
    else:
        user, domain, password = session.username, settings.sip_domain or "127.0.0.1", ""
        transport, registrar = settings.sip_transport, ""
    spec = AccountSpec(
        user=user,
        domain=domain,
        password=password,
        display_name=session.user.display_name,
        registrar=registrar,
        transport=Transport(transport),
    )
    return app.engine.add_account(spec)


__all__ = ["SUPERVISOR_ROLES", "SupervisorShift", "build_supervisor_shift", "is_supervisor"]
