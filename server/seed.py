"""The demo data set: one centre, a campaign with Hindi and English scripts, a dozen contacts
with their booth hierarchy, two callers and a supervisor (``sampark-server seed-demo``).

Running it again keeps the data and gives the demo users fresh passwords.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Engine

from server import admin, importer

CENTRE = "Demo Centre"
USERS = (("caller1", "caller"), ("caller2", "caller"), ("supervisor1", "supervisor"))
SCHEMES = ["PM-KISAN", "Ayushman Bharat", "Ujjwala"]

SCRIPT_EN = {
    "language": "en",
    "title": "Booth outreach — scheme briefing",
    "sections": [
        {
            "title": "Greeting",
            "text": "Namaste {{name}} ji, I am calling from the Demo Centre "
            "about booth {{booth_number}} in {{assembly_constituency}}.",
        },
        {
            "title": "Briefing",
            "text": "As {{role}} of your booth, please tell families about "
            "{{scheme}}: who is eligible and how to apply at the nearest centre.",
        },
        {"title": "Close", "text": "Thank you, {{name}} ji. We will call again next week."},
    ],
    "questions": [
        {"key": "aware", "text": "Had you heard of the scheme?", "options": ["yes", "no"]},
        {
            "key": "families",
            "text": "How many families will you brief?",
            "options": ["0-10", "10-50", "50+"],
        },
    ],
}
SCRIPT_HI = {
    "language": "hi",
    "title": "बूथ संपर्क — योजना जानकारी",
    "sections": [
        {
            "title": "अभिवादन",
            "text": "नमस्ते {{name}} जी, मैं डेमो केंद्र से बोल रहा/रही हूँ, "
            "{{assembly_constituency}} के बूथ {{booth_number}} के बारे में।",
        },
        {
            "title": "जानकारी",
            "text": "बूथ के {{role}} होने के नाते कृपया परिवारों को {{scheme}} "
            "के बारे में बताइए: कौन पात्र है और आवेदन कैसे करें।",
        },
        {"title": "समापन", "text": "धन्यवाद {{name}} जी। हम अगले सप्ताह फिर फ़ोन करेंगे।"},
    ],
    "questions": [
        {"key": "aware", "text": "क्या आपने इस योजना के बारे में सुना था?", "options": ["हाँ", "नहीं"]},
        {
            "key": "families",
            "text": "आप कितने परिवारों को बताएँगे?",
            "options": ["0-10", "10-50", "50+"],
        },
    ],
}

_HEADER = (
    "name,role,state,parliamentary_constituency,assembly_constituency,booth_number,"
    "language,phones,scheme\n"
)
_PEOPLE = (
    ("Ramesh Kumar", "booth president", "hi"),
    ("Sunita Devi", "booth-level agent", "hi"),
    ("Arjun Singh", "page-in-charge", "hi"),
    ("Priya Sharma", "booth president", "en"),
    ("Mohan Lal", "booth-level agent", "hi"),
    ("Kavita Yadav", "page-in-charge", "hi"),
    ("Vikram Patel", "booth president", "en"),
    ("Anita Verma", "booth-level agent", "hi"),
    ("Suresh Gupta", "page-in-charge", "hi"),
    ("Meena Kumari", "booth president", "hi"),
    ("Rahul Mishra", "booth-level agent", "en"),
    ("Pooja Tiwari", "page-in-charge", "hi"),
)


def demo_csv() -> str:
    rows = []
    for i, (name, role, lang) in enumerate(_PEOPLE):
        ac = ("Lucknow Central", "Lucknow East")[i % 2]
        booth = str(101 + i // 3)
        phones = f"+91 90000 {10001 + i:05d}" + (
            f";+91 80000 {20001 + i:05d}" if i % 4 == 0 else ""
        )
        rows.append(
            f"{name},{role},Uttar Pradesh,Lucknow,{ac},{booth},{lang},{phones},{SCHEMES[i % 3]}\n"
        )
    return _HEADER + "".join(rows)


def seed_demo(
    engine: Engine,
    window: tuple[str, str] = ("09:00", "21:00"),
    sip_domain: str = "127.0.0.1",
    retry_gap_seconds: int | None = None,
) -> dict[str, Any]:
    """Create (or refresh) the demo data; returns ``{"users": [...], "campaign_id": id}``.

    ``window=("00:00", "24:00")`` keeps the demo open all day; ``retry_gap_seconds``
    (default: the campaign default, 30 min) lets the demo redial a contact sooner. A second
    run keeps the existing campaign as it is (only the passwords change).
    """
    with engine.begin() as conn:
        centre = admin.find_centre(conn, CENTRE)
        if centre is not None:
            creds = [_refresh(conn, name, role) for name, role in USERS]
            return {"users": creds, "campaign_id": centre.campaign_id, "centre_id": centre.id}
        campaign_id = admin.create_campaign(
            conn,
            "Jan Samvad demo",
            window_start=window[0],
            window_end=window[1],
            schemes=SCHEMES,
            **({} if retry_gap_seconds is None else {"retry_gap_seconds": retry_gap_seconds}),
            dispositions=[
                {"code": "supporter_confirmed", "label": "Confirmed supporter", "final": True}
            ],
        )
        admin.add_script(conn, campaign_id, SCRIPT_HI)
        admin.add_script(conn, campaign_id, SCRIPT_EN)
        centre_id = admin.create_centre(conn, CENTRE, campaign_id)
        creds = []
        for name, role in USERS:
            _id, password = admin.create_user(conn, name, role, centre_id, sip_domain=sip_domain)
            creds.append({"username": name, "password": password, "role": role})
    report = importer.import_csv(engine, campaign_id, demo_csv(), strict=True)
    assert report.committed, report.rejected
    return {"users": creds, "campaign_id": campaign_id, "centre_id": centre_id}


def _refresh(conn: Any, name: str, role: str) -> dict[str, str]:
    password = secrets.token_urlsafe(12)
    admin.set_password(conn, name, password)
    return {"username": name, "password": password, "role": role}
