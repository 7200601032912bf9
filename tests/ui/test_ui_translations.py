"""English + Hindi: the compiled translation loads, the window retranslates live, every
visible source string has a Hindi translation, and the choice is remembered in settings."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from softphone import commands, config
from ui import i18n

DEVANAGARI = range(0x0900, 0x0980)


def has_devanagari(text: str) -> bool:
    return any(ord(ch) in DEVANAGARI for ch in text)


def wait_for(qtbot, predicate, timeout_ms: int = 3000) -> None:
    qtbot.waitUntil(lambda: bool(predicate()), timeout=timeout_ms)


def test_hindi_strings_load_into_the_window(qtbot, window, qapp) -> None:
    assert window.actions["dial"].text() == "Dial"
    assert i18n.install(qapp, "hi")
    wait_for(qtbot, lambda: window.windowTitle() == "संपर्क — कॉलर")
    assert window.dial_panel.dial_button.text() == "डायल करें"
    assert window.call_panel.buttons["hangup"].text() == "कॉल काटें"
    assert window.actions["hangup"].toolTip() == "कॉल काटें (Esc)"
    assert window.call_panel.remote_label.text() == "कोई कॉल नहीं"
    assert "तैयार" in window.registration_label.text()
    assert has_devanagari(window.dial_panel.entry.placeholderText())
    assert i18n.current_language(qapp) == "hi"
    assert i18n.install(qapp, "en")
    wait_for(qtbot, lambda: window.dial_panel.dial_button.text() == "Dial")


def test_language_chosen_in_settings_applies_now_and_is_saved(qtbot, window, qapp) -> None:
    dialog = window.open_settings()
    assert dialog.language.currentData() == "en"
    dialog.choose_language("hi")
    dialog.accept()
    wait_for(qtbot, lambda: window.call_panel.buttons["hold"].text() == "होल्ड")
    assert config.load().language == "hi"
    reopened = window.open_settings()
    assert reopened.windowTitle() == "सेटिंग्स"
    reopened.reject()


def test_every_source_string_has_a_hindi_translation() -> None:
    tree = ET.parse(i18n.translations_dir() / "sampark_hi.ts")
    messages = list(tree.iter("message"))
    assert len(messages) >= 50
    for message in messages:
        source = message.findtext("source")
        translation = message.find("translation")
        assert translation is not None and translation.get("type") is None, source
        assert (translation.text and has_devanagari(translation.text)) or source == "MOS", source
    sources = {m.findtext("source") for m in messages}
    assert {c.label for c in commands.COMMANDS} <= sources
    assert i18n.qm_file("hi").stat().st_size > 1000


def test_phone_reasons_are_translated_in_the_status_bar(qtbot, window, qapp) -> None:
    assert i18n.install(qapp, "hi")
    window.dial_panel.entry.setText("12ü")
    window.actions.trigger("dial")
    assert window.phone.call is None
    message = window.statusBar().currentMessage()
    assert "यह डायल करने योग्य नंबर नहीं है" in message, message
    assert message.startswith("समस्या")
