"""CSV contact import over the API and the CLI: broken rows reported, nothing half-imported."""

from __future__ import annotations

import subprocess
import sys

from server_live import CSV_HEADER, Live
from sqlalchemy import func, select

from server.tables import contacts

BROKEN = CSV_HEADER + (
    "Asha Rani,booth president,Bihar,Patna Sahib,Bankipur,101,hi,9876500001,PM-KISAN\n"
    "No Phone,booth president,Bihar,Patna Sahib,Bankipur,101,hi,,PM-KISAN\n"
    "Bad Number,page-in-charge,Bihar,Patna Sahib,Bankipur,101,hi,12345,PM-KISAN\n"
    ",booth-level agent,Bihar,Patna Sahib,Bankipur,101,hi,9876500002,PM-KISAN\n"
    "Dup In File,booth president,Bihar,Patna Sahib,Bankipur,102,hi,+91 98765 00001,Ujjwala\n"
    "Two Numbers,booth president,Bihar,Patna Sahib,Kumhrar,7,en,9876500003;080-1234-5678,x\n"
    "Bad Lang,booth president,Bihar,Patna Sahib,Kumhrar,7,Hindi!,9876500004,x\n"
    "Too Many,booth president,Bihar,Patna Sahib,Kumhrar,7,hi,9876500005,x,extra\n"
)


def _count(live: Live, campaign_id: int) -> int:
    with live.engine.connect() as conn:
        query = select(func.count()).where(contacts.c.campaign_id == campaign_id)
        return conn.execute(query).scalar_one()


def _post(client, campaign_id: int, text: str, strict: bool = False):  # type: ignore[no-untyped-def]
    return client.post(
        f"/campaigns/{campaign_id}/contacts/import",
        params={"strict": str(strict).lower()},
        content=text.encode(),
        headers={"content-type": "text/csv"},
    )


def test_broken_rows_are_reported_and_valid_rows_imported(live: Live) -> None:
    world = live.setup(contacts=0)
    sup = live.login(world.supervisor)
    report = _post(sup, world.campaign_id, BROKEN).json()
    assert report["imported"] == 2 and report["committed"] is True
    by_line = {r["line"]: " ".join(r["reasons"]) for r in report["rejected"]}
    assert sorted(by_line) == [3, 4, 5, 6, 8, 9]
    assert "missing phones" in by_line[3]
    assert "bad number '12345'" in by_line[4]
    assert "missing name" in by_line[5]
    assert "duplicate number +919876500001" in by_line[6]
    assert "bad language code" in by_line[8]
    assert "more cells than columns" in by_line[9]
    assert _count(live, world.campaign_id) == 2
    again = _post(sup, world.campaign_id, BROKEN).json()
    assert again["imported"] == 0 and again["committed"] is False
    assert _count(live, world.campaign_id) == 2, "re-import adds no duplicates"


def test_strict_import_is_all_or_nothing(live: Live) -> None:
    world = live.setup(contacts=0)
    sup = live.login(world.supervisor)
    report = _post(sup, world.campaign_id, BROKEN, strict=True).json()
    assert report["committed"] is False and report["imported"] == 0 and report["rejected"]
    assert _count(live, world.campaign_id) == 0


def test_import_rejects_bad_files_cleanly(live: Live) -> None:
    world = live.setup(contacts=0)
    sup = live.login(world.supervisor)
    no_columns = _post(sup, world.campaign_id, "name,phones\nA,9876500001\n").json()
    assert no_columns["rejected"][0]["line"] == 1 and "missing columns" in str(no_columns)
    latin1 = sup.post(
        f"/campaigns/{world.campaign_id}/contacts/import",
        content=b"\xff\xfe\x00",
        headers={"content-type": "text/csv"},
    )
    assert latin1.status_code == 422 and latin1.json()["error"]["code"] == "bad_encoding"
    mangled = _post(sup, world.campaign_id, CSV_HEADER + '"unterminated,\r"x\n').json()
    assert mangled["committed"] is False
    assert (
        live.login(world.callers[0])
        .post(f"/campaigns/{world.campaign_id}/contacts/import", content=BROKEN)
        .status_code
        == 403
    )
    assert _count(live, world.campaign_id) == 0


def test_cli_import_contacts(live: Live, tmp_path) -> None:  # type: ignore[no-untyped-def]
    world = live.setup(contacts=0)
    path = tmp_path / "contacts.csv"
    path.write_text(BROKEN, encoding="utf-8")
    url = live.engine.url.render_as_string(hide_password=False)
    cmd = [
        sys.executable,
        "-m",
        "server.cli",
        "import-contacts",
        str(path),
        "--campaign",
        str(world.campaign_id),
        "--database-url",
        url,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "imported: 2 contacts; 6 rows rejected" in done.stdout
    assert "line 4: bad number '12345'" in done.stderr
    strict = subprocess.run([*cmd, "--strict"], capture_output=True, text=True, timeout=120)
    assert strict.returncode == 1 and "nothing imported" in strict.stdout
    assert _count(live, world.campaign_id) == 2
