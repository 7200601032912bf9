"""The ``sampark`` console entry point: ``gui`` (default), ``demo``, ``call``, ``answer``,
``doctor``.

Headless subcommands are dispatched to ``softphone.cli`` before anything from QtWidgets is
imported, so they run on a PC or server without a display. ``gui`` and ``demo`` create the
``QApplication``, a ``SipEngine`` whose headset is the device chosen in settings, a ``Phone``
and the caller window (``ui.main_window.MainWindow``).

When the machine config names a central server (``server_url``), ``gui`` runs in campaign
mode (``ui.campaign_app.CampaignApp``): the login screen, then the caller's campaign window
with the SIP identity the server returned; logout returns to the login screen. Without a
server it is the plain softphone with the SIP account from settings.

``demo`` needs no PBX and no network: the engine listens on 127.0.0.1 only, the simulated
callee (``softphone.demo.DemoCallee``) is the engine's first account, the embedded server
(``softphone.demo_server``) runs the demo campaign on a temporary SQLite file, and the demo
caller is logged in automatically: the campaign window opens, F5 shows the first contact and
Enter dials it (every contact number reaches the callee). ``demo --headless`` does the same
without a window (``softphone.demo_workflow``).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from softphone import cli

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from softphone.config import Settings
    from softphone.demo import DemoCallee
    from softphone.phone import Phone
    from softphone.sip.engine import SipEngine
    from ui.audio_devices import DeviceList
    from ui.campaign_app import CampaignApp
    from ui.main_window import MainWindow

log = logging.getLogger("sampark.launcher")
DEMO_HOST = "127.0.0.1"
DEMO_CALLER = "agent"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sampark",
        description="Sampark softphone (default: the caller window)",
        allow_abbrev=False,
    )
    sub = parser.add_subparsers(dest="command")
    gui = sub.add_parser("gui", allow_abbrev=False, help="the caller window (default)")
    demo = sub.add_parser(
        "demo", allow_abbrev=False, help="caller window + built-in simulated callee, offline"
    )
    for p in (gui, demo):
        p.add_argument("--language", choices=["en", "hi"], help="interface language")
    _add_headless_demo_options(demo)
    cli.add_subcommands(sub)
    return parser


def _add_headless_demo_options(demo: argparse.ArgumentParser) -> None:
    group = demo.add_argument_group("headless (no window)")
    group.add_argument(
        "--headless", action="store_true", help="the whole caller workflow, no window"
    )
    group.add_argument(
        "--call-only", action="store_true", help="headless: only dial the callee (no server)"
    )
    group.add_argument("--record", type=Path, metavar="WAV", help="record what the caller hears")
    group.add_argument("--duration", type=float, default=8.0, metavar="S", help="call length")
    group.add_argument("--dtmf", default="1", metavar="DIGITS", help="keys to press")
    group.add_argument("--dtmf-delay", type=float, default=4.0, metavar="S")
    group.add_argument("--timeout", type=float, default=10.0, metavar="S", help=argparse.SUPPRESS)
    group.add_argument("--json", action="store_true", help="one JSON object per line")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["--provision"], ["--remove-user-data"]):  # the MSI's custom actions
        from softphone import provision

        return provision.main(argv)
    if "--self-test" in argv:  # the frozen app's check for IT: the doctor with every check
        argv = ["doctor", "--self-test", *(a for a in argv if a != "--self-test")]
    uri = argv.pop(0) if argv and _is_dial_uri(argv[0]) else None  # sampark tel:+91…
    args = build_parser().parse_args(argv)
    if args.command in cli.HEADLESS_COMMANDS or getattr(args, "headless", False):
        return cli.run(args)
    language = getattr(args, "language", None)
    return run_window(demo=args.command == "demo", language=language, uri=uri)


def _is_dial_uri(arg: str) -> bool:
    return arg.partition(":")[0].lower() in ("tel", "sip", "sips", "callto") and ":" in arg


# -- the window ------------------------------------------------------------------------


@dataclass
class AppParts:
    """Everything ``gui``/``demo`` creates; kept together so nothing is garbage-collected.

    Plain mode has a ``window``; campaign mode has ``campaign`` (its window exists while a
    shift runs)."""

    engine: SipEngine
    phone: Phone
    window: MainWindow | None = None
    callee: DemoCallee | None = None
    campaign: CampaignApp | None = None
    ringer: Any = None
    cleanups: list[Callable[[], object]] = field(default_factory=list)

    def show(self) -> None:
        if self.campaign is not None:
            if self.campaign.shift is None and self.campaign.dialog is None:
                self.campaign.show_login()
        elif self.window is not None:
            self.window.show()

    def shutdown(self) -> None:
        if self.campaign is not None:
            self.campaign.close()
        if self.ringer is not None:
            self.ringer.stop()
        if self.callee is not None:
            self.callee.stop()
        self.engine.stop()
        self.engine.audio_device.close()
        for cleanup in self.cleanups:
            try:
                cleanup()
            except Exception as exc:
                log.warning("clean-up failed: %s", exc)


def run_window(demo: bool, language: str | None = None, uri: str | None = None) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from softphone import config, logs
    from ui import i18n

    settings = config.load({"language": language})
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Sampark")
    logs.setup(level=logs.level_of(settings.log_level))
    instance = None if demo else _single_instance(uri)
    if instance is False:
        return cli.EXIT_OK  # the running window took over
    i18n.install(app, settings.language)
    try:
        parts = build_demo(settings) if demo else build_gui(settings)
    except Exception as exc:
        return _startup_failed(app, exc)
    if instance:
        _hand_uris_to(parts, instance, settings.auto_dial_uri)
    app.aboutToQuit.connect(parts.shutdown)
    _quit_on_ctrl_c(app)
    keepalive = QTimer(app)  # lets Python run signal handlers while Qt waits
    keepalive.start(250)
    keepalive.timeout.connect(lambda: None)
    parts.show()
    return int(app.exec())


# -- single instance and click-to-dial (softphone.single_instance, ui.uri_handoff) ---------


def _single_instance(uri: str | None) -> Any:
    """False if a running Sampark took this launch's work; else the listening server (None
    if listening failed), with the first message (the URI) kept on it."""
    from softphone import single_instance

    target = single_instance.dial_target(uri) if uri else None
    message = f"dial {target}" if target else "show"
    if single_instance.send(message):
        log.info("handed %r to the running Sampark", message)
        return False
    server = single_instance.InstanceServer()
    if not server.listen():
        return None
    server.setProperty("first_message", message if target else "")
    return server


def _hand_uris_to(parts: AppParts, server: Any, auto_dial: bool) -> None:
    from ui.uri_handoff import UriHandoff

    def window() -> Any:
        return parts.campaign.window if parts.campaign is not None else parts.window

    handoff = UriHandoff(window, auto_dial, server)
    server.message_received.connect(handoff.handle)
    parts.cleanups.append(server.close)
    first = server.property("first_message")
    if first:  # offered once the event loop runs (after the window is shown)
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, handoff, lambda: handoff.handle(first))


def build_demo(settings: Settings, journal_dir: Path | None = None) -> AppParts:
    """Engine on loopback, the simulated callee (first account), the embedded demo server and
    the demo caller logged in automatically (campaign mode, no registrar)."""
    import shutil
    import tempfile

    from softphone.demo import DemoCallee
    from softphone.demo_server import start_demo_server
    from softphone.sip.spec import EndpointSpec

    spec = EndpointSpec(
        bind_address=DEMO_HOST, udp_port=0, tcp_port=None, clock_rate=settings.audio_clock_rate
    )
    engine = _start_engine(spec, settings)
    cleanups: list[Callable[[], object]] = []
    try:
        callee = DemoCallee(engine, domain=DEMO_HOST)
        callee.start()  # first account: it answers every number no other account claims
        server = start_demo_server(sip_domain=callee.dial_domain())
        cleanups.append(server.stop)
        if journal_dir is None:
            journal_dir = Path(tempfile.mkdtemp(prefix="sampark-demo-journal-"))
            cleanups.append(lambda: shutil.rmtree(journal_dir, ignore_errors=True))
        parts = _campaign_parts(
            engine, settings, server.url, journal_dir / "journal.sqlite3", registers=False
        )
    except Exception:
        engine.stop()
        for cleanup in cleanups:
            cleanup()
        raise
    parts.callee = callee
    parts.cleanups = cleanups
    try:
        parts.window = _demo_login(parts, server.caller_username, server.caller_password)
    except Exception:
        parts.shutdown()
        raise
    parts.window.dial_panel.entry.setText(callee.uri())  # Ctrl+D: a test call to the callee
    return parts


def _demo_login(parts: AppParts, username: str, password: str) -> MainWindow:
    """Log in as the demo caller through the login screen (its lane, the real server) and
    wait for the campaign window; the GUI is not shown yet, so waiting here is fine."""
    from PySide6.QtCore import QDeadlineTimer, QEventLoop

    campaign = parts.campaign
    assert campaign is not None
    dialog = campaign.show_login(username, password)
    dialog.submit()
    deadline = QDeadlineTimer(20000)
    loop = QEventLoop()
    while campaign.window is None and (dialog.busy or campaign.dialog is None):
        if deadline.hasExpired():
            raise RuntimeError("the demo login timed out")
        loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    if campaign.window is None:
        raise RuntimeError(f"the demo login failed: {dialog.error_label.text()}")
    return campaign.window


def _campaign_parts(
    engine: SipEngine,
    settings: Settings,
    server_url: str,
    journal_path: Path | None,
    registers: bool,
) -> AppParts:
    from softphone.audio.ringer import Ringer
    from softphone.phone import Phone
    from ui.campaign_app import CampaignApp

    phone = Phone(engine)
    ringer = Ringer(settings.ringer_device)
    campaign = CampaignApp(
        engine,
        phone,
        settings,
        server_url=server_url,
        devices=portaudio_provider,
        ringer=ringer,
        journal_path=journal_path,
        registers=registers,
    )
    return AppParts(engine, phone, campaign=campaign, ringer=ringer)


def build_gui(settings: Settings) -> AppParts:
    """Campaign mode when a server is configured (login first); else the engine and account
    from settings (the window shows "No account" if none is set up)."""
    from softphone.sip.events import SrtpMode, Transport
    from softphone.sip.spec import AccountSpec, EndpointSpec

    transport = Transport(settings.sip_transport)
    port = settings.sip_local_port
    spec = EndpointSpec(
        udp_port=port if transport is Transport.UDP else 0,
        tcp_port=port if transport is Transport.TCP else 0,
        tls_verify_server=settings.tls_verify,
        srtp=SrtpMode(settings.srtp),
        clock_rate=settings.audio_clock_rate,
    )
    engine = _start_engine(spec, settings)
    if settings.server_url:
        try:
            return _campaign_parts(engine, settings, settings.server_url, None, registers=True)
        except Exception:
            engine.stop()
            raise
    if not (settings.sip_user and settings.sip_domain):
        return _window_parts(engine, settings, None, settings.sip_domain, registers=False)
    account = AccountSpec(
        user=settings.sip_user,
        domain=settings.sip_domain,
        password=_stored_password(settings.sip_user, settings.sip_domain),
        registrar=settings.sip_registrar or f"sip:{settings.sip_domain}",
        transport=transport,
    )
    try:
        account_id = engine.add_account(account)
        return _window_parts(engine, settings, account_id, settings.sip_domain, registers=True)
    except Exception:
        engine.stop()
        raise


def _start_engine(spec: Any, settings: Settings) -> SipEngine:
    from softphone.audio import devices
    from softphone.sip.engine import SipEngine

    engine = SipEngine(spec, audio_device=devices.open_headset(settings))
    engine.start()
    return engine


def _window_parts(
    engine: SipEngine,
    settings: Settings,
    account_id: int | None,
    domain: str,
    registers: bool,
) -> AppParts:
    from softphone.audio.ringer import Ringer
    from softphone.phone import Phone
    from ui.main_window import MainWindow

    phone = Phone(engine)
    if account_id is not None:
        phone.attach_account(account_id, domain, registers=registers)
    ringer = Ringer(settings.ringer_device)
    window = MainWindow(phone, settings, portaudio_provider, ringer=ringer)
    return AppParts(engine, phone, window, ringer=ringer)


def portaudio_provider() -> DeviceList:
    """Headset choices for the settings dialog: each PortAudio device by label, plus null."""
    from softphone.audio import devices
    from softphone.audio.device import NullDevice
    from softphone.audio.portaudio import PortAudioDevice

    found: DeviceList = []
    for info in devices.list_devices():
        capture = info.label if info.can("input") else None
        playback = info.label if info.can("output") else None

        def factory(role: str = "both", c: str | None = capture, p: str | None = playback) -> Any:
            # One stream pair per device: a split choice opens only the side it uses.
            return PortAudioDevice(
                capture=c if role in ("both", "capture") else None,
                playback=p if role in ("both", "playback") else None,
            )

        found.append((info.label, factory))
    found.append(("null", NullDevice))
    return found


def _stored_password(user: str, domain: str) -> str:
    """The SIP password from the OS keyring ("" if none is stored or no keyring works)."""
    try:
        import keyring

        return keyring.get_password("sampark-sip", f"{user}@{domain}") or ""
    except Exception as exc:  # no keyring backend on this PC
        log.warning("no SIP password from the keyring: %s", exc)
        return ""


def _startup_failed(app: QApplication, exc: Exception) -> int:
    from PySide6.QtWidgets import QMessageBox

    log.error("Sampark could not start: %s", exc)
    print(f"sampark: could not start: {exc}", file=sys.stderr)
    if app.platformName() not in ("offscreen", "minimal"):
        QMessageBox.critical(None, "Sampark", f"Sampark could not start:\n{exc}")
    return cli.EXIT_ENGINE


def _quit_on_ctrl_c(app: QApplication) -> None:
    signal.signal(signal.SIGINT, lambda *_: app.quit())


if __name__ == "__main__":
    sys.exit(main())
