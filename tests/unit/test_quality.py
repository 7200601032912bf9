"""E-model MOS estimate and the green/amber/red quality levels."""

from __future__ import annotations

import pytest

from softphone.sip.quality import (
    QualityLevel,
    codec_impairment,
    delay_impairment,
    estimate_mos,
    mos_from_r,
    quality_level,
    r_factor,
)


def test_perfect_g711_is_about_4_4():
    assert estimate_mos("PCMU/8000", 0.0) == pytest.approx(4.4, abs=0.05)
    assert quality_level(estimate_mos("PCMA", 0.0)) is QualityLevel.GOOD


def test_mos_falls_with_loss_jitter_and_delay():
    base = estimate_mos("PCMU", 0)
    assert estimate_mos("PCMU", 2) < base
    assert estimate_mos("PCMU", 10) < estimate_mos("PCMU", 2)
    assert estimate_mos("PCMU", 0, jitter_ms=80) < base
    assert estimate_mos("PCMU", 0, rtt_ms=800) < estimate_mos("PCMU", 0, rtt_ms=100)


def test_low_bitrate_codecs_score_lower():
    assert estimate_mos("GSM/8000/1", 0) < estimate_mos("PCMU/8000/1", 0)
    assert codec_impairment("gsm").ie == 20.0
    assert codec_impairment("no-such-codec").ie > 0


def test_delay_impairment_knee():
    assert delay_impairment(100) == pytest.approx(2.4)
    assert delay_impairment(300) > 0.024 * 300  # the extra term beyond 177.3 ms


def test_r_to_mos_mapping_is_clamped_and_monotonic():
    assert mos_from_r(-5) == 1.0
    assert mos_from_r(120) == 4.5
    values = [mos_from_r(r) for r in range(0, 101, 5)]
    assert values == sorted(values)
    assert r_factor("PCMU", 0) == pytest.approx(93.2 - delay_impairment(25.0))


@pytest.mark.parametrize(
    ("mos", "level"),
    [(4.4, QualityLevel.GOOD), (4.0, QualityLevel.GOOD), (3.8, QualityLevel.FAIR),
     (3.6, QualityLevel.FAIR), (3.0, QualityLevel.POOR), (1.0, QualityLevel.POOR)],
)  # fmt: skip
def test_levels(mos, level):
    assert quality_level(mos) is level
    assert level.value in {"green", "amber", "red"}


def test_heavy_loss_is_red():
    assert quality_level(estimate_mos("PCMU", 15, jitter_ms=40, rtt_ms=300)) is QualityLevel.POOR
