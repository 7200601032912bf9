"""The supervisor's board as a table: model, filter/sort proxy and view with monitor buttons.

``BoardModel`` (QAbstractTableModel) shows ``BoardRow``s: caller, state (coloured), time in the
state or on the call (ticks every second locally, against the server's clock), contact, role,
booth, call quality (MOS, the quality light's green/amber/red levels) and the monitor column.
``BoardFilter`` filters on caller, contact, booth and state text and sorts by typed keys.
``BoardView`` puts Listen / Whisper / Barge / Stop buttons in each row's monitor cell, enabled
only where they can work (``SupervisorSession.can_monitor`` / ``can_stop``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QTableView, QToolButton, QWidget

from softphone.monitor.board import BoardRow
from softphone.sip.events import MonitorMode
from softphone.sip.quality import quality_level
from ui.quality_indicator import COLOURS as QUALITY_COLOURS

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("caller", "state", "time", "contact", "role", "booth", "quality", "monitor")
SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1
ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 2
COLOUR_ROLE = int(Qt.ItemDataRole.UserRole) + 3  # a colour's name ("green", "blue", …)
STATE_COLOURS = {
    "ready": ("green", "#c9ecc9"),
    "on_call": ("blue", "#c7dcf7"),
    "wrap_up": ("amber", "#f8e0a8"),
    "paused": ("grey", "#d4d4d4"),
    "logged_out": ("light", "#f4f4f4"),
}
MODE_BUTTONS = (
    ("listen", MonitorMode.LISTEN),
    ("whisper", MonitorMode.WHISPER),
    ("barge", MonitorMode.BARGE),
)


def state_label(row: BoardRow) -> str:
    labels = {
        "ready": QCoreApplication.translate("BoardModel", "Ready"),
        "on_call": QCoreApplication.translate("BoardModel", "On call"),
        "wrap_up": QCoreApplication.translate("BoardModel", "Wrap-up"),
        "paused": QCoreApplication.translate("BoardModel", "Paused"),
        "logged_out": QCoreApplication.translate("BoardModel", "Logged out"),
    }
    label = labels.get(row.state, row.state)
    return f"{label} ({row.reason})" if row.state == "paused" and row.reason else label


def clock_text(seconds: float) -> str:
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class BoardModel(QAbstractTableModel):
    """Rows of the board; ``set_rows`` updates in place when the callers are the same."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: tuple[BoardRow, ...] = ()
        self.offset = timedelta(0)  # server time − local time
        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self.tick)
        self.ticker.start()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def set_server_time(self, server_time: datetime | None) -> None:
        if server_time is not None:
            self.offset = server_time - datetime.now(UTC)

    def set_rows(self, rows: tuple[BoardRow, ...]) -> None:
        same = [r.user_id for r in rows] == [r.user_id for r in self.rows]
        if same and rows:
            self.rows = tuple(rows)
            last = self.index(len(rows) - 1, len(COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self.rows = tuple(rows)
        self.endResetModel()

    def tick(self) -> None:
        if self.rows:
            column = COLUMNS.index("time")
            last = self.index(len(self.rows) - 1, column)
            self.dataChanged.emit(self.index(0, column), last, [Qt.ItemDataRole.DisplayRole])

    def seconds(self, row: BoardRow) -> float | None:
        start = row.call_started_at if row.state == "on_call" and row.call_started_at else row.since
        return None if start is None else max(0.0, (self.now() - start).total_seconds())

    # -- Qt model API ------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        titles = {
            "caller": QCoreApplication.translate("BoardModel", "Caller"),
            "state": QCoreApplication.translate("BoardModel", "State"),
            "time": QCoreApplication.translate("BoardModel", "Time"),
            "contact": QCoreApplication.translate("BoardModel", "Contact"),
            "role": QCoreApplication.translate("BoardModel", "Role"),
            "booth": QCoreApplication.translate("BoardModel", "Booth"),
            "quality": QCoreApplication.translate("BoardModel", "Quality"),
            "monitor": QCoreApplication.translate("BoardModel", "Monitor"),
        }
        return titles[COLUMNS[section]]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row, column = self.rows[index.row()], COLUMNS[index.column()]
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, column)
        if role == SORT_ROLE:
            return self.sort_key(row, column)
        if role in (Qt.ItemDataRole.BackgroundRole, COLOUR_ROLE) and column == "state":
            name, colour = STATE_COLOURS.get(row.state, ("", "#ffffff"))
            return name if role == COLOUR_ROLE else QBrush(QColor(colour))
        if role in (Qt.ItemDataRole.ForegroundRole, COLOUR_ROLE) and column == "quality":
            return self._quality_colour(row, role)
        if role == Qt.ItemDataRole.ToolTipRole and column == "quality" and row.quality:
            q = row.quality
            return (
                QCoreApplication.translate("BoardModel", "Loss %1 %, jitter %2 ms")
                .replace("%1", f"{q.loss_pct or 0:.1f}")
                .replace("%2", f"{q.jitter_ms or 0:.0f}")
            )
        return None

    def _quality_colour(self, row: BoardRow, role: int) -> Any:
        mos = row.quality.mos if row.quality else None
        if mos is None or mos <= 0:
            return None
        level = quality_level(mos)
        return level.value if role == COLOUR_ROLE else QBrush(QColor(QUALITY_COLOURS[level]))

    def text(self, row: BoardRow, column: str) -> str:
        contact = row.contact
        if column == "caller":
            return row.name
        if column == "state":
            return state_label(row)
        if column == "time":
            seconds = self.seconds(row)
            return "" if seconds is None else clock_text(seconds)
        if column in ("contact", "role", "booth"):
            if contact is None:
                return ""
            return {"contact": contact.name, "role": contact.role, "booth": contact.booth}[column]
        if column == "quality":
            mos = row.quality.mos if row.quality else None
            return "" if mos is None or mos <= 0 else f"{mos:.1f}"
        return ""

    def sort_key(self, row: BoardRow, column: str) -> Any:
        if column == "time":
            return self.seconds(row) or 0.0
        if column == "quality":
            return row.quality.mos if row.quality and row.quality.mos else 0.0
        if column == "state":
            return list(STATE_COLOURS).index(row.state) if row.state in STATE_COLOURS else 99
        if column == "monitor":
            return int(row.monitorable)
        return self.text(row, column).casefold()


class BoardFilter(QSortFilterProxyModel):
    """Case-insensitive filter on caller, contact, booth and state; typed sort keys."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.needle = ""
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_text(self, text: str) -> None:
        if not hasattr(self, "endFilterChange"):  # Qt < 6.10
            self.needle = text.strip().casefold()
            self.invalidateFilter()
            return
        self.beginFilterChange()
        self.needle = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not self.needle:
            return True
        model = self.sourceModel()
        assert isinstance(model, BoardModel)
        row = model.rows[source_row]
        haystack = [
            row.name,
            row.username,
            row.state,
            state_label(row),
            *(model.text(row, c) for c in ("contact", "role", "booth")),
        ]
        return any(self.needle in text.casefold() for text in haystack)


class MonitorButtons(QWidget):
    """Listen / Whisper / Barge / Stop for one caller."""

    def __init__(self, agent_id: int, session: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.agent_id, self.session = agent_id, session
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 0, 2, 0)
        layout.setSpacing(2)
        self.buttons: dict[str, QToolButton] = {}
        for name, mode in MODE_BUTTONS:
            button = self._button(name, layout)
            button.clicked.connect(lambda _c=False, m=mode: session.monitor(self.agent_id, m))
        stop = self._button("stop", layout)
        stop.clicked.connect(session.stop)
        self.retranslate()
        self.refresh()

    def _button(self, name: str, layout: QHBoxLayout) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(f"{name}_button")
        button.setCheckable(name != "stop")
        layout.addWidget(button)
        self.buttons[name] = button
        return button

    def retranslate(self) -> None:
        labels = {
            "listen": QCoreApplication.translate("BoardModel", "Listen"),
            "whisper": QCoreApplication.translate("BoardModel", "Whisper"),
            "barge": QCoreApplication.translate("BoardModel", "Barge"),
            "stop": QCoreApplication.translate("BoardModel", "Stop"),
        }
        for name, button in self.buttons.items():
            button.setText(labels[name])

    def refresh(self) -> None:
        status = self.session.status
        mine = status.agent_id == self.agent_id
        for name, mode in MODE_BUTTONS:
            button = self.buttons[name]
            button.setEnabled(self.session.can_monitor(self.agent_id, mode))
            button.setChecked(mine and status.mode is mode)
        self.buttons["stop"].setEnabled(self.session.can_stop(self.agent_id))


class BoardView(QTableView):
    """The board table; keeps one ``MonitorButtons`` per visible row."""

    def __init__(self, session: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("board_table")
        self.session = session
        self.board = BoardModel(self)
        self.proxy = BoardFilter(self)
        self.proxy.setSourceModel(self.board)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(COLUMNS.index("caller"), Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        for sig in (self.proxy.modelReset, self.proxy.layoutChanged, self.proxy.rowsInserted):
            sig.connect(self.refresh_buttons)
        session.board_changed.connect(self.show_rows)
        session.monitor_changed.connect(lambda _s: self.refresh_buttons())
        self.show_rows(session.rows)

    def show_rows(self, rows: tuple[BoardRow, ...]) -> None:
        self.board.set_server_time(getattr(self.session, "server_time", None))
        self.board.set_rows(rows)
        self.refresh_buttons()

    def buttons_for(self, agent_id: int) -> MonitorButtons | None:
        for proxy_row in range(self.proxy.rowCount()):
            index = self.proxy.index(proxy_row, COLUMNS.index("monitor"))
            widget = self.indexWidget(index)
            if isinstance(widget, MonitorButtons) and widget.agent_id == agent_id:
                return widget
        return None

    def refresh_buttons(self, *_args: object) -> None:
        column = COLUMNS.index("monitor")
        for proxy_row in range(self.proxy.rowCount()):
            index = self.proxy.index(proxy_row, column)
            row = self.proxy.data(index, ROW_ROLE)
            widget = self.indexWidget(index)
            if not isinstance(widget, MonitorButtons) or widget.agent_id != row.user_id:
                widget = MonitorButtons(row.user_id, self.session)
                self.setIndexWidget(index, widget)
            widget.refresh()

    def proxy_texts(self, column: str) -> list[str]:
        """The visible rows' text in one column, in view order (tests, accessibility)."""
        c = COLUMNS.index(column)
        return [self.proxy.index(r, c).data() for r in range(self.proxy.rowCount())]

    def retranslate(self) -> None:
        self.board.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        self.board.tick()
        for proxy_row in range(self.proxy.rowCount()):
            widget = self.indexWidget(self.proxy.index(proxy_row, COLUMNS.index("monitor")))
            if isinstance(widget, MonitorButtons):
                widget.retranslate()


__all__ = [
    "COLOUR_ROLE",
    "COLUMNS",
    "ROW_ROLE",
    "SORT_ROLE",
    "STATE_COLOURS",
    "BoardFilter",
    "BoardModel",
    "BoardView",
    "MonitorButtons",
    "clock_text",
    "state_label",
]
