"""Click-to-dial into the real caller window: another process sends ``dial <target>`` over
the single-instance socket; the window asks first and dials only after Yes (or at once when
``auto_dial_uri`` is set). About (F1 / Tools menu) shows the version and the log folder.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QDialog, QMessageBox

from softphone import logs, selftest, single_instance
from softphone.sip.events import CallState
from ui.uri_handoff import UriHandoff

CALLEE = "2002"
ROOT = Path(__file__).resolve().parents[2]


def send_from_other_process(message: str) -> subprocess.Popen:
    code = (
        "import sys\nfrom softphone import single_instance as s\n"
        f"sys.exit(0 if s.send({message!r}) else 1)\n"
    )
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)


def listening_handoff(window, auto_dial: bool) -> tuple[single_instance.InstanceServer, UriHandoff]:
    server = single_instance.InstanceServer()
    assert server.listen()
    handoff = UriHandoff(lambda: window, auto_dial, server)
    server.message_received.connect(handoff.handle)
    return server, handoff


def test_handed_uri_asks_then_dials(qtbot, window, line) -> None:
    server, handoff = listening_handoff(window, auto_dial=False)
    target = f"sip:{CALLEE}@{line.domain}"
    sender = send_from_other_process(f"dial {target}")
    qtbot.waitUntil(lambda: handoff.prompt is not None, timeout=10000)
    assert sender.wait(10) == 0
    prompt = handoff.prompt
    assert prompt is not None and target in prompt.text()
    assert window.phone.call is None  # nothing dialled before the caller says yes
    prompt.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: window.phone.call is not None, timeout=5000)
    qtbot.waitUntil(lambda: window.phone.call.state is CallState.CONFIRMED, timeout=10000)
    assert window.dial_panel.entry.text() == target
    window.phone.hangup()
    qtbot.waitUntil(lambda: window.phone.call is None, timeout=10000)
    server.close()


def test_declined_uri_is_not_dialled(qtbot, window) -> None:
    server, handoff = listening_handoff(window, auto_dial=False)
    sender = send_from_other_process("dial +919876543210")
    qtbot.waitUntil(lambda: handoff.prompt is not None, timeout=10000)
    sender.wait(10)
    handoff.prompt.button(QMessageBox.StandardButton.No).click()
    qtbot.wait(300)
    assert window.phone.call is None and handoff.pending == []
    server.close()


def test_auto_dial_dials_at_once(qtbot, window, line) -> None:
    server, handoff = listening_handoff(window, auto_dial=True)
    sender = send_from_other_process(f"dial sip:{CALLEE}@{line.domain}")
    qtbot.waitUntil(lambda: window.phone.call is not None, timeout=10000)
    assert handoff.prompt is None and sender.wait(10) == 0
    window.phone.hangup()
    qtbot.waitUntil(lambda: window.phone.call is None, timeout=10000)
    server.close()


def test_about_shows_version_and_log_folder(qtbot, window) -> None:
    assert window.actions["about"] in window._tools_menu.actions()
    window.actions.trigger("about")
    dialog = window.findChild(QDialog, "about_dialog")
    assert dialog is not None and dialog.isVisible()
    assert selftest.version() in dialog.title_label.text()
    assert dialog.log_label.text() == str(logs.current_folder())
    dialog.close()
