"""Plain parts of the session model: number → SIP URI, and the command registry."""

from __future__ import annotations

import pytest

from softphone import commands
from softphone.phone import Phone, to_sip_uri


@pytest.mark.parametrize(
    ("typed", "uri"),
    [
        ("1001", "sip:1001@pbx.example:5070"),
        (" 98 765-43(21) ", "sip:987654321@pbx.example:5070"),
        ("+919876543210", "sip:+919876543210@pbx.example:5070"),
        ("tel:+91-98765;ext=1", "sip:+9198765@pbx.example:5070"),
        ("alice@other.example", "sip:alice@other.example"),
        ("sip:bob@host:5062;transport=tcp", "sip:bob@host:5062;transport=tcp"),
        ("*43#", "sip:*43#@pbx.example:5070"),
        ("", None),
        ("   ", None),
        ("12 34 ü", None),
        ("@host", None),
        ("sip:", None),
    ],
)
def test_to_sip_uri(typed: str, uri: str | None) -> None:
    assert to_sip_uri(typed, "pbx.example:5070") == uri


def test_plain_number_needs_a_domain() -> None:
    assert to_sip_uri("1001", "") is None


def test_registry_ids_and_shortcuts_are_unique() -> None:
    """Unique per target; digits are shared by DTMF (in a call) and the campaign's outcome
    keys (in wrap-up), which are never enabled at the same time."""
    ids = [c.id for c in commands.COMMANDS]
    assert len(ids) == len(set(ids))
    for target in ("phone", "workflow"):
        keys = [c.shortcut for c in commands.COMMANDS if c.shortcut and c.target == target]
        assert len(keys) == len(set(keys)), target
    phone_keys = {c.shortcut for c in commands.COMMANDS if c.target == "phone"}
    campaign_keys = {c.shortcut for c in commands.COMMANDS if c.target == "workflow"}
    assert phone_keys & campaign_keys == set(commands.DISPOSITION_KEYS)


def test_every_call_action_has_a_shortcut_and_a_phone_predicate_and_method() -> None:
    for command in commands.COMMANDS:
        if command.id in ("settings", "quit") or command.target != "phone":
            continue
        assert command.shortcut, command.id
        assert callable(getattr(Phone, command.enabled_when)), command.id
        assert callable(getattr(Phone, command.method)), command.id
    phone_args = {c.arg for c in commands.COMMANDS if c.arg and c.target == "phone"}
    assert phone_args == set(commands.DTMF_DIGITS)


def test_run_dispatches_to_the_target() -> None:
    calls: list[tuple[str, tuple[str, ...]]] = []

    class Recorder:
        def __getattr__(self, name: str):
            return lambda *args: calls.append((name, args))

    target = Recorder()
    commands.run(commands.get("dial"), target, "1001")
    commands.run(commands.get("hold"), target)
    commands.run(commands.dtmf_command("#"), target)
    assert calls == [("dial", ("1001",)), ("toggle_hold", ()), ("send_dtmf", ("#",))]
    with pytest.raises(ValueError):
        commands.run(commands.get("quit"), target)


def test_commands_on_a_stopped_engine_report_a_failure() -> None:
    from softphone.sip.engine import SipEngine

    engine = SipEngine()  # never started: every command is refused
    phone = Phone(engine)
    failures: list = []
    phone.failure_reported.connect(failures.append)
    phone.attach_account(1, "127.0.0.1", registers=False)
    assert phone.can_dial()
    assert phone.dial("1001") is None
    assert phone.call is None
    assert failures and "not running" in failures[-1].reason
