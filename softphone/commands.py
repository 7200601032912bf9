"""The one command registry (STYLE.md 6): every call action the caller can take, once.

Menus, buttons, keyboard shortcuts, the CLI and the tests all use these entries. A ``Command``
names what to do (``id``), how to show it (``label``, an English source text translated in the
``"Commands"`` context), its default shortcut, and the name of the ``Phone`` predicate that says
whether it can run now (``enabled_when``). Plain Python: no Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass

TRANSLATION_CONTEXT = "Commands"
DTMF_DIGITS = "0123456789*#"


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks ``text`` for lupdate without translating it (translation happens in the UI)."""
    del context
    return text


@dataclass(frozen=True)
class Command:
    id: str
    label: str  # English source text; translate with context TRANSLATION_CONTEXT
    shortcut: str = ""  # QKeySequence portable text, "" = none
    enabled_when: str = "always"  # name of a zero-argument predicate on Phone
    checkable: bool = False
    method: str = ""  # Phone method that carries it out; "" = handled by the UI
    arg: str = ""  # fixed argument (the DTMF digit)
    takes_arg: bool = False  # the method needs a user-supplied argument (number, target)
    target: str = "phone"  # enabled_when/method are looked up on "phone", "workflow"; "app": UI


_CALL_COMMANDS = (
    Command(
        "dial",
        QT_TRANSLATE_NOOP("Commands", "Dial"),
        "Return",
        "can_dial",
        False,
        "dial",
        takes_arg=True,
    ),
    Command(
        "hangup", QT_TRANSLATE_NOOP("Commands", "Hang up"), "Escape", "can_hangup", method="hangup"
    ),
    Command("answer", QT_TRANSLATE_NOOP("Commands", "Answer"), "F2", "can_answer", method="answer"),
    Command("reject", QT_TRANSLATE_NOOP("Commands", "Reject"), "F3", "can_answer", method="reject"),
    Command(
        "hold", QT_TRANSLATE_NOOP("Commands", "Hold"), "Ctrl+H", "can_hold", True, "toggle_hold"
    ),
    Command(
        "mute", QT_TRANSLATE_NOOP("Commands", "Mute"), "Ctrl+M", "in_call", True, "toggle_mute"
    ),
    Command(
        "transfer",
        QT_TRANSLATE_NOOP("Commands", "Transfer…"),
        "Ctrl+T",
        "can_transfer",
        method="transfer",
        takes_arg=True,
    ),
)

_DTMF_COMMANDS = tuple(
    Command(
        f"dtmf_{d}",
        QT_TRANSLATE_NOOP("Commands", "Send tone"),
        d,
        "can_send_dtmf",
        method="send_dtmf",
        arg=d,
    )
    for d in DTMF_DIGITS
)

_APP_COMMANDS = (
    Command("settings", QT_TRANSLATE_NOOP("Commands", "Settings…"), "Ctrl+,"),
    # target "app": the window handles it; never a Phone or workflow method.
    Command("about", QT_TRANSLATE_NOOP("Commands", "About Sampark"), "F1", target="app"),
    Command("quit", QT_TRANSLATE_NOOP("Commands", "Quit"), "Ctrl+Q"),
)

# The caller workflow (campaign mode). Predicates and methods live on
# ``softphone.campaign.workflow.CallerWorkflow``; "dispose_N" picks the N-th disposition of the
# campaign during wrap-up (its method takes the fixed argument N).
_CAMPAIGN_COMMANDS = (
    Command(
        "ready",
        QT_TRANSLATE_NOOP("Commands", "Ready"),
        "F5",
        "can_go_ready",
        method="go_ready",
        target="workflow",
    ),
    Command("pause", QT_TRANSLATE_NOOP("Commands", "Pause…"), "F6", "can_pause", target="workflow"),
    Command(
        "save_outcome",
        QT_TRANSLATE_NOOP("Commands", "Save outcome"),
        "Ctrl+S",
        "can_save",
        target="workflow",
    ),
    Command(
        "dial_contact",
        QT_TRANSLATE_NOOP("Commands", "Call contact"),
        "",
        "can_dial_contact",
        method="dial",
        target="workflow",
    ),
    Command(
        "skip_contact",
        QT_TRANSLATE_NOOP("Commands", "Skip contact"),
        "Ctrl+N",
        "can_skip",
        method="next_contact",
        target="workflow",
    ),
    Command(
        "dial_pad",
        QT_TRANSLATE_NOOP("Commands", "Dial pad"),
        "Ctrl+D",
        "can_show_dial_pad",
        checkable=True,
        target="workflow",
    ),
    Command(
        "logout",
        QT_TRANSLATE_NOOP("Commands", "Log out"),
        "Ctrl+Shift+L",
        "can_logout",
        target="workflow",
    ),
)

DISPOSITION_KEYS = "123456789"
_DISPOSITION_COMMANDS = tuple(
    Command(
        f"dispose_{k}",
        QT_TRANSLATE_NOOP("Commands", "Choose outcome"),
        k,
        "can_choose_disposition",
        arg=k,
        target="workflow",
    )
    for k in DISPOSITION_KEYS
)

COMMANDS: tuple[Command, ...] = (
    _CALL_COMMANDS + _DTMF_COMMANDS + _APP_COMMANDS + _CAMPAIGN_COMMANDS + _DISPOSITION_COMMANDS
)
_BY_ID = {c.id: c for c in COMMANDS}


def get(command_id: str) -> Command:
    """The command with this id; ``KeyError`` if there is none."""
    return _BY_ID[command_id]


def dtmf_command(digit: str) -> Command:
    return _BY_ID[f"dtmf_{digit}"]


def is_enabled(command: Command, target: object) -> bool:
    """Evaluate ``command.enabled_when`` on ``target`` (the ``Phone`` or the workflow).

    A command whose target is missing (``None``: no workflow in plain-softphone mode) or lacks
    the predicate is disabled.
    """
    if command.enabled_when == "always":
        return True
    predicate = getattr(target, command.enabled_when, None)
    return bool(predicate()) if predicate is not None else False


def run(command: Command, target: object, arg: str = "") -> object:
    """Carry out ``command`` on ``target`` (the ``Phone``); returns what the method returns.

    Raises ``ValueError`` for UI-only commands (settings, quit), which have no ``method``.
    """
    if not command.method:
        raise ValueError(f"{command.id} is handled by the user interface")
    method = getattr(target, command.method)
    if command.arg:
        return method(command.arg)
    if command.takes_arg:
        return method(arg)
    return method()


__all__ = [
    "COMMANDS",
    "DISPOSITION_KEYS",
    "DTMF_DIGITS",
    "Command",
    "dtmf_command",
    "get",
    "is_enabled",
    "run",
]
