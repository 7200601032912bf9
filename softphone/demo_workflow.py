"""``sampark demo --headless``: the whole caller workflow on one machine, without a window.

The parts are the ones the caller window runs, wired the same way; only the widgets are
replaced by a scripted caller (``softphone.demo_driver.HeadlessCaller``) under a
``QCoreApplication``. Every step prints a progress line:

1. a SIP engine on loopback whose first account is the simulated callee (``DemoCallee``);
2. the embedded server (``softphone.demo_server``) on a temporary SQLite file; the demo
   callers' SIP domain is the callee's ``host:port``, so every contact number reaches it;
3. login as the demo caller through the real ``SyncClient`` (``campaign.session.login``);
4. ``CallerWorkflow`` goes ready; the ``SyncWorker`` leases contacts into a journal in a
   temporary data folder; the scripts come over the net lane;
5. the contact card and the script rendered in the contact's language;
6. the workflow dials the contact's first number through ``Phone``; the callee answers, a DTMF
   key is pressed (the callee confirms it), the caller hangs up;
7. wrap-up: the outcome ``completed`` with survey answers is saved on the db lane (durable);
8. the worker uploads it, and the server confirms it to the demo supervisor: the report
   counts it and the CSV export holds its UUID exactly once; then the caller logs out.

The exit code is 0 only if every step happened.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import io
import tempfile
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

from softphone import cli, config
from softphone.demo import DEMO_HOST, DemoCallee, heard_share

LEASE_AHEAD = 3
SYNC_WAIT_S = 15.0
SETUP_WAIT_S = 20.0  # login done → first contact shown with its script


class DemoFailedError(Exception):
    """A step of the demo did not happen; the message says which."""


@dataclass
class Run:
    """What the demo did (the summary's ``workflow`` part)."""

    server_url: str = ""
    server_start_s: float = 0.0
    caller: str = ""
    contact: dict[str, Any] = field(default_factory=dict)
    script_language: str = ""
    outcome_uuid: str = ""
    synced: bool = False
    report_total: int = 0
    report_rows: dict[str, int] = field(default_factory=dict)
    stored_times: int = 0
    logged_out: bool = False


@dataclass
class Parts:
    """Everything started for the run, closed in reverse order whatever happened."""

    engine: Any = None
    callee: DemoCallee | None = None
    server: Any = None
    own_server: bool = False
    http: list[requests.Session] = field(default_factory=list)
    client: Any = None
    session: Any = None
    journal: Any = None
    worker: Any = None
    lanes: list[Any] = field(default_factory=list)
    phone: Any = None
    workflow: Any = None
    caller: Any = None

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        for lane in self.lanes:
            lane.shutdown(wait=True)
        if self.journal is not None:
            self.journal.close()
        if self.engine is not None:
            with contextlib.suppress(Exception):
                self.engine.stop()
            self.engine.audio_device.close()  # finishes a --record WAV
        for http in self.http:
            http.close()
        _forget_secrets(self.session)
        if self.server is not None and self.own_server:
            self.server.stop()


def say(reporter: Any, step: str, message: str, **data: Any) -> None:
    reporter.emit({"event": "demo_step", "step": step, "message": message, **data})


def run_workflow(
    args: argparse.Namespace, settings: config.Settings, reporter: Any, server: Any = None
) -> int:
    """The headless demo; returns the exit code (0: every step happened).

    ``server``: a running ``DemoServer`` to use (tests keep it to check the outcome
    themselves); by default one is started for the run and stopped after it."""
    from PySide6.QtCore import QCoreApplication

    from softphone import demo

    app = QCoreApplication.instance() or QCoreApplication(["sampark-demo"])
    device = demo._demo_device(args, settings)
    reporter.emit({"event": "audio_device", "name": device.name})
    run, parts = Run(), Parts()
    failure: str | None = None
    with tempfile.TemporaryDirectory(prefix="sampark-demo-data-") as data_dir:
        try:
            _start(device, settings, server, Path(data_dir), parts, run, reporter)
            _work(args, app, parts, run, reporter)
        except DemoFailedError as exc:
            failure = str(exc)
        except Exception as exc:  # a bug or an unforeseen fault: a sentence, trace on stderr
            traceback.print_exc()
            failure = f"unexpected {type(exc).__name__}: {exc}"
        finally:
            parts.close()
    return _finish(args, reporter, run, parts, failure)


# -- setting up: engine + callee, server, login, journal, worker, phone, workflow ---------------


def _start(
    device: Any,
    settings: config.Settings,
    server: Any,
    data_dir: Path,
    parts: Parts,
    run: Run,
    reporter: Any,
) -> None:
    from softphone.sip.engine import SipEngine
    from softphone.sip.spec import EndpointSpec

    spec = EndpointSpec(
        bind_address=DEMO_HOST, udp_port=0, tcp_port=None, clock_rate=settings.audio_clock_rate
    )
    parts.engine = SipEngine(spec, audio_device=device)
    try:
        parts.engine.start()
    except Exception as exc:
        parts.engine = None
        device.close()
        raise DemoFailedError(f"the SIP engine did not start: {exc}") from exc
    parts.callee = DemoCallee(parts.engine, domain=DEMO_HOST)
    parts.callee.start()  # the first account: it answers every number no account claims
    domain = parts.callee.dial_domain()
    say(reporter, "sip", f"SIP engine on {domain}; simulated callee ready")
    _start_server(server, domain, parts, run, reporter)
    _log_in(parts, run, reporter)
    _wire_workflow(parts, data_dir)


def _start_server(given: Any, sip_domain: str, parts: Parts, run: Run, reporter: Any) -> None:
    from softphone.demo_server import start_demo_server

    if given is not None:
        given.set_sip_domain(sip_domain)
        parts.server = given
    else:
        try:
            parts.server = start_demo_server(sip_domain=sip_domain)
        except Exception as exc:
            raise DemoFailedError(f"the embedded server did not start: {exc}") from exc
        parts.own_server = True
    run.server_url, run.server_start_s = parts.server.url, parts.server.startup_seconds
    say(
        reporter,
        "server",
        f"embedded server at {run.server_url} (ready in "
        f"{run.server_start_s:.2f} s): campaign “Jan Samvad demo”, 12 contacts",
    )


def _log_in(parts: Parts, run: Run, reporter: Any) -> None:
    from softphone.campaign.session import login
    from softphone.sync.client import SyncClient
    from softphone.sync.errors import SyncError

    server = parts.server
    http = requests.Session()
    parts.http.append(http)
    client = SyncClient(server.url, http)
    try:
        session = login(client, server.caller_username, server.caller_password, server.url)
    except SyncError as exc:
        raise DemoFailedError(f"login failed: {exc}") from exc
    parts.session = session
    if session.campaign is None or session.sip is None:
        raise DemoFailedError("login returned no campaign or no SIP identity")
    run.caller = session.username
    parts.client = client
    say(
        reporter,
        "login",
        f"logged in as {session.user.display_name} ({session.username}); "
        f"campaign “{session.campaign.name}”; SIP {session.sip.username}@{session.sip.domain}",
    )


def _wire_workflow(parts: Parts, data_dir: Path) -> None:
    """Journal, sync worker, phone and workflow, wired as the caller window wires them."""
    from softphone.campaign.lanes import Lane
    from softphone.campaign.workflow import CallerWorkflow
    from softphone.journal import Journal
    from softphone.phone import Phone
    from softphone.sip.spec import AccountSpec
    from softphone.sync.client import SyncClient
    from softphone.sync.worker import SyncWorker

    client, session, server = parts.client, parts.session, parts.server
    parts.journal = Journal(data_dir / "journal.sqlite3")
    holder: list[Any] = []
    parts.worker = SyncWorker(
        client,
        parts.journal,
        campaign_id=session.campaign.id,
        lease_ahead=LEASE_AHEAD,
        heartbeat_s=float(session.heartbeat_interval_s),
        on_contacts=lambda: holder[0].notify_contacts() if holder else None,
        on_status=lambda status: holder[0].notify_status(status) if holder else None,
    )
    sip = session.sip
    account = parts.engine.add_account(
        AccountSpec(
            user=sip.username,
            domain=sip.domain,
            password=sip.password() or "",
            display_name=session.user.display_name,
        )
    )
    parts.phone = Phone(parts.engine)
    parts.phone.attach_account(account, sip.domain, registers=False)
    db_lane, net_lane = Lane("db"), Lane("net-reference")
    parts.lanes = [db_lane, net_lane]
    reference_http = requests.Session()
    parts.http.append(reference_http)
    reference = SyncClient(server.url, reference_http, token=session.token(), clock=client.clock)
    parts.workflow = CallerWorkflow(
        parts.phone,
        parts.journal,
        session,
        parts.worker,
        db_lane,
        client=reference,
        net_lane=net_lane,
    )
    holder.append(parts.workflow)


# -- working: the call, the outcome, the sync, the server's word ---------------------------


def _work(args: argparse.Namespace, app: Any, parts: Parts, run: Run, reporter: Any) -> None:
    from softphone.demo_driver import HeadlessCaller

    caller = parts.caller = HeadlessCaller(
        parts.workflow,
        parts.phone,
        functools.partial(say, reporter),
        duration=args.duration,
        dtmf=args.dtmf or "",
        dtmf_delay=args.dtmf_delay,
    )
    parts.worker.start()
    limit = SETUP_WAIT_S + args.timeout + args.duration + 10.0
    if not _run_until(app, caller, limit):
        state = parts.workflow.state.value
        raise DemoFailedError(f"the workflow did not finish within {limit:.0f} s (state {state})")
    if caller.contact is not None:
        contact = caller.contact
        run.contact = {"id": contact.id, "name": contact.name, "phone": contact.phones[0]}
    if caller.script is not None:
        run.script_language = caller.script.language
    if caller.failure is not None:
        raise DemoFailedError(caller.failure)
    run.outcome_uuid = caller.outcome_uuid or ""
    parts.worker.wake()
    run.synced = parts.worker.drain(SYNC_WAIT_S)
    if not run.synced:
        raise DemoFailedError(f"the outcome did not reach the server: {parts.worker.status}")
    say(reporter, "sync", "sync worker: outcome uploaded and acknowledged; outbox empty")
    _confirm(parts.server, run, reporter)
    _log_out(app, parts, run, reporter)


def _run_until(app: Any, caller: Any, limit_s: float) -> bool:
    """Run the Qt event loop until the caller finishes (True), the limit passes or Ctrl-C."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    caller.finished.connect(loop.quit)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(int(limit_s * 1000))
    with cli.StopFlag() as stop:
        poll = QTimer()  # lets Python run the Ctrl-C handler while Qt waits
        poll.timeout.connect(lambda: loop.quit() if stop.requested else None)
        poll.start(100)
        QTimer.singleShot(0, caller.start)
        loop.exec()
        poll.stop()
        if stop.requested:
            raise DemoFailedError("interrupted")
    timer.stop()
    del app
    return caller.done


def _log_out(app: Any, parts: Parts, run: Run, reporter: Any) -> None:
    """The shift ends: leases back, presence logged_out, token revoked (the db lane job)."""
    parts.workflow.logout()
    for lane in parts.lanes:
        lane.shutdown(wait=True)
    app.processEvents()
    parts.lanes = []
    parts.worker = None  # stopped by the logout job
    run.logged_out = True
    say(reporter, "logout", "logged out: unused leases handed back, token revoked")


def _confirm(server: Any, run: Run, reporter: Any) -> None:
    """Ask the server, as the demo supervisor, whether it stored the outcome exactly once."""
    api = server.api_url
    with requests.Session() as http:
        reply = http.post(
            f"{api}/login",
            json={"username": server.supervisor_username, "password": server.supervisor_password},
            timeout=10,
        )
        reply.raise_for_status()
        http.headers["Authorization"] = f"Bearer {reply.json()['token']}"
        params = {"campaign_id": server.campaign_id}
        report = http.get(f"{api}/reports/outcomes", params=params, timeout=10).json()
        text = http.get(f"{api}/reports/outcomes.csv", params=params, timeout=10).text
    run.report_total = int(report["total"])
    run.report_rows = {row["key"]: int(row["count"]) for row in report["rows"]}
    rows = list(csv.DictReader(io.StringIO(text)))
    run.stored_times = sum(1 for row in rows if row["uuid"] == run.outcome_uuid)
    counts = ", ".join(f"{key} {count}" for key, count in run.report_rows.items())
    say(
        reporter,
        "confirmed",
        f"server confirms: outcome {run.outcome_uuid} stored {run.stored_times}×; "
        f"report total {run.report_total} ({counts})",
    )
    if run.stored_times != 1:
        raise DemoFailedError(f"the server holds the outcome {run.stored_times} times, not once")


def _forget_secrets(session: Any) -> None:
    """The demo's throwaway token and SIP password leave the keyring with the run."""
    from softphone import secrets

    if session is None or secrets.memory_only():
        return  # nothing reached an OS keyring; the process forgets the rest on exit
    sip = session.sip
    secrets.forget(
        session.server_url,
        session.username,
        sip_user=sip.username if sip else None,
        sip_domain=sip.domain if sip else None,
    )


# -- the summary ----------------------------------------------------------------------------


def _finish(
    args: argparse.Namespace, reporter: Any, run: Run, parts: Parts, failure: str | None
) -> int:
    trace = parts.caller.trace if parts.caller is not None else None
    summary: dict[str, Any] = {"event": "summary", **(asdict(trace) if trace else {})}
    summary.setdefault("answered", False)
    summary["callee"] = [asdict(r) for r in parts.callee.reactions()] if parts.callee else []
    summary["workflow"] = asdict(run)
    if args.record is not None and trace is not None and trace.answered:
        summary["heard_share"] = heard_share(args.record)
        if summary["heard_share"] < 0.3:
            failure = failure or "the callee's greeting was not heard through the headset"
    code = cli.EXIT_OK
    if failure is not None:
        summary["failure"] = failure
        say(reporter, "failed", f"demo FAILED: {failure}")
        code = cli.EXIT_INTERRUPTED if failure == "interrupted" else cli.EXIT_CHECK_FAILED
    else:
        say(reporter, "done", "demo complete: login, lease, call, outcome, sync and logout worked")
    summary["exit_code"] = code
    reporter.emit(summary)
    return code


__all__ = ["DemoFailedError", "Run", "run_workflow"]
