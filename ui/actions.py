"""QActions built from the command registry, kept in step with the ``Phone``.

One ``QAction`` per ``softphone.commands.Command``: translated label, default shortcut (shown
in the tooltip and in menus), enabled state from the command's ``Phone`` predicate, checked
state for hold/mute from the current call. Menus, buttons and shortcuts all use these actions,
so there is exactly one place where a command is triggered.

Campaign commands (``target="workflow"``) are evaluated on the campaign controller given with
``set_workflow_target`` (``ui.campaign_view.CampaignView``); without one they stay disabled.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from softphone import commands
from softphone.commands import Command
from softphone.phone import Phone

Handler = Callable[[], object]


def translated_label(command: Command) -> str:
    return QCoreApplication.translate(commands.TRANSLATION_CONTEXT, command.label)


class CommandActions(QObject):
    """Owns the actions; ``handlers`` override how a command runs (e.g. dial reads the entry)."""

    def __init__(
        self,
        phone: Phone,
        handlers: dict[str, Handler] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._phone = phone
        self._workflow: QObject | None = None
        self._handlers = dict(handlers or {})
        self._actions: dict[str, QAction] = {}
        for command in commands.COMMANDS:
            self._actions[command.id] = self._make_action(command)
        self.retranslate()
        self.refresh()
        phone.commands_changed.connect(self.refresh)
        phone.call_updated.connect(self.refresh)

    def set_workflow_target(self, target: QObject | None) -> None:
        """The object campaign commands run on; its ``commands_changed`` signal refreshes."""
        self._workflow = target
        changed = getattr(target, "commands_changed", None)
        if changed is not None:
            changed.connect(self.refresh)
        self.refresh()

    def campaign_actions(self) -> list[QAction]:
        return [self._actions[c.id] for c in commands.COMMANDS if c.target == "workflow"]

    def _target(self, command: Command) -> object:
        return self._workflow if command.target == "workflow" else self._phone

    def __getitem__(self, command_id: str) -> QAction:
        return self._actions[command_id]

    def all(self) -> list[QAction]:
        return list(self._actions.values())

    def set_handler(self, command_id: str, handler: Handler) -> None:
        self._handlers[command_id] = handler

    def trigger(self, command_id: str) -> None:
        """Run a command as if its button were pressed (honours the enabled state)."""
        action = self._actions[command_id]
        if action.isEnabled():
            action.trigger()

    def _make_action(self, command: Command) -> QAction:
        action = QAction(self)
        action.setObjectName(f"action_{command.id}")
        action.setCheckable(command.checkable)
        if command.shortcut:
            keys = [QKeySequence(command.shortcut)]
            if command.shortcut == "Return":
                keys.append(QKeySequence("Enter"))  # the keypad's Enter key too
            action.setShortcuts(keys)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False, c=command: self._run(c))
        return action

    def _run(self, command: Command) -> None:
        handler = self._handlers.get(command.id)
        if handler is not None:
            handler()
        elif command.method:
            commands.run(command, self._target(command))
        self.refresh()

    def refresh(self, *_args: object) -> None:
        call = self._phone.call
        for command in commands.COMMANDS:
            action = self._actions[command.id]
            action.setEnabled(commands.is_enabled(command, self._target(command)))
        self._actions["hold"].setChecked(bool(call and call.on_hold))
        self._actions["mute"].setChecked(bool(call and call.muted))

    def retranslate(self) -> None:
        for command in commands.COMMANDS:
            action = self._actions[command.id]
            label = translated_label(command)
            if command.arg:
                label = f"{label} {command.arg}"
            action.setText(label)
            action.setToolTip(_tooltip(label, action.shortcut()))


def _tooltip(label: str, shortcut: QKeySequence) -> str:
    text = label.replace("…", "").replace("&", "")
    if shortcut.isEmpty():
        return text
    return f"{text} ({shortcut.toString(QKeySequence.SequenceFormat.NativeText)})"
