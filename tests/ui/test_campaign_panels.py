"""The campaign panels on their own, with real campaign data (Devanagari names and scripts):
contact card, script panel, wrap-up (callback validation), history, sync indicator, login
dialog errors. Whole-window behaviour (keys, Enter, the workflow) is in
``test_campaign_window.py``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import campaign_data as data
from PySide6.QtCore import QDateTime, Qt

from softphone.campaign.attempt import WrapUp
from softphone.campaign.lanes import InlineLane
from softphone.journal import CallRecord
from softphone.sync import errors
from ui.contact_card import ContactCard
from ui.history_panel import HistoryPanel
from ui.login_dialog import LoginDialog
from ui.script_panel import ScriptPanel
from ui.sync_indicator import SyncIndicator
from ui.wrap_up import WrapUpPanel

LEFT = Qt.MouseButton.LeftButton


def test_contact_card_shows_devanagari_hierarchy_numbers_and_history(qtbot) -> None:
    card = ContactCard()
    qtbot.addWidget(card)
    contact = data.contact(0)
    card.show_contact(contact)
    assert card.name_label.text() == "रामेश्वर प्रसाद"
    assert card.hierarchy_label.text() == "बिहार › पटना साहिब › बांकीपुर › 120"
    assert card.language_label.text() == "हिन्दी"
    assert [b.text() for b in card.phone_buttons] == ["+919876543210", "+919812345678"]
    assert "फ़ोन नहीं उठाया" in card.history_list.item(0).text()
    with qtbot.waitSignal(card.dial_requested) as blocker:
        qtbot.mouseClick(card.phone_buttons[1], LEFT)
    assert blocker.args == [1]
    card.show_contact(None)
    assert card.phone_buttons == []


def test_script_panel_renders_and_switches_language(qtbot) -> None:
    panel = ScriptPanel()
    qtbot.addWidget(panel)
    hindi, english = data.scripts()
    contact = data.contact(0)
    panel.show_script(hindi.render(contact, ("en", "hi")))
    assert "नमस्ते रामेश्वर प्रसाद जी, बूथ 120" in panel.text()
    assert "क्या योजना की जानकारी है?" in panel.text()
    assert panel.version_label.text() == "Script version 3"
    assert panel.language.currentData() == "hi"
    with qtbot.waitSignal(panel.language_chosen) as blocker:
        panel.choose_language("en")
    assert blocker.args == ["en"]
    panel.show_script(english.render(contact, ("en", "hi")))
    assert "Namaste रामेश्वर प्रसाद, calling about booth 120." in panel.text()
    assert panel.language.currentData() == "en"


def wrap_panel(qtbot) -> WrapUpPanel:
    panel = WrapUpPanel()
    qtbot.addWidget(panel)
    panel.set_dispositions(list(data.campaign().dispositions))
    panel.set_questions(list(data.scripts()[0].questions))
    panel.show()
    return panel


def a_wrap_up(suggested: str | None, sip_code: int = 0) -> WrapUp:
    now = datetime.now(UTC)
    call = CallRecord(
        "+919876543210", now, 100, None, now, sip_code, "Busy Here" if sip_code else ""
    )
    return WrapUp(data.contact(0), call, suggested, 0.0, "hi", 3)


def test_wrap_up_preselects_suggestion_and_emits_the_form(qtbot) -> None:
    panel = wrap_panel(qtbot)
    panel.start(a_wrap_up("busy", 486))
    assert panel.chosen() == "busy"
    assert "SIP 486" in panel.summary_label.text()
    assert panel.buttons[0].text().startswith("&1")
    panel.choose(0)
    panel.survey["aware"].setCurrentIndex(1)
    panel.notes.setText("सब ठीक")
    with qtbot.waitSignal(panel.save_requested) as blocker:
        assert panel.save()
    assert blocker.args == ["completed", {"aware": "हाँ"}, "सब ठीक", None]


def test_wrap_up_callback_picker_validation(qtbot) -> None:
    panel = wrap_panel(qtbot)
    panel.start(a_wrap_up(None))
    assert not panel.save() and "outcome" in panel.error_label.text()
    assert not panel.callback.isVisible()
    panel.choose_code("callback")
    assert panel.callback.isVisible()
    panel.callback.setMinimumDateTime(QDateTime.currentDateTime().addDays(-2))
    panel.callback.setDateTime(QDateTime.currentDateTime().addSecs(-3600))
    assert not panel.save()
    assert "future" in panel.error_label.text()
    panel.callback.setDateTime(QDateTime.currentDateTime().addDays(400))
    assert not panel.save() and "within a year" in panel.error_label.text()
    when = QDateTime.currentDateTime().addSecs(2 * 3600)
    panel.callback.setDateTime(when)
    with qtbot.waitSignal(panel.save_requested) as blocker:
        assert panel.save()
    code, _survey, _notes, callback_at = blocker.args
    assert code == "callback"
    expected = datetime.now(UTC) + timedelta(hours=2)
    assert abs((callback_at - expected).total_seconds()) < 120


def test_sync_indicator_counts(qtbot) -> None:
    from softphone.sync.worker import SyncStatus

    indicator = SyncIndicator()
    qtbot.addWidget(indicator)
    indicator.show_status(SyncStatus(False, 3, 0, 0, "Cannot reach the server.", None))
    assert "Offline" in indicator.text() and "3 waiting to sync" in indicator.text()
    assert indicator.toolTip() == "Cannot reach the server."
    indicator.show_status(SyncStatus(True, 0, 1, 0, None, datetime.now(UTC)))
    assert "Online" in indicator.text() and "0 waiting to sync" in indicator.text()
    assert "1 rejected" in indicator.text()


def test_history_panel_rows(qtbot, tmp_path) -> None:
    from softphone.journal import Journal, Outcome

    journal = Journal(tmp_path / "j.db")
    now = datetime.now(UTC)
    call = CallRecord(
        "+919876543210",
        now - timedelta(seconds=75),
        101,
        now - timedelta(seconds=70),
        now,
        200,
        "OK",
        {"mos": 4.3},
    )
    journal.save_outcome(
        Outcome(
            101,
            data.CAMPAIGN_ID,
            "completed",
            call.uuid,
            contact_name="सुनीता देवी",
            phone="+919876543210",
        ),
        call,
    )
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    panel.show_entries(journal.history(10))
    assert panel.rowCount() == 1
    assert panel.cell_text(0, "contact") == "सुनीता देवी"
    assert panel.cell_text(0, "number") == "+919876543210"
    assert panel.cell_text(0, "duration") == "01:10"
    assert panel.cell_text(0, "outcome") == "Answered — completed"
    assert panel.cell_text(0, "quality") == "MOS 4.3"
    assert panel.cell_text(0, "sync") == "waiting"
    journal.close()


def failing_login(exc: Exception):
    def login(_url: str, _user: str, _password: str):
        raise exc

    return login


def test_login_dialog_explains_failures(qtbot) -> None:
    cases = [
        (errors.AuthError("x", status=401, code="unauthorized"), "Wrong user name or password."),
        (errors.ServerError("x", status=429, code="locked"), "locked"),
        (errors.TransportError("Cannot reach the server for login: refused."), "cannot be reached"),
        (errors.TransportError("the secure connection (TLS) failed"), "TLS"),
        (RuntimeError("boom\nTraceback"), "Login failed: RuntimeError"),
    ]
    for exc, expected in cases:
        dialog = LoginDialog("https://sampark.example", login=failing_login(exc), lane=InlineLane())
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.server.isReadOnly()
        qtbot.keyClicks(dialog.username, "caller1")
        qtbot.keyClicks(dialog.password, "wrong")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
        assert expected in dialog.error_label.text(), dialog.error_label.text()
        assert "Traceback" not in dialog.error_label.text()
        assert dialog.isVisible() or dialog.result() == 0


def test_login_dialog_server_field_and_missing_fields(qtbot) -> None:
    dialog = LoginDialog("", login=failing_login(AssertionError()), lane=InlineLane())
    qtbot.addWidget(dialog)
    assert not dialog.server.isReadOnly()
    dialog.submit()
    assert "server address" in dialog.error_label.text()
    fixed = LoginDialog("https://a.example", login=failing_login(AssertionError()))
    qtbot.addWidget(fixed)
    assert fixed.server.isReadOnly()
    fixed.advanced.setChecked(True)
    assert not fixed.server.isReadOnly()
    fixed.submit()
    assert "user name" in fixed.error_label.text()


def test_campaign_commands_have_their_predicates_and_methods_on_the_campaign_view() -> None:
    from softphone import commands
    from ui.campaign_view import CampaignView

    campaign_commands = [c for c in commands.COMMANDS if c.target == "workflow"]
    assert {c.id for c in campaign_commands} >= {"ready", "pause", "save_outcome", "logout"}
    for command in campaign_commands:
        assert callable(getattr(CampaignView, command.enabled_when)), command.id
        if command.method:
            assert callable(getattr(CampaignView, command.method)), command.id
