"""The caller's campaign screen: contact card, script, wrap-up, history and Ready/Pause.

``CampaignView`` lays out the campaign panels and wires them to a ``CallerWorkflow``
(``softphone.campaign.workflow``): workflow signals → panels, panel signals → workflow
commands. It is also the target of the campaign commands (``softphone.commands``,
``target="workflow"``): its ``can_*`` predicates say what the caller may do in the current
workflow state, and ``commands_changed`` tells the shared actions to refresh.
"""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QSplitter, QTabWidget, QVBoxLayout, QWidget

from softphone.commands import DISPOSITION_KEYS
from ui.actions import CommandActions
from ui.contact_card import ContactCard
from ui.history_panel import HistoryPanel
from ui.pause_menu import AgentStateBar
from ui.script_panel import ScriptPanel
from ui.wrap_up import WrapUpPanel


def state_name(state: object) -> str:
    """A ``WorkflowState`` (or its text) as a lower-case name: ``"preview"``, ``"wrap_up"``."""
    return str(getattr(state, "value", state)).lower()


class CampaignView(QWidget):
    commands_changed = Signal()
    logout_requested = Signal()

    def __init__(
        self,
        workflow: Any,
        campaign: Any,
        actions: CommandActions,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("campaign_view")
        self.workflow = workflow
        self.campaign = campaign
        self.command_actions = actions
        self.state = "logged_out"
        self.pause_reason = ""
        self._sync_counts: tuple[object, ...] | None = None
        self.state_bar = AgentStateBar(actions, self)
        self.contact_card = ContactCard(self)
        self.script_panel = ScriptPanel(self)
        self.wrap_up = WrapUpPanel(self)
        self.history = HistoryPanel(self)
        self.tabs = QTabWidget(self)
        self._build()
        self._configure(campaign)
        self._wire_commands()
        self._connect_workflow()
        actions.set_workflow_target(self)
        self.show_state(getattr(workflow, "state", "logged_out"))
        self.retranslate()

    # -- layout ----------------------------------------------------------------------
    def _build(self) -> None:
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.contact_card)
        left_layout.addWidget(self.wrap_up)
        left_layout.addStretch(1)
        self.tabs.addTab(self.script_panel, "")
        self.tabs.addTab(self.history, "")
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.state_bar)
        layout.addWidget(split, 1)

    def _configure(self, campaign: Any) -> None:
        if campaign is None:
            return
        self.wrap_up.set_dispositions(list(campaign.dispositions))
        self.state_bar.set_reasons(list(campaign.pause_reasons))

    def _wire_commands(self) -> None:
        actions = self.command_actions
        actions.set_handler("ready", self.go_ready)
        actions.set_handler("pause", self.state_bar.open_menu)
        actions.set_handler("save_outcome", self.wrap_up.save)
        actions.set_handler("dial_contact", lambda: self.dial(0))
        actions.set_handler("logout", self.logout_requested.emit)
        for index, key in enumerate(DISPOSITION_KEYS):
            actions.set_handler(f"dispose_{key}", functools.partial(self.wrap_up.choose, index))

    def _connect_workflow(self) -> None:
        wf = self.workflow
        wf.state_changed.connect(self.show_state)
        wf.contact_changed.connect(self.contact_card.show_contact)
        wf.script_changed.connect(self._show_script)
        wf.wrap_up_started.connect(self._start_wrap_up)
        wf.history_changed.connect(self.refresh_history)
        wf.sync_status_changed.connect(self._on_sync_status)
        self.contact_card.dial_requested.connect(self.dial)
        self.script_panel.language_chosen.connect(wf.set_language)
        self.wrap_up.save_requested.connect(self._save)
        self.state_bar.pause_chosen.connect(self.pause)

    # -- reactions -------------------------------------------------------------------
    def show_state(self, state: object) -> None:
        self.state = state_name(state)
        in_wrap_up = self.state == "wrap_up"
        self.wrap_up.setVisible(in_wrap_up)
        reason = getattr(self.workflow, "pause_reason", None) or self.pause_reason
        self.state_bar.show_state(self.state, reason if self.state == "paused" else "")
        if self.state == "preview" and self.contact_card.phone_buttons:
            self.contact_card.phone_buttons[0].setFocus(Qt.FocusReason.OtherFocusReason)
        self.commands_changed.emit()

    def _show_script(self, script: Any) -> None:
        self.script_panel.show_script(script)
        if script is not None:
            self.wrap_up.set_questions(list(script.questions))

    def _start_wrap_up(self, wrap: Any) -> None:
        self.wrap_up.start(wrap)
        self.wrap_up.setVisible(True)
        self.commands_changed.emit()

    def _on_sync_status(self, status: Any) -> None:
        """The outbox moved (uploads acknowledged, rejected): the history's sync column too."""
        counts = (status.waiting, status.rejected, status.conflict, status.last_synced_at)
        if counts != self._sync_counts:
            self._sync_counts = counts
            self.refresh_history()

    def refresh_history(self) -> None:
        self.history.show_entries(self.workflow.history())

    # -- commands --------------------------------------------------------------------
    def go_ready(self) -> None:
        if self.state == "paused":
            self.workflow.resume()
        else:
            self.workflow.go_ready()

    def pause(self, reason: str) -> None:
        self.pause_reason = reason
        self.workflow.pause(reason)

    def next_contact(self) -> None:
        """Skip the contact on screen (its lease goes back) and show the next one."""
        self.workflow.next_contact()

    def dial(self, index: int = 0) -> None:
        self.workflow.dial(index)

    def _save(self, disposition: str, survey: dict, notes: str, callback_at: object) -> None:
        self.workflow.save_outcome(disposition, survey, notes, callback_at)

    def enter_pressed(self) -> bool:
        """Enter in campaign mode: save during wrap-up, dial the first number in preview.
        Returns False when Enter means nothing here (the plain dial entry handles it)."""
        if self.can_save():
            self.wrap_up.save()
            return True
        if self.can_dial_contact():
            self.dial(0)
            return True
        return False

    # -- predicates for the campaign commands ----------------------------------------
    def can_go_ready(self) -> bool:
        return self.state in ("logged_out", "paused")

    def can_pause(self) -> bool:
        return self.state in ("preview", "fetching", "wrap_up") and bool(self.state_bar.reasons)

    def can_save(self) -> bool:
        return self.state == "wrap_up"

    def can_choose_disposition(self) -> bool:
        return self.state == "wrap_up"

    def can_dial_contact(self) -> bool:
        return self.state == "preview" and bool(self.contact_card.phone_buttons)

    def can_skip(self) -> bool:
        return self.state == "preview"

    def can_show_dial_pad(self) -> bool:
        return True

    def can_logout(self) -> bool:
        return self.state not in ("dialing", "in_call")

    # -- translation -----------------------------------------------------------------
    def retranslate(self) -> None:
        self.tabs.setTabText(0, self.tr("Script"))
        self.tabs.setTabText(1, self.tr("Call history"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
