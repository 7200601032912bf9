"""Live call-quality light: green / amber / red from the MOS estimate, details on hover.

Thresholds come from ``softphone.sip.quality`` (the same module that computes the MOS), so the
light and the engine's statistics never disagree.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel, QWidget

from softphone.sip.events import MediaStats
from softphone.sip.quality import QualityLevel, quality_level

COLOURS = {
    QualityLevel.GOOD: "#2e9d3a",
    QualityLevel.FAIR: "#e0a000",
    QualityLevel.POOR: "#d0302a",
}
_IDLE_COLOUR = "#9a9a9a"


class QualityIndicator(QLabel):
    """Shows a coloured dot and the MOS; ``level`` is ``None`` until stats arrive."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quality_indicator")
        self.level: QualityLevel | None = None
        self.stats: MediaStats | None = None
        self.clear()

    def clear(self) -> None:
        self.level = None
        self.stats = None
        self._paint(_IDLE_COLOUR, "—")
        self.setToolTip(self.tr("Call quality: no data yet"))

    def update_stats(self, stats: MediaStats) -> None:
        self.stats = stats
        if stats.mos <= 0:
            return
        self.level = quality_level(stats.mos)
        self._paint(COLOURS[self.level], f"{stats.mos:.1f}")
        self.setToolTip(self._details(stats))

    def colour_name(self) -> str:
        """``"green"``, ``"amber"``, ``"red"`` or ``""`` (no data)."""
        return self.level.value if self.level is not None else ""

    def _paint(self, colour: str, mos_text: str) -> None:
        label = self.tr("Quality")
        self.setText(f'<span style="color:{colour}; font-size:16pt">●</span> {label} {mos_text}')

    def _details(self, s: MediaStats) -> str:
        rows = [
            (self.tr("Codec"), s.codec or "—"),
            (self.tr("Packet loss"), f"{s.rx_loss_pct:.1f} %"),
            (self.tr("Jitter"), f"{s.jitter_ms:.0f} ms"),
            (self.tr("Round trip"), f"{s.rtt_ms:.0f} ms"),
            (self.tr("MOS"), f"{s.mos:.2f}"),
            (self.tr("Audio underruns"), str(s.underruns)),
        ]
        return "\n".join(f"{name}: {value}" for name, value in rows)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            if self.stats is not None and self.level is not None:
                self.update_stats(self.stats)
            else:
                self.clear()
        super().changeEvent(event)
