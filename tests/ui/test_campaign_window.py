"""The caller window in campaign mode, driven from the keyboard over real SIP.

A real ``CallerWorkflow`` (journal on disk, inline db lane, no server) behind the real
``MainWindow``; the contact's number ``2002`` reaches the auto-answering callee account of the
``line`` engine on loopback. F5 = Ready, Enter dials the first number, Esc hangs up, digits
1–9 choose a disposition, Enter saves and the next contact appears.
"""

from __future__ import annotations

from collections.abc import Iterator

import campaign_data as data
import pytest
from PySide6.QtCore import Qt

from softphone.campaign.lanes import InlineLane
from softphone.campaign.workflow import CallerWorkflow, WorkflowState
from softphone.journal import Journal

KEY = Qt.Key
CALLEE = "2002"  # the auto-answering account of the ``line`` fixture (tests/ui/conftest.py)


@pytest.fixture
def journal(tmp_path) -> Iterator[Journal]:
    j = Journal(tmp_path / "journal.db")
    yield j
    j.close()


@pytest.fixture
def workflow(phone, journal) -> CallerWorkflow:
    journal.cache_contacts(
        [data.contact_dict(0, [CALLEE, "+919812345678"]), data.contact_dict(1, [CALLEE])],
        data.CAMPAIGN_ID,
        data.lease_expiry(),
    )
    wf = CallerWorkflow(phone, journal, data.session(), None, InlineLane())
    wf.set_scripts(data.scripts())
    return wf


@pytest.fixture
def cwindow(qtbot, phone, settings, file_devices, ringer, workflow, qapp) -> Iterator:
    from ui import i18n
    from ui.main_window import MainWindow

    _made, provider = file_devices
    win = MainWindow(
        phone, settings, provider, ringer=ringer, workflow=workflow, campaign=workflow.campaign
    )
    qtbot.addWidget(win)
    win.resize(1200, 760)
    win.show()
    win.activateWindow()
    qtbot.waitExposed(win)
    yield win
    i18n.install(qapp, "en")


def key(qtbot, win, k: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    target = win.focusWidget() or win
    qtbot.keyClick(target, k, modifier)


def wait_state(qtbot, workflow, state: WorkflowState, timeout_s: float = 10) -> None:
    qtbot.waitUntil(lambda: workflow.state is state, timeout=int(timeout_s * 1000))


def test_ready_dial_hangup_dispose_by_key_and_save(qtbot, cwindow, workflow, journal) -> None:
    view = cwindow.campaign_view
    assert not cwindow.dial_panel.isVisible()
    assert not view.wrap_up.isVisible()
    key(qtbot, cwindow, KEY.Key_F5)
    wait_state(qtbot, workflow, WorkflowState.PREVIEW)
    assert view.contact_card.name_label.text() == "रामेश्वर प्रसाद"
    assert "नमस्ते रामेश्वर प्रसाद जी" in view.script_panel.text()
    assert "Ready" in view.state_bar.state_label.text()

    view.script_panel.choose_language("en")
    assert "Namaste रामेश्वर प्रसाद" in view.script_panel.text()

    key(qtbot, cwindow, KEY.Key_Return)
    wait_state(qtbot, workflow, WorkflowState.IN_CALL)
    assert cwindow.phone.call is not None and CALLEE in cwindow.phone.call.remote_uri
    view.script_panel.choose_language("hi")  # mid-call
    assert "नमस्ते" in view.script_panel.text()
    qtbot.wait(600)  # some RTP for the media statistics
    key(qtbot, cwindow, KEY.Key_Escape)
    wait_state(qtbot, workflow, WorkflowState.WRAP_UP)
    assert view.wrap_up.isVisible()
    assert view.wrap_up.chosen() is None  # answered: the caller chooses

    key(qtbot, cwindow, KEY.Key_2)
    assert view.wrap_up.chosen() == "answered"
    key(qtbot, cwindow, KEY.Key_1)
    assert view.wrap_up.chosen() == "completed"
    view.wrap_up.notes.setFocus()
    view.wrap_up.notes.insert("बात हुई ")  # QTest types Latin-1 only
    qtbot.keyClicks(view.wrap_up.notes, "3")
    assert view.wrap_up.chosen() == "completed"  # digits typed into notes stay there
    with qtbot.waitSignal(workflow.outcome_saved) as saved:
        key(qtbot, cwindow, KEY.Key_Return)
    outcome = journal.outcome(saved.args[0])
    assert outcome is not None
    assert outcome.disposition == "completed" and outcome.notes == "बात हुई 3"
    assert outcome.language == "hi" and outcome.script_version == 3
    call = journal.call(outcome.call_uuid)
    assert call is not None and call.media_stats
    wait_state(qtbot, workflow, WorkflowState.PREVIEW)
    assert view.contact_card.name_label.text() == "सुनीता देवी"
    assert view.history.rowCount() == 1
    assert view.history.cell_text(0, "outcome") == "Answered — completed"


def test_sip_busy_preselects_busy_and_ctrl_s_saves(qtbot, cwindow, workflow, journal, sipp_uas):
    uas = sipp_uas("uas-busy")
    journal.cache_contacts(
        [data.contact_dict(5, [f"9@127.0.0.1:{uas.port}"])],  # the wire allows 20 characters
        data.CAMPAIGN_ID,
        data.lease_expiry(),
    )
    journal.release_contact("100")
    journal.release_contact("101")
    view = cwindow.campaign_view
    key(qtbot, cwindow, KEY.Key_F5)
    wait_state(qtbot, workflow, WorkflowState.PREVIEW)
    qtbot.mouseClick(view.contact_card.phone_buttons[0], Qt.MouseButton.LeftButton)
    wait_state(qtbot, workflow, WorkflowState.WRAP_UP)
    assert view.wrap_up.chosen() == "busy", uas.output()
    assert "SIP 486" in view.wrap_up.summary_label.text()
    with qtbot.waitSignal(workflow.outcome_saved, timeout=3000) as saved:
        key(qtbot, cwindow, KEY.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert journal.outcome(saved.args[0]).disposition == "busy"
    wait_state(qtbot, workflow, WorkflowState.FETCHING)


def test_callback_needs_a_future_time_then_pause_and_resume(qtbot, cwindow, workflow, journal):
    view = cwindow.campaign_view
    key(qtbot, cwindow, KEY.Key_F5)
    wait_state(qtbot, workflow, WorkflowState.PREVIEW)
    key(qtbot, cwindow, KEY.Key_Return)
    wait_state(qtbot, workflow, WorkflowState.IN_CALL)
    key(qtbot, cwindow, KEY.Key_Escape)
    wait_state(qtbot, workflow, WorkflowState.WRAP_UP)
    key(qtbot, cwindow, KEY.Key_7)
    assert view.wrap_up.chosen() == "callback" and view.wrap_up.callback.isVisible()
    assert cwindow.actions["pause"].isEnabled()
    view.state_bar.choose("meal")  # pause after this outcome is saved
    with qtbot.waitSignal(workflow.outcome_saved) as saved:
        view.wrap_up.save_button.click()
    outcome = journal.outcome(saved.args[0])
    assert outcome.disposition == "callback" and outcome.callback_at is not None
    wait_state(qtbot, workflow, WorkflowState.PAUSED)
    assert view.state_bar.state_label.text() == "Paused: Meal"
    assert not cwindow.actions["pause"].isEnabled()
    key(qtbot, cwindow, KEY.Key_F5)
    wait_state(qtbot, workflow, WorkflowState.PREVIEW)


def test_dnc_refusal_shows_in_the_status_bar_and_hindi_labels(qtbot, cwindow, workflow, qapp):
    from ui import i18n

    workflow.set_dnc([CALLEE])
    key(qtbot, cwindow, KEY.Key_F5)
    wait_state(qtbot, workflow, WorkflowState.PREVIEW)
    key(qtbot, cwindow, KEY.Key_Return)
    assert "do-not-call" in cwindow.statusBar().currentMessage()
    assert workflow.state is WorkflowState.PREVIEW
    view = cwindow.campaign_view
    assert view.contact_card.name_label.text() == "रामेश्वर प्रसाद"
    key(qtbot, cwindow, KEY.Key_N, Qt.KeyboardModifier.ControlModifier)  # skip
    assert view.contact_card.name_label.text() == "सुनीता देवी"
    assert i18n.install(qapp, "hi")
    qtbot.waitUntil(lambda: view.tabs.tabText(0) == "स्क्रिप्ट")
    assert view.wrap_up.buttons[2].text() == "&3  कोई जवाब नहीं"
    assert cwindow.actions["ready"].text() == "तैयार"
