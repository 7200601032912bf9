"""The quality light follows softphone.sip.quality's thresholds and explains itself on hover."""

from __future__ import annotations

import pytest

from softphone.sip import quality
from softphone.sip.events import MediaStats
from ui.quality_indicator import QualityIndicator


@pytest.mark.parametrize(
    ("mos", "colour"),
    [
        (4.4, "green"),
        (quality.GREEN_MIN_MOS, "green"),
        (3.9, "amber"),
        (quality.AMBER_MIN_MOS, "amber"),
        (3.5, "red"),
        (1.0, "red"),
    ],
)
def test_colour_from_mos(qtbot, mos: float, colour: str) -> None:
    indicator = QualityIndicator()
    qtbot.addWidget(indicator)
    assert indicator.colour_name() == ""
    indicator.update_stats(MediaStats(call_id=1, codec="PCMU/8000/1", mos=mos))
    assert indicator.colour_name() == colour


def test_tooltip_details(qtbot) -> None:
    indicator = QualityIndicator()
    qtbot.addWidget(indicator)
    stats = MediaStats(
        call_id=1,
        codec="PCMU/8000/1",
        rx_loss_pct=2.5,
        jitter_ms=12,
        rtt_ms=80,
        mos=3.7,
        underruns=3,
    )
    indicator.update_stats(stats)
    tip = indicator.toolTip()
    for text in ("PCMU/8000/1", "2.5 %", "12 ms", "80 ms", "3.70", "underruns: 3"):
        assert text in tip, tip
    indicator.clear()
    assert indicator.colour_name() == "" and "no data" in indicator.toolTip()
