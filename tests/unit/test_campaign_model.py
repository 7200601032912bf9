"""The campaign domain model: wire → domain, script rendering (including hostile placeholders
and Devanagari), the failure → disposition map, digit keys, and the dialling rules (DNC with
number normalisation; calling windows at their edges, in the campaign's time zone)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server import schema
from softphone.campaign import model
from softphone.campaign.model import (
    CallingWindow,
    Campaign,
    Contact,
    Script,
    check_dial,
    choose_language,
    disposition_for_failure,
    disposition_keys,
    normalise_phone,
    render,
    render_html,
)

IST = ZoneInfo("Asia/Kolkata")
SYSTEM = [
    ("completed", "Answered — completed", True),
    ("answered", "Answered — not completed", False),
    ("no_answer", "No answer", False),
    ("busy", "Busy", False),
    ("not_reachable", "Switched off / not reachable", False),
    ("wrong_number", "Wrong number", True),
    ("callback", "Call back later", False),
    ("language_barrier", "Language barrier", False),
    ("dnc", "Do not call", True),
    ("pledged", "Pledged support", True),
]


def wire_campaign(start: str = "09:00", end: str = "21:00", tz: str = "Asia/Kolkata") -> Campaign:
    return Campaign.from_wire(
        schema.CampaignOut(
            id=7,
            name="Gram sampark",
            active=True,
            calling_window=schema.CallingWindow(timezone=tz, start=start, end=end),
            max_calls_per_day=3,
            max_calls_per_week=10,
            lease_seconds=900,
            callback_grace_seconds=900,
            retry_gap_seconds=0,
            dispositions=[
                schema.Disposition(code=c, label=label, final=f, system=c != "pledged")
                for c, label, f in SYSTEM
            ],
            pause_reasons=["break", "meal"],
            schemes=["PM-KISAN"],
            languages=["hi", "en"],
        )
    )


def wire_contact(**overrides: object) -> Contact:
    data: dict[str, object] = {
        "id": 11,
        "campaign_id": 7,
        "name": "Ramesh Kumar",
        "role": "booth president",
        "state": "Bihar",
        "parliamentary_constituency": "Patna Sahib",
        "assembly_constituency": "Bankipur",
        "booth_number": "104",
        "language": "hi",
        "phones": ["+919876543210", "+919812345678"],
        "variables": {"scheme": "PM-KISAN", "village": "Danapur"},
        "attempts": 1,
        "last_attempt_at": "2026-11-27T10:00:00+00:00",
        "last_disposition": "busy",
        "callback_at": None,
        "history": [
            {
                "ended_at": "2026-11-27T10:00:00+00:00",
                "disposition": "busy",
                "phone": "+919876543210",
                "notes": "",
            }
        ],
    }
    data.update(overrides)
    return Contact.from_dict(data)


# --- wire → domain ---------------------------------------------------------------------


def test_contact_from_cached_dict() -> None:
    contact = wire_contact()
    assert contact.phones == ("+919876543210", "+919812345678")
    assert contact.variables["village"] == "Danapur"
    assert contact.history[0].disposition == "busy"
    assert contact.last_attempt_at == datetime(2026, 11, 27, 10, tzinfo=UTC)


def test_contact_from_a_damaged_cache_row_is_refused() -> None:
    with pytest.raises(ValueError):
        wire_contact(phones="not a list")


def test_campaign_from_wire() -> None:
    campaign = wire_campaign()
    assert campaign.calling_window == CallingWindow("Asia/Kolkata", "09:00", "21:00")
    assert campaign.disposition("busy") is not None
    assert campaign.disposition("nope") is None
    assert campaign.pause_reasons == ("break", "meal")


def test_script_renders_in_its_language_with_the_contacts_values() -> None:
    script = Script.from_wire(
        schema.ScriptOut(
            id=1,
            campaign_id=7,
            language="hi",
            version=3,
            title="{{name}} जी से बात",
            sections=[
                schema.ScriptSection(title="नमस्ते", text="नमस्ते {{name}} जी, बूथ {{booth_number}} से।")
            ],
            questions=[schema.SurveyQuestion(key="aware", text="क्या आपने सुना?", options=["हाँ"])],
            created_at=datetime(2026, 11, 1, tzinfo=UTC),
        )
    )
    rendered = script.render(wire_contact(), ["en", "hi"])
    assert rendered.language == "hi" and rendered.version == 3
    assert rendered.title == "Ramesh Kumar जी से बात"
    assert rendered.sections[0].text == "नमस्ते Ramesh Kumar जी, बूथ 104 से।"
    assert rendered.questions[0].options == ("हाँ",)
    assert rendered.languages == ("en", "hi")


# --- render ------------------------------------------------------------------------------


def test_render_contact_fields_and_variables() -> None:
    contact = wire_contact()
    text = "{{name}} ({{ role }}), {{state}}/{{assembly_constituency}} #{{booth_number}}"
    assert render(text, contact) == "Ramesh Kumar (booth president), Bihar/Bankipur #104"
    assert render("{{variables.village}} {{village}} {{scheme}}", contact) == (
        "Danapur Danapur PM-KISAN"
    )
    assert render("call {{phone}}", contact) == "call +919876543210"


def test_render_unknown_placeholder_is_visible_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    model._warned.discard("pincode_x")
    with caplog.at_level(logging.WARNING, logger="softphone.campaign.model"):
        first = render("PIN {{pincode_x}}", wire_contact())
        second = render("again {{pincode_x}}", wire_contact())
    assert first == "PIN [pincode_x]" and second == "again [pincode_x]"
    assert sum("pincode_x" in r.getMessage() for r in caplog.records) == 1


@pytest.mark.parametrize(
    "hostile",
    [
        "{{__class__}}",
        "{{name.__class__}}",
        "{{__import__('os').system('true')}}",
        "{{contact.__init__.__globals__}}",
        "{{variables.__class__}}",
        "{{phones[0]}}",
        "{0} {name} {{0}} %s %(name)s",
    ],
)
def test_render_hostile_placeholders_never_evaluate(hostile: str) -> None:
    out = render(hostile, wire_contact())
    assert "class '" not in out and "function" not in out and "Ramesh" not in out
    assert "{0} {name}" in out or out.startswith("[") or "{{" in out


def test_render_values_are_not_rendered_again_nor_formatted() -> None:
    contact = wire_contact(name="{{booth_number}} {0} %s", variables={"x": "{{name}}"})
    assert render("{{name}}|{{x}}", contact) == "{{booth_number}} {0} %s|{{name}}"


def test_render_devanagari_names_and_values() -> None:
    contact = wire_contact(name="रमेश कुमार", variables={"गाँव": "दानापुर"})
    assert render("श्री {{name}}, {{गाँव}} से", contact) == "श्री रमेश कुमार, दानापुर से"


def test_render_html_escapes_template_and_values() -> None:
    contact = wire_contact(name="<b>Ram</b> & <script>x()</script>")
    out = render_html("<i>Hi</i> {{name}}\nline two", contact)
    assert out == (
        "&lt;i&gt;Hi&lt;/i&gt; &lt;b&gt;Ram&lt;/b&gt; &amp; "
        "&lt;script&gt;x()&lt;/script&gt;<br>line two"
    )


def test_choose_language_falls_back() -> None:
    assert choose_language({"hi", "en"}, "hi", ["en"]) == "hi"
    assert choose_language({"hi", "en"}, "ta", ["en", "hi"]) == "en"
    assert choose_language({"hi", "en"}, "ta", []) == "en"
    assert choose_language({"hi"}, "ta", []) == "hi"
    assert choose_language(set(), "hi", ["hi"]) is None


# --- dispositions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (486, "busy"),
        (600, "busy"),
        (408, "no_answer"),
        (480, "no_answer"),
        (487, "no_answer"),
        (404, "wrong_number"),
        (484, "wrong_number"),
        (604, "wrong_number"),
        *[(c, "not_reachable") for c in (0, 403, 410, 500, 502, 503, 504, 603)],
    ],
)
def test_disposition_for_failure(code: int, expected: str) -> None:
    assert disposition_for_failure(code, answered=False) == expected
    assert disposition_for_failure(code, answered=True) is None


def test_ring_timeout_is_no_answer_whatever_the_code() -> None:
    assert disposition_for_failure(487, False, ring_timeout=True) == "no_answer"
    assert disposition_for_failure(0, False, ring_timeout=True) == "no_answer"
    assert disposition_for_failure(200, True, ring_timeout=True) is None


def test_digit_keys_follow_campaign_order_and_stop_at_nine() -> None:
    keys = disposition_keys(wire_campaign())
    assert list(keys) == [str(i) for i in range(1, 10)]
    assert keys["1"] == "completed" and keys["4"] == "busy" and keys["9"] == "dnc"
    assert "pledged" not in keys.values()


# --- check_dial --------------------------------------------------------------------------


def ist(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, 28, hour, minute, second, tzinfo=IST)


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (ist(8, 59, 59), False),
        (ist(9, 0), True),
        (ist(20, 59, 59), True),
        (ist(21, 0), False),
        (ist(23, 30), False),
    ],
)
def test_calling_window_edges_in_ist(moment: datetime, allowed: bool) -> None:
    reason = check_dial(wire_contact(), "+919876543210", wire_campaign(), set(), moment)
    assert (reason is None) is allowed
    if not allowed:
        assert reason is not None and "09:00–21:00 Asia/Kolkata" in reason


def test_window_is_judged_in_the_campaigns_zone_not_utc() -> None:
    campaign = wire_campaign()
    # 04:00 UTC is 09:30 IST: allowed. 16:00 UTC is 21:30 IST: refused, with the local time.
    assert check_dial(wire_contact(), "+919876543210", campaign, set(), _utc(4)) is None
    reason = check_dial(wire_contact(), "+919876543210", campaign, set(), _utc(16))
    assert reason is not None and "21:30" in reason
    naive = datetime(2026, 11, 28, 4, 0)  # naive is UTC
    assert check_dial(wire_contact(), "+919876543210", campaign, set(), naive) is None


def _utc(hour: int) -> datetime:
    return datetime(2026, 11, 28, hour, 0, tzinfo=UTC)


def test_end_of_day_and_overnight_windows() -> None:
    contact, number = wire_contact(), "+919876543210"
    whole_day = wire_campaign("00:00", "24:00")
    assert check_dial(contact, number, whole_day, set(), ist(23, 59, 59)) is None
    assert check_dial(contact, number, whole_day, set(), ist(0, 0)) is None
    evening = wire_campaign("18:00", "24:00")
    assert check_dial(contact, number, evening, set(), ist(23, 59)) is None
    assert check_dial(contact, number, evening, set(), ist(17, 59)) is not None
    night = wire_campaign("22:00", "02:00")
    assert check_dial(contact, number, night, set(), ist(23, 0)) is None
    assert check_dial(contact, number, night, set(), ist(1, 59)) is None
    assert check_dial(contact, number, night, set(), ist(2, 0)) is not None


def test_other_time_zones() -> None:
    london = wire_campaign("09:00", "17:00", "Europe/London")
    moment = datetime(2026, 7, 1, 8, 30, tzinfo=UTC)  # 09:30 BST
    assert check_dial(wire_contact(), "+919876543210", london, set(), moment) is None
    moment = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)  # 08:30 GMT
    assert check_dial(wire_contact(), "+919876543210", london, set(), moment) is not None


def test_unknown_time_zone_refuses_with_a_sentence() -> None:
    for bad in ("Mars/Olympus", "../../etc/passwd", ""):
        reason = check_dial(wire_contact(), "+919876543210", wire_campaign(tz=bad), set(), ist(10))
        assert reason is not None and "cannot be read" in reason


@pytest.mark.parametrize(
    "listed", ["+919876543210", "9876543210", "098765-43210", "91 98765 43210", "(98765) 43210"]
)
def test_dnc_matches_any_spelling_of_the_number(listed: str) -> None:
    reason = check_dial(wire_contact(), "+91 98765 43210", wire_campaign(), {listed}, ist(10))
    assert reason == "+91 98765 43210 is on the do-not-call list."


def test_dnc_does_not_block_the_contacts_other_number() -> None:
    dnc = {"+919876543210"}
    assert check_dial(wire_contact(), "+919812345678", wire_campaign(), dnc, ist(10)) is None


def test_a_number_not_of_this_contact_is_refused() -> None:
    reason = check_dial(wire_contact(), "+919000000000", wire_campaign(), set(), ist(10))
    assert reason is not None and "not one of Ramesh Kumar's numbers" in reason


def test_inactive_campaign_is_refused() -> None:
    from dataclasses import replace

    campaign = replace(wire_campaign(), active=False)
    reason = check_dial(wire_contact(), "+919876543210", campaign, set(), ist(10))
    assert reason is not None and "not active" in reason


def test_normalise_phone() -> None:
    assert normalise_phone("98765 43210") == "+919876543210"
    assert normalise_phone("+91-98765-43210") == "+919876543210"
    assert normalise_phone("919876543210") == "+919876543210"
    assert normalise_phone("0612-2345678") == "+916122345678"
    assert normalise_phone("+44 20 7946 0958") == "+442079460958"
    assert normalise_phone("1234") == "1234"


def test_window_contains_accepts_any_aware_moment() -> None:
    window = CallingWindow("Asia/Kolkata", "09:00", "21:00")
    assert window.contains(ist(9) + timedelta(seconds=1))
    assert not window.contains(ist(9) - timedelta(seconds=1))
