"""``sampark demo --headless``: the whole caller workflow on one machine, without a window.

Every step uses the real part and prints a progress line:

1. a SIP engine on loopback whose first account is the simulated callee (``DemoCallee``);
2. the embedded server (``softphone.demo_server``) on a temporary SQLite file; the demo
   callers' SIP domain is the callee's ``host:port``, so every contact number reaches it;
3. login as the demo caller through the real ``SyncClient`` (``campaign.session.login``);
4. the ``SyncWorker`` leases contacts into a journal in a temporary data folder;
5. the first leased contact's card and the script rendered in the contact's language;
6. the caller's account (the SIP identity from login) dials the contact's first number;
   the call runs a few seconds, a DTMF key is pressed (the callee confirms it), hang-up;
7. the outcome (``completed`` with survey answers) is saved in the journal (durable commit);
8. the worker uploads it, and the server confirms it to a supervisor: the report counts it
   and the CSV export holds its UUID exactly once.

The exit code is 0 only if every step happened. The SIP engine, journal, sync client and
worker are the ones the window uses; only the widgets (and ``CallerWorkflow``'s Qt wiring)
are left out.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import tempfile
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from softphone import cli, cli_calls, config
from softphone.demo import DEMO_HOST, DemoCallee, heard_share
from softphone.sip.events import Event, MediaStats
from softphone.sip.spec import AccountSpec, EndpointSpec

SURVEY = {"aware": 0, "families": 1}  # question key -> index of the option the demo picks
LEASE_WAIT_S = 15.0
SYNC_WAIT_S = 15.0


class DemoFailedError(Exception):
    """A step of the demo did not happen; the message says which."""


@dataclass
class Tapped(cli.Session):
    """The command's engine session, remembering the call's last media statistics."""

    last_stats: MediaStats | None = None

    def next_event(self, timeout: float = 0.2) -> Event | None:
        event = super().next_event(timeout)
        if isinstance(event, MediaStats):
            self.last_stats = event
        return event


@dataclass
class Run:
    """What the demo did so far (the summary's ``workflow`` part)."""

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


def say(reporter: cli.Reporter, step: str, message: str, **data: Any) -> None:
    reporter.emit({"event": "demo_step", "step": step, "message": message, **data})


def run_workflow(
    args: argparse.Namespace, settings: config.Settings, reporter: Any, server: Any = None
) -> int:
    """The headless demo; returns the exit code (0: every step happened).

    ``server``: a running ``DemoServer`` to use (tests keep it to check the outcome
    themselves); by default one is started for the run and stopped after it."""
    from softphone import demo

    device = demo._demo_device(args, settings)
    reporter.emit({"event": "audio_device", "name": device.name})
    run = Run()
    progress: cli_calls.CallProgress | None = None
    callee: DemoCallee | None = None
    session: Tapped | None = None
    with tempfile.TemporaryDirectory(prefix="sampark-demo-data-") as data_dir:
        try:
            session, callee = _start_sip(device, reporter)
            progress = _workflow(args, session, callee, server, Path(data_dir), run)
            failure = None
        except DemoFailedError as exc:
            failure = str(exc)
        except Exception as exc:  # a bug or an unforeseen fault: a sentence, trace on stderr
            traceback.print_exc()
            failure = f"unexpected {type(exc).__name__}: {exc}"
        finally:
            cli.stop_engine(session)
    return _finish(args, reporter, run, progress, callee, failure)


def _start_sip(device: Any, reporter: cli.Reporter) -> tuple[Tapped, DemoCallee]:
    spec = EndpointSpec(bind_address=DEMO_HOST, udp_port=0, tcp_port=None)
    started = cli.start_engine(spec, device, reporter)
    session = Tapped(started.engine, started.events, reporter)
    callee = DemoCallee(session.engine, domain=DEMO_HOST)
    callee.start()  # first account: it answers every number no other account claims
    say(reporter, "sip", f"SIP engine on {callee.dial_domain()}; simulated callee ready")
    return session, callee


def _workflow(
    args: argparse.Namespace,
    session: Tapped,
    callee: DemoCallee,
    given: Any,
    data_dir: Path,
    run: Run,
) -> cli_calls.CallProgress:
    from softphone.demo_server import start_demo_server

    reporter = session.reporter
    if given is not None:
        server = given
        server.set_sip_domain(callee.dial_domain())
    else:
        try:
            server = start_demo_server(sip_domain=callee.dial_domain())
        except Exception as exc:
            raise DemoFailedError(f"the embedded server did not start: {exc}") from exc
    run.server_url, run.server_start_s = server.url, server.startup_seconds
    say(
        reporter,
        "server",
        f"embedded server at {server.url} (ready in {server.startup_seconds:.2f} s)",
    )
    try:
        return _as_caller(args, session, server, data_dir, run, reporter)
    finally:
        if given is None:
            server.stop()


def _as_caller(
    args: argparse.Namespace,
    session: Tapped,
    server: Any,
    data_dir: Path,
    run: Run,
    reporter: cli.Reporter,
) -> cli_calls.CallProgress:
    from softphone.campaign import session as sessions
    from softphone.journal import Journal
    from softphone.sync.client import SyncClient
    from softphone.sync.errors import SyncError

    http = requests.Session()
    client = SyncClient(server.url, http)
    try:
        login = sessions.login(client, server.caller_username, server.caller_password, server.url)
        scripts = client.scripts(server.campaign_id)
    except SyncError as exc:
        raise DemoFailedError(f"login failed: {exc}") from exc
    run.caller = login.username
    say(
        reporter,
        "login",
        f"logged in as {login.user.display_name} ({login.username}), "
        f"campaign “{login.campaign.name if login.campaign else '?'}”",
    )
    journal = Journal(data_dir / "journal.sqlite3")
    try:
        return _call_and_record(args, session, client, login, scripts, journal, server, run)
    finally:
        journal.close()
        _logout(client, login)
        http.close()


def _logout(client: Any, login: Any) -> None:
    from softphone import secrets

    with contextlib.suppress(Exception):  # the server is going away anyway
        client.logout()
    if secrets.memory_only():
        return  # nothing reached an OS keyring; the process forgets it on exit
    sip = login.sip
    secrets.forget(
        login.server_url,
        login.username,
        sip_user=sip.username if sip else None,
        sip_domain=sip.domain if sip else None,
    )


def _call_and_record(
    args: argparse.Namespace,
    session: Tapped,
    client: Any,
    login: Any,
    scripts: list[Any],
    journal: Any,
    server: Any,
    run: Run,
) -> cli_calls.CallProgress:
    reporter = session.reporter
    leased = threading.Event()
    worker = _sync_worker(client, journal, server.campaign_id, leased.set)
    worker.start()
    try:
        contact = _first_contact(journal, leased)
        run.contact = {"id": contact.id, "name": contact.name, "phone": contact.phones[0]}
        _show_contact(reporter, contact)
        rendered = _show_script(reporter, contact, login.campaign, scripts)
        run.script_language = rendered.language
        progress, attempt = _dial(args, session, login, contact, rendered)
        if not progress.answered:
            raise DemoFailedError(
                f"the call to {contact.phones[0]} was not answered ({progress.reason})"
            )
        uuid = _save(journal, attempt, contact, login.campaign, rendered, reporter)
        run.outcome_uuid = uuid
        worker.wake()
        run.synced = worker.drain(SYNC_WAIT_S)
        if not run.synced:
            raise DemoFailedError("the outcome did not reach the server (still in the outbox)")
        say(reporter, "sync", "outcome uploaded and acknowledged; outbox empty")
    finally:
        worker.stop()
    _confirm(server, run, reporter)
    return progress


def _sync_worker(client: Any, journal: Any, campaign_id: int, on_contacts: Any) -> Any:
    try:
        from softphone.sync.worker import SyncWorker
    except ImportError:  # not there yet in this build: the plain loop below does its job
        return InlineSync(client, journal, campaign_id, on_contacts)
    return SyncWorker(
        client, journal, campaign_id=campaign_id, lease_ahead=3, on_contacts=on_contacts
    )


class InlineSync:
    """Stand-in for ``SyncWorker`` (same calls the demo uses) when it is not available."""

    def __init__(self, client: Any, journal: Any, campaign_id: int, on_contacts: Any) -> None:
        self.client, self.journal, self.campaign_id = client, journal, campaign_id
        self.on_contacts = on_contacts

    def start(self) -> None:
        reply = self.client.lease(self.campaign_id, 3)
        rows = [lease.contact.model_dump(mode="json") for lease in reply.leases]
        expiry = min((lease.expires_at for lease in reply.leases), default=None)
        if rows and expiry is not None:
            self.journal.cache_contacts(rows, self.campaign_id, expiry)
        self.on_contacts()

    def wake(self) -> None:
        pass

    def drain(self, timeout: float) -> bool:
        items = [item for item in self.journal.pending() if item.kind == "outcome"]
        results = self.client.upload_outcomes([item.payload for item in items])
        done = [r.uuid for r in results if r.status in ("accepted", "duplicate")]
        self.journal.mark_accepted(done)
        return len(done) == len(items)

    def stop(self, timeout: float = 5.0) -> None:
        pass


def _first_contact(journal: Any, leased: threading.Event) -> Any:
    from softphone.campaign.model import Contact

    deadline = time.monotonic() + LEASE_WAIT_S
    while time.monotonic() < deadline:
        rows = journal.leased_contacts()
        if rows:
            return Contact.from_dict(rows[0])
        leased.wait(0.2)
        leased.clear()
    raise DemoFailedError("no contact was leased from the server")


def _show_contact(reporter: cli.Reporter, contact: Any) -> None:
    where = f"{contact.state} / {contact.assembly_constituency} / booth {contact.booth_number}"
    say(
        reporter,
        "contact",
        f"next contact: {contact.name}, {contact.role}, {where}; language {contact.language}; "
        f"numbers {', '.join(contact.phones)}; {contact.attempts} earlier attempts",
        contact_id=contact.id,
    )


def _show_script(reporter: cli.Reporter, contact: Any, campaign: Any, wires: list[Any]) -> Any:
    from softphone.campaign.model import Script, choose_language

    scripts = {s.language: Script.from_wire(s) for s in wires}
    languages = tuple(sorted(scripts))
    language = choose_language(languages, contact.language, campaign.languages if campaign else ())
    if language is None:
        raise DemoFailedError("the campaign has no script")
    rendered = scripts[language].render(contact, languages)
    say(
        reporter,
        "script",
        f"script “{rendered.title}” (v{rendered.version}, {language}):",
        language=language,
    )
    for section in rendered.sections:
        say(reporter, "script", f"  {section.title}: {section.text}")
    return rendered


def _dial(
    args: argparse.Namespace, session: Tapped, login: Any, contact: Any, rendered: Any
) -> tuple[cli_calls.CallProgress, Any]:
    from softphone.campaign.attempt import CallAttempt
    from softphone.phone import to_sip_uri

    sip = login.sip
    if sip is None:
        raise DemoFailedError("login returned no SIP identity")
    account = session.engine.add_account(
        AccountSpec(
            user=sip.username,
            domain=sip.domain,
            password=sip.password() or "",
            display_name=login.user.display_name,
        )
    )
    number = contact.phones[0]
    uri = to_sip_uri(number, sip.domain)
    if uri is None:
        raise DemoFailedError(f"cannot dial {number!r}")
    say(session.reporter, "dial", f"dialling {contact.name} at {number} ({uri})")
    attempt = CallAttempt(contact, number, datetime.now(UTC), rendered.language, rendered.version)
    progress = cli_calls.CallProgress(session.engine.make_call(account, uri), uri)
    attempt.call_id = progress.call_id
    with cli.StopFlag() as stop:
        cli_calls.drive_call(session, progress, args, stop)
    _fill_attempt(attempt, progress, session.last_stats)
    return progress, attempt


def _fill_attempt(attempt: Any, progress: cli_calls.CallProgress, stats: Any) -> None:
    if progress.answered:
        attempt.answered_at = datetime.fromtimestamp(progress.confirmed_at, UTC)
    attempt.ended_at = datetime.fromtimestamp(progress.ended_at or time.time(), UTC)
    attempt.sip_code, attempt.sip_reason = progress.final_code, progress.reason
    attempt.stats = stats if stats is not None and stats.call_id == progress.call_id else None


def _save(
    journal: Any, attempt: Any, contact: Any, campaign: Any, rendered: Any, reporter: Any
) -> str:
    from softphone.campaign.attempt import OutcomeForm, build_records, validate

    survey = {
        q.key: q.options[min(SURVEY.get(q.key, 0), len(q.options) - 1)]
        for q in rendered.questions
        if q.options
    }
    form = OutcomeForm(
        "completed", survey, "sampark demo --headless", scheme=contact.variables.get("scheme")
    )
    problem = validate(form, campaign, datetime.now(UTC))
    if problem:
        raise DemoFailedError(f"the outcome cannot be saved: {problem}")
    call = attempt.call_record()
    outcome = build_records(call, contact, campaign, form, rendered.language, rendered.version)
    uuid = str(journal.save_outcome(outcome, call))
    answers = ", ".join(f"{k}={v}" for k, v in survey.items())
    say(reporter, "outcome", f"outcome saved in the journal: completed ({answers}), uuid {uuid}")
    return uuid


def _confirm(server: Any, run: Run, reporter: cli.Reporter) -> None:
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


def _finish(
    args: argparse.Namespace,
    reporter: Any,
    run: Run,
    progress: cli_calls.CallProgress | None,
    callee: DemoCallee | None,
    failure: str | None,
) -> int:
    summary: dict[str, Any] = progress.summary() if progress else {"event": "summary"}
    summary.setdefault("answered", False)
    summary["callee"] = [asdict(r) for r in callee.reactions()] if callee else []
    summary["workflow"] = asdict(run)
    code = int(summary.get("exit_code", cli.EXIT_CHECK_FAILED))
    if args.record is not None and progress is not None:
        summary["heard_share"] = heard_share(args.record)
        if progress.answered and summary["heard_share"] < 0.3:
            failure = failure or "the callee's greeting was not heard through the headset"
    if failure is not None:
        summary["failure"] = failure
        say(reporter, "failed", f"demo FAILED: {failure}")
        code = code or cli.EXIT_CHECK_FAILED
    else:
        say(reporter, "done", "demo complete: login, lease, call, outcome and sync all worked")
    summary["exit_code"] = code
    reporter.emit(summary)
    return code


__all__ = ["DemoFailedError", "run_workflow"]
