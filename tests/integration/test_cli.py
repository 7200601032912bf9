"""``sampark call|answer|doctor`` run as real subprocesses against sipp on loopback.

Each test starts its own sipp on free ports with a small scenario written here, runs the CLI
with ``--json`` and checks the exit code and the JSON events. No mocks: the CLI's SipEngine
talks real SIP/RTP to sipp.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from siptest import free_port, free_rtp_base

pytestmark = pytest.mark.sipp

SIPP = "sipp"
CLI = [sys.executable, "-m", "softphone.cli"]

# A UAS that answers with PCMU + telephone-event, so RFC 4733 DTMF is negotiated; run with
# -rtp_echo, sipp sends every RTP packet (voice and DTMF events) straight back. The answer
# reuses the offer's telephone-event/8000 payload type, so echoed events match our rx PT.
UAS_ANSWER = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uas answer with telephone-event">
  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp="a=rtpmap:([0-9]+) telephone-event/8000" search_in="body"
            check_it="true" assign_to="te,te_pt"/>
    </action>
  </recv>
  <Reference variables="te"/>
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Length: 0

]]></send>
  <send retrans="500"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 [$te_pt]
a=rtpmap:0 PCMU/8000
a=rtpmap:[$te_pt] telephone-event/8000
a=fmtp:[$te_pt] 0-15
]]></send>
  <recv request="ACK" crlf="true"/>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
"""

UAS_BUSY = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uas busy">
  <recv request="INVITE"/>
  <send><![CDATA[
SIP/2.0 486 Busy Here
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <recv request="ACK"/>
</scenario>
"""

# Answers 200 with PCMU only (no telephone-event), so DTMF must arrive as SIP INFO; the
# scenario fails unless each INFO carries the expected digit (check_it on a regexp).
UAS_DTMF_INFO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uas expects DTMF via SIP INFO">
  <recv request="INVITE"/>
  <send retrans="500"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
  <recv request="ACK"/>
  {infos}
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
"""

INFO_STEP = """
  <recv request="INFO">
    <action><ereg regexp="Signal=\\s*{digit}" search_in="body" check_it="true"
                  assign_to="d{n}"/></action>
  </recv>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <Reference variables="d{n}"/>
"""

OPTIONS_UAS = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="answer OPTIONS">
  <recv request="OPTIONS"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Allow: INVITE, ACK, BYE, CANCEL, OPTIONS
Content-Length: 0

]]></send>
</scenario>
"""


# Rings and never answers; accepts our CANCEL the RFC 3261 way (200 to CANCEL, 487 to INVITE).
UAS_RING_FOREVER = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uas rings until cancelled">
  <recv request="INVITE"/>
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Length: 0

]]></send>
  <recv request="CANCEL"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <send><![CDATA[
SIP/2.0 487 Request Terminated
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
CSeq: [cseq] INVITE
Content-Length: 0

]]></send>
  <recv request="ACK"/>
</scenario>
"""

REGISTER_FORBIDDEN = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="registrar refuses">
  <recv request="REGISTER"/>
  <send><![CDATA[
SIP/2.0 403 Forbidden
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
"""


class Sipp:
    """One sipp process on free loopback ports, stopped (by PID) at the end of the test."""

    def __init__(self, tmp: Path, scenario: str, name: str, extra: list[str] | None = None):
        self.port = free_port()
        self.media_port = free_rtp_base()
        path = tmp / f"{name}.xml"
        path.write_text(scenario)
        self.log = tmp / f"{name}.sipp.log"
        cmd = [SIPP, "-sf", str(path), "-i", "127.0.0.1", "-p", str(self.port)]
        cmd += ["-mp", str(self.media_port), "-m", "1", "-nostdin", "-timeout", "60s"]
        cmd += ["-timeout_error", *(extra or [])]
        self.proc = subprocess.Popen(
            cmd, stdout=self.log.open("wb"), stderr=subprocess.STDOUT, cwd=tmp
        )
        time.sleep(0.3)  # let sipp bind before the first INVITE

    @property
    def uri(self) -> str:
        return f"sip:service@127.0.0.1:{self.port}"

    def wait(self, timeout: float = 30.0) -> int:
        return self.proc.wait(timeout=timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)


@pytest.fixture
def sipp_factory(tmp_path: Path):
    started: list[Sipp] = []

    def start(scenario: str, name: str, extra: list[str] | None = None) -> Sipp:
        sipp = Sipp(tmp_path, scenario, name, extra)
        started.append(sipp)
        return sipp

    yield start
    for sipp in started:
        sipp.stop()


def run_cli(
    args: list[str], timeout: float = 60.0, env: dict[str, str] | None = None
) -> tuple[int, list[dict[str, Any]], str]:
    proc = subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return proc.returncode, events, proc.stderr


def states(events: list[dict[str, Any]]) -> list[str]:
    return [e["state"] for e in events if e["event"] == "call_state"]


def summary_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    summaries = [e for e in events if e["event"] == "summary"]
    assert len(summaries) == 1, events
    return summaries[0]


IDENTITY = ["--user", "tester", "--bind", "127.0.0.1", "--local-port", "0", "--no-register"]


def test_call_answered_exit_zero_with_rtp_both_ways(sipp_factory) -> None:
    sipp = sipp_factory(UAS_ANSWER, "answer", ["-rtp_echo"])
    code, events, stderr = run_cli(["call", sipp.uri, *IDENTITY, "--duration", "2.5", "--json"])
    assert code == 0, (events, stderr)
    assert "confirmed" in states(events)
    assert states(events)[-1] == "disconnected"
    summary = summary_of(events)
    assert summary["answered"] is True
    assert summary["exit_code"] == 0
    assert summary["duration_s"] >= 2.0
    assert summary["stats"]["tx_packets"] > 0, summary
    assert summary["stats"]["rx_packets"] > 0, summary  # echoed back by sipp
    assert sipp.wait() == 0


def test_call_busy_exits_rejected_with_486(sipp_factory) -> None:
    sipp = sipp_factory(UAS_BUSY, "busy")
    code, events, stderr = run_cli(["call", sipp.uri, *IDENTITY, "--json"])
    assert code == 4, (events, stderr)
    summary = summary_of(events)
    assert summary["answered"] is False
    assert summary["final_code"] == 486
    disconnected = [e for e in events if e.get("state") == "disconnected"]
    assert disconnected and disconnected[-1]["code"] == 486
    assert sipp.wait() == 0


def test_call_ring_no_answer_times_out_and_cancels(sipp_factory) -> None:
    sipp = sipp_factory(UAS_RING_FOREVER, "ring")
    code, events, stderr = run_cli(["call", sipp.uri, *IDENTITY, "--timeout", "2", "--json"])
    assert code == 5, (events, stderr)
    assert "early" in states(events)
    summary = summary_of(events)
    assert summary["answered"] is False and summary["timed_out"] is True
    assert summary["final_code"] == 487
    assert sipp.wait() == 0  # sipp saw our CANCEL and the ACK for its 487


def test_call_invalid_uri_is_an_engine_error() -> None:
    code, events, _ = run_cli(["call", "sip:bad uri@@", *IDENTITY, "--json"])
    assert code == 6
    assert summary_of(events)["answered"] is False
    assert any(e["event"] == "error" and e.get("where") == "make_call" for e in events)


def test_dtmf_rfc4733_round_trip(sipp_factory) -> None:
    sipp = sipp_factory(UAS_ANSWER, "dtmf", ["-rtp_echo"])
    args = ["call", sipp.uri, *IDENTITY, "--dtmf", "19#", "--duration", "3", "--json"]
    code, events, stderr = run_cli(args)
    assert code == 0, (events, stderr)
    sent = [e for e in events if e["event"] == "dtmf_sent"]
    assert sent and sent[0]["digits"] == "19#"
    # sipp's RTP echo reflects our RFC 4733 event packets: the engine decodes them back.
    received = "".join(e["digit"] for e in events if e["event"] == "dtmf")
    assert received == "19#", events
    assert summary_of(events)["dtmf_received"] == "19#"


def test_dtmf_falls_back_to_sip_info(sipp_factory) -> None:
    digits = "42"
    steps = "".join(INFO_STEP.format(digit=d, n=i) for i, d in enumerate(digits))
    sipp = sipp_factory(UAS_DTMF_INFO.format(infos=steps), "info")
    args = ["call", sipp.uri, *IDENTITY, "--dtmf", digits, "--duration", "2", "--json"]
    code, events, stderr = run_cli(args)
    assert code == 0, (events, stderr)
    assert sipp.wait() == 0, sipp.log.read_text(errors="replace")[-2000:]


def write_tone(path: Path, freq: float, seconds: float, rate: int = 16000) -> None:
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.5 * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(float), w.getframerate()


def tone_share(samples: np.ndarray, rate: int, freq: float) -> float:
    """Fraction of the signal's energy within +-50 Hz of ``freq`` (FFT)."""
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    bins = np.fft.rfftfreq(len(samples), 1 / rate)
    band = (bins > freq - 50) & (bins < freq + 50)
    return float(spectrum[band].sum() / max(spectrum.sum(), 1e-9))


@pytest.mark.parametrize("clock_rate", [16000, 8000])
def test_call_play_and_record_through_bridge(sipp_factory, tmp_path: Path, clock_rate) -> None:
    """--play goes out through the headset bridge, sipp echoes it, --record captures it; at
    both bridge rates the audio_clock_rate setting allows."""
    tone, heard = tmp_path / "tone.wav", tmp_path / "heard.wav"
    write_tone(tone, 1000.0, 6.0)
    sipp = sipp_factory(UAS_ANSWER, "echo", ["-rtp_echo"])
    args = ["call", sipp.uri, *IDENTITY, "--play", str(tone), "--record", str(heard)]
    env = {"SAMPARK_AUDIO_CLOCK_RATE": str(clock_rate)}
    code, events, stderr = run_cli([*args, "--duration", "3", "--json"], env=env)
    assert code == 0, (events, stderr)
    samples, rate = read_wav(heard)
    assert rate == clock_rate  # the recording runs at the bridge's rate
    assert len(samples) > rate * 2, "recording shorter than 2 s"
    loud = samples[np.abs(samples) > 0]
    assert len(loud) > rate, "recording is silent"
    assert tone_share(samples, rate, 1000.0) > 0.8


def test_ctrl_c_hangs_up_cleanly(sipp_factory) -> None:
    sipp = sipp_factory(UAS_ANSWER, "sigint", ["-rtp_echo"])
    proc = subprocess.Popen(
        [*CLI, "call", sipp.uri, *IDENTITY, "--json"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if json.loads(line).get("state") == "confirmed":
            break
    proc.send_signal(signal.SIGINT)
    rest = proc.stdout.read()
    code = proc.wait(timeout=20)
    events = [json.loads(line) for line in rest.splitlines() if line.strip()]
    summary = summary_of(events)
    assert summary["interrupted"] is True
    assert summary["answered"] is True
    assert code == 0
    assert sipp.wait() == 0  # sipp got its BYE


def run_answer_against_uac(
    tmp_path: Path, count: int, answer_args: list[str], uac_args: list[str]
) -> tuple[int, list[dict[str, Any]], subprocess.CompletedProcess[bytes]]:
    """Start ``sampark answer``, let a sipp UAC place ``count`` calls, return both outcomes."""
    port = free_port()
    args = ["answer", "--listen", f"127.0.0.1:{port}", "--count", str(count), "--json"]
    proc = subprocess.Popen(
        [*CLI, *args, "--timeout", "40", *answer_args], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    try:
        first = json.loads(proc.stdout.readline())
        assert first["event"] == "listening" and first["udp"] == port, first
        sipp_port, media = free_port(), free_rtp_base()
        uac_cmd = [SIPP, "-sn", "uac", f"127.0.0.1:{port}", "-i", "127.0.0.1"]
        uac_cmd += ["-p", str(sipp_port), "-mp", str(media), "-m", str(count), "-nostdin"]
        uac_cmd += ["-timeout", "30s", "-timeout_error", *uac_args]
        uac = subprocess.run(uac_cmd, capture_output=True, cwd=tmp_path, timeout=40)
        code = proc.wait(timeout=20)
        events = [json.loads(line) for line in proc.stdout.read().splitlines() if line.strip()]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert uac.returncode == 0, uac.stdout[-2000:]
    return code, events, uac


@pytest.mark.parametrize("count", [1, 2])
def test_answer_calls_from_sipp_uac(tmp_path: Path, count: int) -> None:
    """``answer --count N``: sipp places N calls (overlapping when N > 1); exit 0 after N."""
    record = tmp_path / "heard.wav"
    code, events, _ = run_answer_against_uac(
        tmp_path,
        count,
        ["--record", str(record)],
        ["-d", "1500"],  # 1.5 s of talk per call
    )
    assert code == 0, events
    summary = summary_of(events)
    assert summary["answered"] == count
    assert [c["answered"] for c in summary["calls"]] == [True] * count
    assert all(c["duration_s"] >= 1.0 for c in summary["calls"])
    assert [e["event"] for e in events].count("incoming_call") == count
    names = ["heard.wav"] if count == 1 else [f"heard-{i}.wav" for i in range(1, count + 1)]
    for name in names:  # recorded for the whole call (sipp sends no RTP: silence)
        with wave.open(str(tmp_path / name), "rb") as w:
            assert w.getnframes() / w.getframerate() > 0.5, name


def test_answer_plays_into_the_call_and_records_the_echo(tmp_path: Path) -> None:
    """``answer --play`` goes out as RTP, sipp echoes it, ``--record`` captures it."""
    tone, heard = tmp_path / "tone.wav", tmp_path / "heard.wav"
    write_tone(tone, 800.0, 6.0)
    code, events, _ = run_answer_against_uac(
        tmp_path, 1, ["--play", str(tone), "--record", str(heard)], ["-d", "3000", "-rtp_echo"]
    )
    assert code == 0, events
    samples, rate = read_wav(heard)
    assert len(samples) > rate * 2
    assert tone_share(samples, rate, 800.0) > 0.8


def test_doctor_json_reports_build_and_registrar(sipp_factory) -> None:
    sipp = sipp_factory(OPTIONS_UAS, "options")
    code, events, stderr = run_cli(
        ["doctor", "--registrar", f"sip:127.0.0.1:{sipp.port}", "--transport", "udp", "--json"]
    )
    assert len(events) == 1, (events, stderr)
    report = events[0]
    assert report["pjsua2"]["pjsip_version"].startswith("2.15.1"), report["pjsua2"]
    assert isinstance(report["pjsua2"]["tls"], bool)
    assert report["registrar"]["ok"] is True
    assert report["registrar"]["status_line"] == "SIP/2.0 200 OK"
    assert report["known_limits"]
    assert "devices" in report["portaudio"]
    assert code == (0 if report["ok"] else 1)
    assert sipp.wait() == 0


def test_doctor_reports_dead_registrar() -> None:
    port = free_port()  # nothing listens there
    code, events, _ = run_cli(
        ["doctor", "--registrar", f"sip:127.0.0.1:{port}", "--probe-timeout", "1", "--json"]
    )
    report = events[0]
    assert report["registrar"]["ok"] is False
    assert report["ok"] is False
    assert code == 1


def test_missing_password_variable_is_a_usage_error() -> None:
    env_name = "SAMPARK_TEST_SURELY_UNSET_PASSWORD"
    os.environ.pop(env_name, None)
    code, events, _ = run_cli(["call", "sip:x@127.0.0.1:9", "--password-env", env_name, "--json"])
    assert code == 2
    assert events[-1]["event"] == "error" and env_name in events[-1]["message"]


def test_launcher_headless_commands_never_import_widgets() -> None:
    probe = (
        "import sys\n"
        "from ui import launcher\n"
        "code = launcher.main(['doctor', '--json'])\n"
        "assert 'PySide6.QtWidgets' not in sys.modules, 'widgets imported'\n"
        "assert 'PySide6.QtGui' not in sys.modules, 'QtGui imported'\n"
        "sys.exit(code)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.pop("DISPLAY", None)
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, env=env
    )
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    assert report["event"] == "doctor"


def test_call_registration_refused_exits_3(sipp_factory) -> None:
    sipp = sipp_factory(REGISTER_FORBIDDEN, "register403")
    args = ["call", "sip:x@127.0.0.1", "--user", "u1", "--domain", "127.0.0.1"]
    args += ["--registrar", f"sip:127.0.0.1:{sipp.port}", "--bind", "127.0.0.1"]
    code, events, stderr = run_cli([*args, "--local-port", "0", "--json"])
    assert code == 3, (events, stderr)
    failed = [e for e in events if e["event"] == "registration" and e["state"] == "failed"]
    assert failed and failed[0]["code"] == 403, events
    assert events[-1]["event"] == "error" and "403" in events[-1]["message"]


def test_doctor_probes_registrar_over_tcp(sipp_factory) -> None:
    sipp = sipp_factory(OPTIONS_UAS, "options_tcp", ["-t", "t1"])
    registrar = f"sip:127.0.0.1:{sipp.port};transport=tcp"
    code, events, _ = run_cli(["doctor", "--registrar", registrar, "--json"])
    report = events[0]
    assert report["registrar"]["transport"] == "tcp"
    assert report["registrar"]["status_line"] == "SIP/2.0 200 OK", report["registrar"]
    assert code == (0 if report["ok"] else 1)


@pytest.fixture
def jack_env() -> Iterator[dict[str, str]]:
    """A private JACK dummy server (paced, no sound card) for CLI subprocesses to find."""
    name = f"sampark-cli-{os.getpid()}-{time.monotonic_ns() % 1_000_000}"
    env = dict(os.environ)
    env.update(JACK_NO_AUDIO_RESERVATION="1", JACK_NO_START_SERVER="1", JACK_DEFAULT_SERVER=name)
    cmd = ["jackd", "--no-realtime", "-n", name, "-d", "dummy", "-r", "16000", "-p", "320"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        ready = subprocess.run(
            ["jack_wait", "-w", "-t", "10"], capture_output=True, text=True, env=env
        )
        assert "available" in ready.stdout, ready.stdout + ready.stderr
        yield env
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_doctor_lists_portaudio_devices_and_call_uses_headset(sipp_factory, jack_env) -> None:
    """With a (JACK dummy) sound device: doctor lists it, ``call --headset`` talks through it."""
    proc = subprocess.run(
        [*CLI, "doctor", "--json"], capture_output=True, text=True, timeout=60, env=jack_env
    )
    report = json.loads(proc.stdout)
    labels = [d["label"] for d in report["portaudio"]["devices"]]
    assert any("JACK" in label for label in labels), labels
    assert not any("no audio devices" in w for w in report["warnings"])

    sipp = sipp_factory(UAS_ANSWER, "headset", ["-rtp_echo"])
    args = [*CLI, "call", sipp.uri, *IDENTITY, "--headset", "--duration", "2.5", "--json"]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60, env=jack_env)
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert proc.returncode == 0, (events, proc.stderr[-2000:])
    assert events[0] == {**events[0], "event": "audio_device", "name": "portaudio"}
    stats = summary_of(events)["stats"]
    assert stats["tx_packets"] > 50 and stats["rx_packets"] > 50, stats
