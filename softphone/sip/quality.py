"""Call quality: an E-model (ITU-T G.107, simplified) MOS estimate and a traffic-light level.

Pure Python, no pjsua2: the UI's quality indicator and the engine's ``MediaStats`` share it.
Inputs are what RTCP gives us: codec name, packet loss %, jitter and round-trip time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

R0_DEFAULT = 93.2  # basic signal-to-noise ratio with default G.107 parameters
_DELAY_KNEE_MS = 177.3
_BURST_R = 1.0  # random loss
_CODEC_LATENCY_MS = 25.0  # packetisation + algorithmic delay, rough


@dataclass(frozen=True)
class CodecImpairment:
    ie: float  # equipment impairment factor
    bpl: float  # packet-loss robustness factor


# G.113 Appendix I values (with packet loss concealment where pjmedia has it).
_CODECS: dict[str, CodecImpairment] = {
    "pcmu": CodecImpairment(0.0, 25.1),
    "pcma": CodecImpairment(0.0, 25.1),
    "g722": CodecImpairment(0.0, 20.0),
    "l16": CodecImpairment(0.0, 25.1),
    "speex": CodecImpairment(11.0, 20.0),
    "ilbc": CodecImpairment(11.0, 32.0),
    "gsm": CodecImpairment(20.0, 43.0),
    "opus": CodecImpairment(0.0, 30.0),
}
_UNKNOWN = CodecImpairment(10.0, 20.0)


class QualityLevel(enum.Enum):
    GOOD = "green"
    FAIR = "amber"
    POOR = "red"


GREEN_MIN_MOS = 4.0
AMBER_MIN_MOS = 3.6


def codec_impairment(codec: str) -> CodecImpairment:
    """Look up by the codec's base name: ``"PCMU/8000/1"`` and ``"pcmu"`` both work."""
    base = codec.split("/", 1)[0].strip().lower()
    return _CODECS.get(base, _UNKNOWN)


def delay_impairment(one_way_ms: float) -> float:
    """Id from one-way mouth-to-ear delay (G.107 simplified, Cole & Rosenbluth)."""
    d = max(0.0, one_way_ms)
    extra = 0.11 * (d - _DELAY_KNEE_MS) if d > _DELAY_KNEE_MS else 0.0
    return 0.024 * d + extra


def r_factor(codec: str, loss_pct: float, jitter_ms: float = 0.0, rtt_ms: float = 0.0) -> float:
    imp = codec_impairment(codec)
    ppl = min(max(loss_pct, 0.0), 100.0)
    ie_eff = imp.ie + (95.0 - imp.ie) * ppl / (ppl / _BURST_R + imp.bpl)
    # One-way delay: half the RTT, a jitter buffer of about twice the jitter, codec latency.
    one_way = max(rtt_ms, 0.0) / 2.0 + 2.0 * max(jitter_ms, 0.0) + _CODEC_LATENCY_MS
    return R0_DEFAULT - delay_impairment(one_way) - ie_eff


def mos_from_r(r: float) -> float:
    """G.107 Annex B mapping, clamped to 1.0..4.5."""
    if r <= 0:
        return 1.0
    if r >= 100:
        return 4.5
    mos = 1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6
    return round(min(max(mos, 1.0), 4.5), 2)


def estimate_mos(codec: str, loss_pct: float, jitter_ms: float = 0.0, rtt_ms: float = 0.0) -> float:
    return mos_from_r(r_factor(codec, loss_pct, jitter_ms, rtt_ms))


def quality_level(mos: float) -> QualityLevel:
    if mos >= GREEN_MIN_MOS:
        return QualityLevel.GOOD
    if mos >= AMBER_MIN_MOS:
        return QualityLevel.FAIR
    return QualityLevel.POOR
