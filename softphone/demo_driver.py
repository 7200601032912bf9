"""A scripted caller for ``sampark demo --headless``: drives the real ``CallerWorkflow`` the way
a person at the caller window would, and prints what the window would show.

``HeadlessCaller`` listens to the workflow's signals on the Qt thread: when the first contact
is shown with its script it prints the card and the script and dials the contact's first
number; once the callee answers it presses ``dtmf`` after ``dtmf_delay`` seconds and hangs up
after ``duration`` seconds; at wrap-up it saves ``completed`` with one answer per survey
question. ``finished`` fires when the outcome is durably saved, or on the first problem.
QtCore only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from softphone.campaign.workflow import CallerWorkflow, WorkflowState
from softphone.phone import CallInfo, Phone
from softphone.sip.events import CallState

SURVEY_CHOICE = {"aware": 0, "families": 1}  # question key -> index of the option picked
NOTES = "sampark demo --headless"

Say = Callable[..., None]


@dataclass
class CallTrace:
    """What the caller saw of the call (for the summary)."""

    call_id: int = -1
    uri: str = ""
    answered: bool = False
    duration_s: float = 0.0
    final_code: int = 0
    reason: str = ""
    dtmf_sent: str = ""
    stats: dict[str, Any] = field(default_factory=dict)
    suggested: str | None = None


class HeadlessCaller(QObject):
    """Plays the caller's part against a ``CallerWorkflow``; see the module docstring."""

    finished = Signal()

    def __init__(
        self,
        workflow: CallerWorkflow,
        phone: Phone,
        say: Say,
        *,
        duration: float,
        dtmf: str,
        dtmf_delay: float,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._wf, self._phone, self._say = workflow, phone, say
        self._duration, self._dtmf, self._dtmf_delay = duration, dtmf, dtmf_delay
        self.trace = CallTrace()
        self.contact: Any = None
        self.script: Any = None
        self.outcome_uuid: str | None = None
        self.failure: str | None = None
        self.done = False  # ``finished`` was emitted
        self._dialled = False
        self._last_state: CallState | None = None
        workflow.state_changed.connect(self._on_state)
        workflow.script_changed.connect(self._on_script)
        workflow.wrap_up_started.connect(self._on_wrap_up)
        workflow.outcome_saved.connect(self._on_saved)
        workflow.problem.connect(self._on_problem)
        workflow.refused.connect(self._on_problem)
        phone.call_updated.connect(self._on_call)
        phone.call_ended.connect(self._on_call)

    def start(self) -> None:
        self._wf.go_ready()

    # -- the workflow's signals -------------------------------------------------------------

    def _on_state(self, state: WorkflowState) -> None:
        if state is WorkflowState.PREVIEW:
            self._maybe_dial()
        elif state is WorkflowState.IN_CALL:
            QTimer.singleShot(int(self._dtmf_delay * 1000), self._press_keys)
            QTimer.singleShot(int(self._duration * 1000), self._wf.hangup)

    def _on_script(self, script: Any) -> None:
        if script is not None:
            self._maybe_dial()

    def _maybe_dial(self) -> None:
        wf = self._wf
        if self._dialled or wf.state is not WorkflowState.PREVIEW or wf.script is None:
            return
        self._dialled = True
        self.contact, self.script = wf.contact, wf.script
        self._show_card(self.contact)
        self._show_script(self.script)
        number = self.contact.phones[0]
        self._say("dial", f"dialling {self.contact.name} at {number}")
        wf.dial(0)

    def _press_keys(self) -> None:
        if self._dtmf and self._wf.state is WorkflowState.IN_CALL:
            self._phone.send_dtmf(self._dtmf)
            self.trace.dtmf_sent += self._dtmf
            self._say("dtmf", f"pressed {self._dtmf}", digits=self._dtmf)

    def _on_wrap_up(self, wrap: Any) -> None:
        self.trace.suggested = wrap.suggested
        self.trace.duration_s = round(wrap.duration_s, 3)
        if not self.trace.answered:
            self._fail(f"the call was not answered ({self.trace.final_code} {self.trace.reason})")
            return
        survey = {
            q.key: q.options[min(SURVEY_CHOICE.get(q.key, 0), len(q.options) - 1)]
            for q in (self.script.questions if self.script is not None else ())
            if q.options
        }
        answers = ", ".join(f"{k}={v}" for k, v in survey.items())
        self._say("wrap_up", f"wrap-up: saving completed ({answers})")
        self._wf.save_outcome("completed", survey, NOTES, None)

    def _on_saved(self, uuid: str) -> None:
        self.outcome_uuid = uuid
        self._say("outcome", f"outcome saved in the journal (durable), uuid {uuid}")
        self._finish()

    def _on_problem(self, sentence: str) -> None:
        self._fail(sentence)

    def _fail(self, sentence: str) -> None:
        if self.failure is None and not self.done:
            self.failure = sentence
            self._finish()

    def _finish(self) -> None:
        if not self.done:
            self.done = True
            self.finished.emit()

    # -- the phone's signals (call progress lines) -------------------------------------------

    def _on_call(self, info: CallInfo) -> None:
        trace = self.trace
        trace.call_id, trace.uri = info.call_id, info.remote_uri or trace.uri
        if info.code:
            trace.final_code, trace.reason = info.code, info.reason
        if info.stats is not None:
            trace.stats = {k: v for k, v in info.stats.to_dict().items() if k != "event"}
        if info.state is CallState.CONFIRMED:
            trace.answered = True
        if info.state is not self._last_state:
            self._last_state = info.state
            code = f" {info.code} {info.reason}" if info.code else ""
            self._say("call", f"call {info.state.value}{code}", state=info.state.value)

    # -- what is printed --------------------------------------------------------------------

    def _show_card(self, contact: Any) -> None:
        where = f"{contact.state} / {contact.assembly_constituency} / booth {contact.booth_number}"
        self._say(
            "contact",
            f"next contact: {contact.name}, {contact.role}, {where}; language "
            f"{contact.language}; numbers {', '.join(contact.phones)}; "
            f"{contact.attempts} earlier attempts",
            contact_id=contact.id,
        )

    def _show_script(self, script: Any) -> None:
        self._say(
            "script",
            f"script “{script.title}” (v{script.version}, {script.language}; "
            f"also {', '.join(lang for lang in script.languages if lang != script.language)}):",
            language=script.language,
        )
        for section in script.sections:
            self._say("script", f"  {section.title}: {section.text}")
        for question in script.questions:
            self._say("script", f"  ? {question.text} [{' / '.join(question.options)}]")


__all__ = ["CallTrace", "HeadlessCaller"]
