"""Small display helpers of the caller window."""

from __future__ import annotations

import pytest

from ui.widgets import display_uri, format_duration


@pytest.mark.parametrize(
    ("uri", "name", "shown"),
    [
        ("sip:2002@127.0.0.1:5060", "", "2002"),
        ('"Asha Verma" <sip:9876543210@pbx.example>', "", "Asha Verma (9876543210)"),
        ("<sip:sipp@127.0.0.1:5061;transport=udp>", "", "sipp"),
        ("sip:1001@host;user=phone", "Front desk", "Front desk (1001)"),
    ],
)
def test_display_uri(uri: str, name: str, shown: str) -> None:
    assert display_uri(uri, name) == shown


@pytest.mark.parametrize(("seconds", "text"), [(0, "00:00"), (61.9, "01:01"), (3723, "1:02:03")])
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
