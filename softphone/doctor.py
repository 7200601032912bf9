"""``sampark doctor``: what this PC's softphone can do, and whether its registrar answers.

Three probes, each returning plain data for the CLI to print (text or JSON):

* ``pjsua2_report()``  pjsua2 build facts via ``SipEngine.build_info()`` (version, TLS, SRTP,
  codecs, sound devices); the only part that touches pjsua2, through the engine facade.
* ``portaudio_report()`` PortAudio devices (``softphone.audio.devices`` or ``sounddevice``).
* ``probe_registrar(uri)`` one SIP OPTIONS request over UDP, TCP or TLS with plain Python
  sockets and a short timeout; reports the response status line. Any SIP response (even 404
  or 405) proves a SIP server is there; only no answer is a failure.

With ``softphone.selftest``: Python TLS, the configured server (``GET /healthz``, TLS
verified), the journal's health (integrity check, outbox counts) and, with ``--self-test``
(the frozen app's ``Sampark --self-test``), an import of every module of the app.

``KNOWN_LIMITS`` are stated on every run: they are facts about the shipped wheels.
"""

from __future__ import annotations

import argparse
import os
import socket
import ssl
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any, TextIO

from softphone import config, selftest
from softphone.cli import EXIT_CHECK_FAILED, EXIT_OK, Reporter, resolve_identity

KNOWN_LIMITS: tuple[str, ...] = (
    "The pjsua2-python wheel has no sound devices: audio goes through the PortAudio bridge.",
    "The Windows pjsua2-python wheel is built without TLS: use UDP or TCP there.",
    "SRTP keys come from pjlib's weak random generator in this build (not a CSPRNG).",
    "pjsip 2.15.1 lacks upstream security fixes released after it.",
)


@dataclass(frozen=True)
class Target:
    """Where a registrar URI points: host, port and transport (no DNS SRV/NAPTR lookup)."""

    host: str
    port: int
    transport: str  # udp | tcp | tls


@dataclass
class ProbeResult:
    target: str
    transport: str
    ok: bool
    status_line: str = ""
    code: int = 0
    rtt_ms: float = 0.0
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_target(uri: str, default_transport: str = "udp") -> Target:
    """Parse ``sip:host[:port][;transport=x]``, ``sips:...`` or ``host[:port]``."""
    rest = uri.strip()
    scheme = "sip"
    for prefix in ("sips:", "sip:"):
        if rest.lower().startswith(prefix):
            scheme, rest = prefix[:-1], rest[len(prefix) :]
            break
    rest, _, params = rest.partition(";")
    rest = rest.rsplit("@", 1)[-1]
    transport = "tls" if scheme == "sips" else default_transport.lower()
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "transport" and value:
            transport = value.strip().lower()
    host, port = _split_host_port(rest)
    if not host:
        raise ValueError(f"no host in registrar {uri!r}")
    return Target(host, port or (5061 if transport == "tls" else 5060), transport)


def _split_host_port(text: str) -> tuple[str, int]:
    if text.startswith("["):
        host, _, tail = text[1:].partition("]")
        return host, int(tail[1:]) if tail.startswith(":") else 0
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host, int(port)
    return text, 0


def _options_request(target: Target, local: tuple[str, int], branch: str) -> bytes:
    host = f"[{target.host}]" if ":" in target.host else target.host
    lhost = f"[{local[0]}]" if ":" in local[0] else local[0]
    proto = target.transport.upper()
    lines = [
        f"OPTIONS sip:{host}:{target.port} SIP/2.0",
        f"Via: SIP/2.0/{proto} {lhost}:{local[1]};rport;branch={branch}",
        "Max-Forwards: 70",
        f"From: <sip:sampark-doctor@{lhost}>;tag={uuid.uuid4().hex[:10]}",
        f"To: <sip:{host}:{target.port}>",
        f"Call-ID: {uuid.uuid4().hex}@{lhost}",
        "CSeq: 1 OPTIONS",
        f"Contact: <sip:sampark-doctor@{lhost}:{local[1]};transport={target.transport}>",
        "Accept: application/sdp",
        "User-Agent: Sampark-doctor",
        "Content-Length: 0",
        "",
        "",
    ]
    return "\r\n".join(lines).encode()


def _status_from(data: bytes, branch: str) -> str | None:
    """The status line if ``data`` is a final response to our request, else None."""
    text = data.decode("utf-8", "replace")
    status = text.split("\r\n", 1)[0].strip()
    if not status.startswith("SIP/2.0 ") or branch not in text:
        return None
    code = int(status.split()[1])
    return status if code >= 200 else None


def _probe_udp(target: Target, timeout: float, branch: str) -> str:
    family = socket.AF_INET6 if ":" in target.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.connect((target.host, target.port))
        request = _options_request(target, sock.getsockname()[:2], branch)
        deadline = time.monotonic() + timeout
        resend_at, interval = 0.0, 0.5  # RFC 3261 timer A style retransmission
        while (now := time.monotonic()) < deadline:
            if now >= resend_at:
                sock.send(request)
                resend_at, interval = now + interval, min(interval * 2, 4.0)
            sock.settimeout(max(0.01, min(resend_at, deadline) - time.monotonic()))
            try:
                status = _status_from(sock.recv(65535), branch)
            except TimeoutError:
                continue
            except ConnectionRefusedError as exc:
                raise OSError("port unreachable (ICMP): nothing listens there") from exc
            if status:
                return status
    raise TimeoutError(f"no SIP answer within {timeout:g} s")


def _probe_stream(target: Target, timeout: float, branch: str) -> str:
    deadline = time.monotonic() + timeout
    raw = socket.create_connection((target.host, target.port), timeout=timeout)
    sock: socket.socket = raw
    try:
        if target.transport == "tls":
            context = ssl.create_default_context()
            sock = context.wrap_socket(raw, server_hostname=target.host)
        sock.sendall(_options_request(target, sock.getsockname()[:2], branch))
        buf = b""
        while time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = sock.recv(65535)
            if not chunk:
                raise OSError("connection closed without a SIP answer")
            buf += chunk
            while b"\r\n\r\n" in buf:
                head, _, buf = buf.partition(b"\r\n\r\n")
                status = _status_from(head, branch)
                if status:
                    return status
        raise TimeoutError(f"no SIP answer within {timeout:g} s")
    finally:
        sock.close()


def probe_registrar(uri: str, default_transport: str = "udp", timeout: float = 3.0) -> ProbeResult:
    """Send one SIP OPTIONS to the registrar and report the answer (never raises)."""
    try:
        target = parse_target(uri, default_transport)
    except ValueError as exc:
        return ProbeResult(uri, default_transport, False, error=str(exc))
    shown = f"{target.host}:{target.port}"
    branch = "z9hG4bK" + uuid.uuid4().hex[:16]
    start = time.monotonic()
    try:
        if target.transport == "udp":
            status = _probe_udp(target, timeout, branch)
        elif target.transport in ("tcp", "tls"):
            status = _probe_stream(target, timeout, branch)
        else:
            raise ValueError(f"unknown transport {target.transport!r}")
    except (OSError, ValueError, ssl.SSLError) as exc:
        return ProbeResult(shown, target.transport, False, error=str(exc) or type(exc).__name__)
    rtt = (time.monotonic() - start) * 1000.0
    code = int(status.split()[1])
    return ProbeResult(shown, target.transport, True, status, code, round(rtt, 1))


def pjsua2_report() -> dict[str, Any]:
    """pjsua2 build facts from the engine facade; ``error`` set if they are unavailable."""
    try:
        from softphone.sip.engine import SipEngine

        info = dict(SipEngine.build_info())
    except Exception as exc:  # report, never crash the doctor
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    info.setdefault("ok", True)
    return info


def portaudio_report() -> dict[str, Any]:
    """PortAudio's devices, as the audio layer sees them (``ok`` False if PortAudio is absent)."""
    try:
        from softphone.audio import devices
    except ImportError:
        return _sounddevice_report()
    problem = devices.portaudio_problem()
    if problem:
        return {"ok": False, "source": "softphone.audio.devices", "error": problem, "devices": []}
    found = []
    for info in devices.list_devices():
        entry = _jsonable_device(info)
        entry["label"] = info.label
        found.append(entry)
    return {"ok": True, "source": "softphone.audio.devices", "devices": found}


def _sounddevice_report() -> dict[str, Any]:
    try:
        import sounddevice

        found = [_jsonable_device(d) for d in sounddevice.query_devices()]
        return {"ok": True, "source": "sounddevice", "devices": found}
    except Exception as exc:  # OSError when libportaudio is missing
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "devices": []}


def _jsonable_device(device: Any) -> dict[str, Any]:
    if isinstance(device, dict):
        raw = device
    elif hasattr(device, "__dataclass_fields__"):
        raw = asdict(device)
    else:
        raw = {"name": str(device)}
    return {str(k): v for k, v in raw.items() if isinstance(v, (str, int, float, bool))}


def environment_report() -> dict[str, Any]:
    import platform
    import sys

    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "pid": os.getpid(),
    }


# -- the command ----------------------------------------------------------------------


def run_doctor(args: argparse.Namespace, settings: config.Settings, reporter: Reporter) -> int:
    ident = resolve_identity(args, settings)
    self_test = bool(getattr(args, "self_test", False))
    report: dict[str, Any] = {
        "event": "doctor",
        "version": selftest.version(),
        "environment": environment_report(),
        "modules": selftest.modules_report() if self_test else None,
        "pjsua2": pjsua2_report(),
        "portaudio": portaudio_report(),
        "tls": selftest.tls_report(),
        "server": None,
        "registrar": None,
        "journal": selftest.journal_report(),
        "known_limits": list(KNOWN_LIMITS),
        "settings_problems": list(settings.problems),
    }
    if settings.server_url:
        report["server"] = selftest.server_report(
            settings.server_url, settings.tls_verify, args.probe_timeout
        )
    if ident.account.registrar:
        result = probe_registrar(
            ident.account.registrar, ident.account.transport.value, args.probe_timeout
        )
        report["registrar"] = result.to_dict()
    failures = _doctor_failures(report)
    report["ok"] = not failures
    report["failures"] = failures
    report["warnings"] = _doctor_warnings(report)
    if reporter.as_json:
        reporter.emit(report)
    else:
        print_doctor(report, reporter.out)
    return EXIT_OK if not failures else EXIT_CHECK_FAILED


def _doctor_failures(report: dict[str, Any]) -> list[str]:
    failures = []
    if not report["pjsua2"].get("ok"):
        failures.append(f"pjsua2: {report['pjsua2'].get('error')}")
    if not report["portaudio"].get("ok"):
        failures.append(f"PortAudio: {report['portaudio'].get('error')}")
    registrar = report["registrar"]
    if registrar is not None and not registrar["ok"]:
        failures.append(f"registrar {registrar['target']}: {registrar['error']}")
    for key, name in (("modules", "modules"), ("tls", "TLS"), ("journal", "journal")):
        if report[key] is not None and not report[key]["ok"]:
            failures.append(f"{name}: {report[key].get('error')}")
    server = report["server"]
    if server is not None and not server["ok"]:
        failures.append(f"server {server['url']}: {server['error']}")
    return failures


def _doctor_warnings(report: dict[str, Any]) -> list[str]:
    warnings = []
    if report["pjsua2"].get("ok") and not report["pjsua2"].get("tls"):
        warnings.append("this pjsua2 build has no TLS: SIP over TLS is impossible here")
    pa = report["portaudio"]
    if pa.get("ok") and not pa.get("devices"):
        warnings.append("PortAudio sees no audio devices: calls will be silent (plug a headset)")
    return warnings


def print_doctor(report: dict[str, Any], out: TextIO) -> None:
    def line(text: str = "") -> None:
        print(text, file=out)

    env = report["environment"]
    line(f"Sampark {report['version']}, Python {env['python']} on {env['platform']}")
    _print_checks(report, line)
    line("pjsua2:")
    for key, value in report["pjsua2"].items():
        if key != "known_limits":  # listed once, below
            line(f"  {key}: {_short(value)}")
    pa = report["portaudio"]
    line(f"PortAudio ({pa.get('source', 'unavailable')}): {len(pa.get('devices', []))} device(s)")
    if pa.get("error"):
        line(f"  error: {pa['error']}")
    for dev in pa.get("devices", []):
        line(f"  - {dev.get('label') or dev.get('name', dev)}")
    reg = report["registrar"]
    if reg is None:
        line("Registrar: none configured (not checked)")
    elif reg["ok"]:
        line(f"Registrar {reg['target']} ({reg['transport']}): {reg['status_line']}")
        line(f"  answered in {reg['rtt_ms']:.0f} ms")
    else:
        line(f"Registrar {reg['target']} ({reg['transport']}): NO ANSWER - {reg['error']}")
    for problem in report["settings_problems"]:
        line(f"Settings: {problem}")
    line("Known limits:")
    for limit in report["known_limits"]:
        line(f"  - {limit}")
    for warning in report["warnings"]:
        line(f"Warning: {warning}")
    line("OK" if report["ok"] else "FAILED: " + "; ".join(report["failures"]))


def _print_checks(report: dict[str, Any], line: Any) -> None:
    """One line per self-test check: modules, TLS, server, journal."""
    mods = report["modules"]
    if mods is not None:
        line(f"Modules: {_mark(mods)} {mods['loaded']} loaded in {mods['seconds']} s")
        for name, error in mods["failed"].items():
            line(f"  - {name}: {error}")
    tls = report["tls"]
    line(f"TLS: {_mark(tls)} {tls['openssl']}, CA bundle {tls.get('ca_bundle', '?')}")
    server = report["server"]
    if server is None:
        line("Server: none configured (not checked)")
    elif server["ok"]:
        line(f"Server: OK {server['url']} answered in {server['rtt_ms']:.0f} ms")
    else:
        line(f"Server: FAILED {server['url']} - {server['error']}")
    jr = report["journal"]
    if not jr["ok"]:
        line(f"Journal: FAILED {jr['path']} - {jr['error']}")
    elif not jr["exists"]:
        line(f"Journal: OK {jr['path']} (not created yet)")
    else:
        counts = f"{jr['waiting']} waiting, {jr['rejected']} rejected, {jr['conflict']} conflict"
        line(f"Journal: OK {jr['path']} ({counts})")


def _mark(check: dict[str, Any]) -> str:
    return "OK" if check.get("ok") else f"FAILED ({check.get('error')})"


def _short(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value)
