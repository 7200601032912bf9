"""CSV contact import, validated row by row, written in one transaction.

Columns (header names, case-insensitive): ``name``, ``role``, ``state``,
``parliamentary_constituency``, ``assembly_constituency``, ``booth_number``, ``language``,
``phones`` (one or more numbers separated by ``;`` or ``|``; ``phone`` is accepted too).
Any other column becomes a script variable of the contact.

A row is rejected for missing fields, a bad number, or a number already used in the file
or the campaign. Valid rows are inserted in a single transaction; with ``strict`` one
rejected row means nothing is imported.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from server import db, phones, schema
from server.campaigns import get_campaign
from server.tables import contact_phones, contacts

REQUIRED = (
    "name",
    "role",
    "state",
    "parliamentary_constituency",
    "assembly_constituency",
    "booth_number",
    "language",
)
MAX_ROWS = 200_000
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@dataclass
class _Run:
    seen: set[str]
    valid: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[schema.RejectedRow] = field(default_factory=list)


def import_csv(
    engine: Engine, campaign_id: int, text: str, strict: bool = False
) -> schema.ImportReport:
    with engine.begin() as conn:
        get_campaign(conn, campaign_id)
        existing = set(
            conn.execute(
                select(contact_phones.c.phone).where(contact_phones.c.campaign_id == campaign_id)
            ).scalars()
        )
        run = _validate(text, existing)
        commit = bool(run.valid) and not (strict and run.rejected)
        if commit:
            _insert(conn, campaign_id, run.valid)
    return schema.ImportReport(
        campaign_id=campaign_id,
        imported=len(run.valid) if commit else 0,
        rejected=run.rejected,
        committed=commit,
    )


def _validate(text: str, existing: set[str]) -> _Run:
    run = _Run(seen=set(existing))
    if "\x00" in text:
        run.rejected.append(schema.RejectedRow(line=0, reasons=["file contains NUL bytes"]))
        return run
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        if _header(run, reader):
            _rows(run, reader)
    except csv.Error as exc:
        run.valid.clear()  # a file we cannot parse is not imported at all
        run.rejected.append(schema.RejectedRow(line=reader.line_num, reasons=[f"csv: {exc}"]))
    return run


def _header(run: _Run, reader: csv.DictReader[str]) -> bool:
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    has_phones = bool({"phones", "phone"} & set(header))
    missing = [c for c in REQUIRED if c not in header] + ([] if has_phones else ["phones"])
    if missing:
        reason = f"missing columns: {', '.join(missing)}"
        run.rejected.append(schema.RejectedRow(line=1, reasons=[reason]))
        return False
    reader.fieldnames = header
    return True


def _rows(run: _Run, reader: csv.DictReader[str]) -> None:
    for number, raw in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            run.rejected.append(schema.RejectedRow(line=number, reasons=["too many rows"]))
            return
        _row(run, reader.line_num, raw)


def _row(run: _Run, line: int, raw: dict[str, Any]) -> None:
    extra = raw.pop(None, None)  # type: ignore[call-overload]  # cells beyond the header
    cells = {k: (v or "").strip() for k, v in raw.items()}
    reasons = [f"missing {c}" for c in REQUIRED if not cells.get(c)]
    if extra:
        reasons.append("more cells than columns")
    lang = cells.get("language", "").lower()
    if lang and not _LANGUAGE.match(lang):
        reasons.append(f"bad language code {lang!r}")
    numbers, bad = _numbers(cells.get("phones") or cells.get("phone") or "")
    reasons += [f"bad number {b!r}" for b in bad]
    if not numbers and not bad:
        reasons.append("missing phones")
    reasons += [f"duplicate number {n}" for n in numbers if n in run.seen]
    if len(set(numbers)) != len(numbers):
        reasons.append("number repeated within the row")
    if any(len(cells.get(c, "")) > 200 for c in REQUIRED):
        reasons.append("field longer than 200 characters")
    if reasons:
        run.rejected.append(schema.RejectedRow(line=line, reasons=reasons))
        return
    run.seen.update(numbers)
    variables = {k: v for k, v in cells.items() if k not in (*REQUIRED, "phones", "phone") and k}
    run.valid.append(
        {
            **{c: cells[c] for c in REQUIRED},
            "language": lang,
            "phones": numbers,
            "variables": variables,
        }
    )


def _numbers(field_text: str) -> tuple[list[str], list[str]]:
    good: list[str] = []
    bad: list[str] = []
    for part in re.split(r"[;|]", field_text):
        if not part.strip():
            continue
        normal = phones.normalise(part)
        (good if normal else bad).append(normal or part.strip())
    return good, bad


def _insert(conn: Connection, campaign_id: int, rows: list[dict[str, Any]]) -> None:
    now = db.now()
    for row in rows:
        contact_id = db.new_id(
            conn.execute(
                insert(contacts).values(
                    campaign_id=campaign_id, status="open", attempts=0, created_at=now, **row
                )
            )
        )
        conn.execute(
            insert(contact_phones),
            [
                {"campaign_id": campaign_id, "phone": p, "contact_id": contact_id}
                for p in row["phones"]
            ],
        )
