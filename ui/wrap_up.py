"""The wrap-up panel: how the call ended, the survey answers, notes and a callback time.

One button per campaign disposition, in campaign order, the first nine bound to the keys 1–9
(through the ``dispose_N`` commands, so digits typed into the notes stay in the notes). When
the call failed at the SIP level the matching disposition (busy, no answer, wrong number…)
arrives pre-selected in ``WrapUp.suggested``. "Call back later" shows a date/time picker that
must be in the future. Save (Enter or Ctrl+S) validates and emits ``save_requested``; the
workflow commits on the db lane and moves on, so saving never waits.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QDateTime, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from softphone.campaign.attempt import MAX_CALLBACK_AHEAD
from softphone.commands import DISPOSITION_KEYS
from ui import campaign_labels
from ui.widgets import format_duration

CALLBACK = "callback"
CHOSEN_STYLE = "QPushButton:checked { background: #1f6f3a; color: white; font-weight: bold; }"


def wrap_field(wrap: Any, *names: str) -> Any:
    """The first of ``names`` that ``wrap`` has (the WrapUp record), else None."""
    for name in names:
        if hasattr(wrap, name):
            return getattr(wrap, name)
    return None


class WrapUpPanel(QFrame):
    save_requested = Signal(str, dict, str, object)  # disposition, survey, notes, callback_at
    disposition_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wrap_up_panel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.wrap: Any = None
        self.dispositions: list[Any] = []
        self.buttons: list[QPushButton] = []
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.group.idClicked.connect(self.choose)
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("wrap_up_summary")
        self.summary_label.setWordWrap(True)
        self._grid = QGridLayout()
        self.survey: dict[str, QComboBox | QLineEdit] = {}
        self._survey_form = QFormLayout()
        self.notes = QLineEdit(self)
        self.notes.setObjectName("wrap_up_notes")
        self.notes.setMaxLength(4000)
        self.callback = QDateTimeEdit(self)
        self.callback.setObjectName("callback_at")
        self.callback.setCalendarPopup(True)
        self.callback.setDisplayFormat("dd MMM yyyy HH:mm")
        self.error_label = QLabel(self)
        self.error_label.setObjectName("wrap_up_error")
        self.error_label.setStyleSheet("color: #d0302a")
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("save_outcome_button")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self._captions = {k: QLabel(self) for k in ("outcome", "notes", "callback")}
        self.setStyleSheet(CHOSEN_STYLE)
        self._build()
        self.retranslate()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self._captions["outcome"])
        layout.addLayout(self._grid)
        layout.addLayout(self._survey_form)
        form = QFormLayout()
        form.addRow(self._captions["notes"], self.notes)
        form.addRow(self._captions["callback"], self.callback)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.save_button)
        self._show_callback(False)

    # -- campaign setup --------------------------------------------------------------
    def set_dispositions(self, dispositions: list[Any]) -> None:
        for button in self.buttons:
            self.group.removeButton(button)
            button.deleteLater()
        self.dispositions = list(dispositions)
        self.buttons = []
        for index, disposition in enumerate(self.dispositions):
            button = QPushButton(self)
            button.setObjectName(f"disposition_{disposition.code}")
            button.setCheckable(True)
            button.setAutoDefault(False)
            self.group.addButton(button, index)
            self._grid.addWidget(button, index // 3, index % 3)
            self.buttons.append(button)
        self._label_buttons()

    def set_questions(self, questions: list[Any]) -> None:
        """Survey inputs: a combo of options, or a free-text line for open questions.

        Answers already given are kept by question key (the script's language changed)."""
        kept = self.answers()
        while self._survey_form.rowCount():
            self._survey_form.removeRow(0)
        self.survey = {}
        for question in questions:
            field: QComboBox | QLineEdit
            if question.options:
                combo = QComboBox(self)
                combo.addItem("—", None)
                for option in question.options:
                    combo.addItem(option, option)
                field = combo
            else:
                field = QLineEdit(self)
            field.setObjectName(f"survey_{question.key}")
            self._restore(field, kept.get(question.key))
            self._survey_form.addRow(question.text, field)
            self.survey[question.key] = field

    @staticmethod
    def _restore(field: QComboBox | QLineEdit, value: Any) -> None:
        if value is None:
            return
        if isinstance(field, QComboBox):
            field.setCurrentIndex(max(0, field.findData(value)))
        else:
            field.setText(str(value))

    # -- a wrap-up -------------------------------------------------------------------
    def start(self, wrap: Any) -> None:
        """Begin wrapping up ``wrap`` (a ``WrapUp``); pre-selects the suggested disposition."""
        self.wrap = wrap
        self.notes.clear()
        self.error_label.clear()
        for field in self.survey.values():
            if isinstance(field, QComboBox):
                field.setCurrentIndex(0)
            else:
                field.clear()
        self._reset_callback()
        self.group.setExclusive(False)
        for button in self.buttons:
            button.setChecked(False)
        self.group.setExclusive(True)
        self._show_callback(False)
        suggested = wrap_field(wrap, "suggested", "suggested_disposition")
        if suggested:
            self.choose_code(suggested)
        self._show_summary()

    def choose(self, index: int) -> None:
        """Select the disposition at ``index`` (0-based, campaign order)."""
        if not 0 <= index < len(self.buttons):
            return
        self.buttons[index].setChecked(True)
        code = self.dispositions[index].code
        self._show_callback(code == CALLBACK)
        self.error_label.clear()
        self.disposition_chosen.emit(code)

    def choose_code(self, code: str) -> None:
        for index, disposition in enumerate(self.dispositions):
            if disposition.code == code:
                self.choose(index)
                return

    def chosen(self) -> str | None:
        index = self.group.checkedId()
        return self.dispositions[index].code if index >= 0 else None

    def answers(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, field in self.survey.items():
            value = field.currentData() if isinstance(field, QComboBox) else field.text().strip()
            if value:
                out[key] = value
        return out

    def callback_at(self) -> datetime:
        chosen = self.callback.dateTime().toPython()
        assert isinstance(chosen, datetime)
        return chosen.astimezone(UTC)

    def validate(self, now: datetime | None = None) -> str | None:
        """A sentence saying what is missing, or None when the outcome can be saved."""
        code = self.chosen()
        if code is None:
            return self.tr("Choose an outcome first (keys 1–9).")
        if code == CALLBACK:
            now = now or datetime.now(UTC)
            when = self.callback_at()
            if when <= now:
                return self.tr("The callback time must be in the future.")
            if when > now + MAX_CALLBACK_AHEAD:
                return self.tr("The callback time must be within a year.")
        return None

    def save(self) -> bool:
        problem = self.validate()
        if problem:
            self.error_label.setText(problem)
            return False
        code = self.chosen()
        assert code is not None
        callback = self.callback_at() if code == CALLBACK else None
        self.save_requested.emit(code, self.answers(), self.notes.text().strip(), callback)
        return True

    def _reset_callback(self) -> None:
        start = QDateTime.currentDateTime().addSecs(3600)
        start.setTime(start.time().fromString(start.time().toString("HH:00"), "HH:mm"))
        self.callback.setMinimumDateTime(QDateTime.currentDateTime())
        self.callback.setDateTime(start)

    def _show_callback(self, shown: bool) -> None:
        self.callback.setVisible(shown)
        self._captions["callback"].setVisible(shown)
        if shown:
            self.callback.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_summary(self) -> None:
        wrap = self.wrap
        if wrap is None:
            self.summary_label.clear()
            return
        contact = wrap_field(wrap, "contact")
        call = wrap_field(wrap, "call", "call_record")
        parts = [contact.name] if contact is not None else []
        if call is not None:
            parts.append(str(getattr(call, "number_dialled", "") or ""))
            code = getattr(call, "sip_code", None)
            if code:
                parts.append(f"SIP {code} {getattr(call, 'sip_reason', '') or ''}".strip())
        parts.append(format_duration(float(wrap_field(wrap, "duration_s") or 0)))
        self.summary_label.setText(" · ".join(p for p in parts if p))

    # -- translation -----------------------------------------------------------------
    def _label_buttons(self) -> None:
        for index, (button, disposition) in enumerate(
            zip(self.buttons, self.dispositions, strict=True)
        ):
            key = DISPOSITION_KEYS[index] if index < len(DISPOSITION_KEYS) else ""
            label = campaign_labels.disposition(disposition.code, disposition.label)
            label = label.replace("&", "&&")
            button.setText(f"&{key}  {label}" if key else label)
            button.setToolTip(f"{label} ({key})" if key else label)

    def retranslate(self) -> None:
        self._captions["outcome"].setText(self.tr("Outcome"))
        self._captions["notes"].setText(self.tr("&Notes:"))
        self._captions["notes"].setBuddy(self.notes)
        self._captions["callback"].setText(self.tr("Call back at:"))
        self.save_button.setText(self.tr("Save (Enter)"))
        self._label_buttons()
        self._show_summary()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
