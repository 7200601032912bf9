"""Pure parts of the headless CLI: identity resolution, registrar parsing, exit codes, output."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from softphone import cli, config
from softphone.cli_calls import CallProgress, record_path_for
from softphone.doctor import parse_target
from softphone.sip.events import Transport


def parse(*argv: str) -> argparse.Namespace:
    return cli.build_parser().parse_args(list(argv))


@pytest.mark.parametrize(
    ("uri", "transport", "expected"),
    [
        ("sip:pbx.example.in", "udp", ("pbx.example.in", 5060, "udp")),
        ("sip:10.0.0.5:5080;transport=tcp", "udp", ("10.0.0.5", 5080, "tcp")),
        ("sips:pbx.example.in", "udp", ("pbx.example.in", 5061, "tls")),
        ("pbx.example.in:5062", "tls", ("pbx.example.in", 5062, "tls")),
        ("sip:[::1]:5070", "udp", ("::1", 5070, "udp")),
        ("sip:1001@pbx.example.in", "tcp", ("pbx.example.in", 5060, "tcp")),
    ],
)
def test_parse_target(uri: str, transport: str, expected: tuple[str, int, str]) -> None:
    target = parse_target(uri, transport)
    assert (target.host, target.port, target.transport) == expected


def test_options_win_over_settings_and_domain_implies_registrar(monkeypatch) -> None:
    monkeypatch.setenv("SAMPARK_SIP_DOMAIN", "centre.example.in")
    monkeypatch.setenv("SAMPARK_SIP_USER", "agent7")
    monkeypatch.setenv("SAMPARK_SIP_TRANSPORT", "tcp")
    settings = config.load()
    ident = cli.resolve_identity(parse("call", "x", "--user", "1001"), settings)
    assert ident.account.user == "1001"
    assert ident.account.domain == "centre.example.in"
    assert ident.account.registrar == "sip:centre.example.in"
    assert ident.account.transport is Transport.TCP
    assert ident.registrar_given
    no_reg = cli.resolve_identity(parse("call", "x", "--no-register"), settings)
    assert no_reg.account.registrar == "" and not no_reg.registrar_given


def test_password_only_from_the_named_environment_variable(monkeypatch) -> None:
    monkeypatch.setenv("MY_SIP_PW", "s3cret")
    ident = cli.resolve_identity(parse("call", "x", "--password-env", "MY_SIP_PW"), config.load())
    assert ident.account.password == "s3cret"
    assert "s3cret" not in repr(ident.account)
    monkeypatch.delenv("MY_SIP_PW")
    with pytest.raises(cli.CliError) as err:
        cli.resolve_identity(parse("call", "x", "--password-env", "MY_SIP_PW"), config.load())
    assert err.value.exit_code == cli.EXIT_USAGE
    with pytest.raises(SystemExit):  # there is no option that takes the password itself
        parse("call", "x", "--password", "s3cret")


def test_listen_address_binds_udp_and_tcp() -> None:
    args = parse("answer", "--listen", "127.0.0.1:5090")
    ident = cli.resolve_identity(args, config.load(), listen=cli.parse_listen(args.listen))
    assert ident.endpoint.bind_address == "127.0.0.1"
    assert (ident.endpoint.udp_port, ident.endpoint.tcp_port) == (5090, 5090)


def test_record_path_per_call() -> None:
    base = Path("/tmp/out.wav")
    assert record_path_for(base, 1, 1) == base
    assert record_path_for(base, 2, 3) == Path("/tmp/out-2.wav")
    assert record_path_for(None, 1, 2) is None


@pytest.mark.parametrize(
    ("progress", "code"),
    [
        (CallProgress(1, "u", answered=True, final_code=200), cli.EXIT_OK),
        (CallProgress(1, "u", answered=True, interrupted=True), cli.EXIT_OK),
        (CallProgress(1, "u", final_code=486), cli.EXIT_REJECTED),
        (CallProgress(1, "u", final_code=487, timed_out=True), cli.EXIT_NO_ANSWER),
        (CallProgress(1, "u", final_code=487, interrupted=True), cli.EXIT_INTERRUPTED),
        (CallProgress(1, "u", final_code=171042), cli.EXIT_ENGINE),
    ],
)
def test_exit_codes(progress: CallProgress, code: int) -> None:
    assert progress.exit_code() == code
    assert progress.summary()["exit_code"] == code


def test_human_lines() -> None:
    line = cli.human_line(
        {"event": "call_state", "call_id": 3, "state": "disconnected", "code": 486,
         "reason": "Busy Here", "ts": 0}
    )  # fmt: skip
    assert line.endswith("call 3 disconnected 486 Busy Here")
    summary = CallProgress(1, "u", final_code=486, reason="Busy Here").summary()
    assert "NOT answered" in cli.human_line(summary) and "exit 4" in cli.human_line(summary)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, ("10.0.0.1", 5070)),
        ("127.0.0.1:5090", ("127.0.0.1", 5090)),
        (":5091", ("10.0.0.1", 5091)),
        ("192.168.1.2", ("192.168.1.2", 5070)),
        ("[::1]:5092", ("::1", 5092)),
        ("::1", ("::1", 5070)),
    ],
)
def test_parse_listen(text: str | None, expected: tuple[str, int]) -> None:
    assert cli.parse_listen(text, "10.0.0.1", 5070) == expected
    with pytest.raises(cli.CliError):
        cli.parse_listen("host:port")
