"""The window shows the account's registration state as the registrar (sipp) answers it."""

from __future__ import annotations

import pytest

from softphone.phone import Phone
from softphone.sip.events import RegState
from softphone.sip.spec import AccountSpec


def wait_for(qtbot, predicate, timeout_s: float = 10.0) -> None:
    qtbot.waitUntil(lambda: bool(predicate()), timeout=int(timeout_s * 1000))


@pytest.fixture
def registering_window(qtbot, line, settings, sipp_uas, request):
    from ui.main_window import MainWindow

    registrar = sipp_uas(f"uas-register-{request.param}")
    spec = AccountSpec(user="agent7", domain="127.0.0.1", registrar=registrar.uri("agent7"))
    phone = Phone(line.engine)
    window = MainWindow(phone, settings)
    qtbot.addWidget(window)
    assert "No account" in window.registration_label.text()
    phone.attach_account(line.engine.add_account(spec), "127.0.0.1", registers=True)
    window.show()
    return window


@pytest.mark.parametrize("registering_window", ["200"], indirect=True)
def test_registered_account_can_dial(qtbot, registering_window) -> None:
    window = registering_window
    wait_for(qtbot, lambda: window.phone.reg_state is RegState.REGISTERED)
    assert "Registered" in window.registration_label.text()
    assert window.actions["dial"].isEnabled()


@pytest.mark.parametrize("registering_window", ["403"], indirect=True)
def test_refused_registration_shows_code_and_reason(qtbot, registering_window) -> None:
    window = registering_window
    wait_for(qtbot, lambda: window.phone.reg_state is RegState.FAILED)
    assert "Registration failed: 403 Forbidden" in window.registration_label.text()
    assert "403" in window.statusBar().currentMessage()
    assert window.phone.last_failure is not None and window.phone.last_failure.code == 403
    assert not window.actions["dial"].isEnabled()
