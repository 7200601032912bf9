"""The ``sampark`` console entry point: ``gui`` (default), ``demo``, ``call``, ``answer``,
``doctor``.

Headless subcommands are dispatched to ``softphone.cli`` before anything from QtWidgets is
imported, so they run on a PC or server without a display. ``gui`` and ``demo`` create the
``QApplication``, a ``SipEngine`` whose headset is the device chosen in settings, a ``Phone``
and the caller window (``ui.main_window.MainWindow``).

``demo`` needs no PBX and no network: the engine listens on 127.0.0.1 only, the caller's
account does not register, and the simulated callee (``softphone.demo.DemoCallee``) is a second
account on the same engine. The window opens with the callee's URI in the number field, so
pressing Enter places the call and the Hindi/English greeting plays in the headset.
``demo --headless`` does the same without a window (``softphone.demo.run_headless``).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
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
    args = build_parser().parse_args(argv)
    if args.command in cli.HEADLESS_COMMANDS or getattr(args, "headless", False):
        return cli.run(args)
    return run_window(demo=args.command == "demo", language=getattr(args, "language", None))


# -- the window ------------------------------------------------------------------------


@dataclass
class AppParts:
    """Everything ``gui``/``demo`` creates; kept together so nothing is garbage-collected."""

    engine: SipEngine
    phone: Phone
    window: MainWindow
    callee: DemoCallee | None = None

    def shutdown(self) -> None:
        if self.window.ringer is not None:
            self.window.ringer.stop()
        if self.callee is not None:
            self.callee.stop()
        self.engine.stop()
        self.engine.audio_device.close()


def run_window(demo: bool, language: str | None = None) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from softphone import config
    from ui import i18n

    settings = config.load({"language": language})
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Sampark")
    i18n.install(app, settings.language)
    try:
        parts = build_demo(settings) if demo else build_gui(settings)
    except Exception as exc:
        return _startup_failed(app, exc)
    app.aboutToQuit.connect(parts.shutdown)
    _quit_on_ctrl_c(app)
    keepalive = QTimer(app)  # lets Python run signal handlers while Qt waits
    keepalive.start(250)
    keepalive.timeout.connect(lambda: None)
    parts.window.show()
    return int(app.exec())


def build_demo(settings: Settings) -> AppParts:
    """Engine on loopback + caller account (no registrar) + simulated callee."""
    from softphone.demo import DemoCallee
    from softphone.sip.spec import AccountSpec, EndpointSpec

    spec = EndpointSpec(
        bind_address=DEMO_HOST, udp_port=0, tcp_port=None, clock_rate=settings.audio_clock_rate
    )
    engine = _start_engine(spec, settings)
    try:
        callee = DemoCallee(engine, domain=DEMO_HOST)
        callee.start()
        caller = engine.add_account(
            AccountSpec(user=DEMO_CALLER, domain=DEMO_HOST, display_name="Sampark demo")
        )
        parts = _window_parts(engine, settings, caller, DEMO_HOST, registers=False)
    except Exception:
        engine.stop()
        raise
    parts.callee = callee
    parts.window.dial_panel.entry.setText(callee.uri())
    return parts


def build_gui(settings: Settings) -> AppParts:
    """Engine and account from settings; the window shows "No account" if none is set up."""
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
    return AppParts(engine, phone, window)


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
