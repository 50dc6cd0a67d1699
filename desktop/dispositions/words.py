"""The dispositions in words a clerk and a judge read (issue 16: no internal ids, command lines or
code names reach a user): a count is "count 2 of case FSB0412873", a person is named as people are
named (`CALDERON,AMARA P` -> `AMARA P CALDERON`, the court's own name from its case when the court's
records are imported), a ruling is "denied — criteria not met (clear and convincing evidence)".
Matter and hearing numbers are the court's own handles and are shown as "Matter No. 12" and
"Hearing No. 7". `--json` output keeps the codes; these words are for people."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from desktop.review.words import relief_words

KIND_WORDS = {
    "petition": "petition (still serving)",
    "application": "application (sentence completed)",
    "challenge": "prosecution's challenge",
}
KIND_SHORT = {"petition": "Petition", "application": "Application", "challenge": "Challenge"}
MATTER_STATUS_WORDS = {
    "open": "open",
    "ruled": "ruled",
    "ordered": "ordered",
    "withdrawn": "withdrawn",
}
HEARING_STATUS_WORDS = {
    "scheduled": "on calendar",
    "held": "held",
    "continued": "continued",
    "vacated": "vacated",
}
FILER_WORDS = {
    "person": "the person",
    "attorney": "an attorney",
    "public_defender": "the public defender",
    "prosecution": "the prosecution",
    "court": "the court",
}
POSITION_WORDS = {
    "does_not_oppose": "does not oppose",
    "opposes_criteria": "opposes: criteria not met",
    "opposes_public_safety": "opposes: unreasonable risk to public safety",
    "requests_hearing": "asks for a hearing",
}
PARTY_WORDS = {
    "prosecution": "the prosecution",
    "public_defender": "the public defender",
    "person": "the person",
    "counsel": "counsel",
    "court": "the court",
}
METHOD_WORDS = {
    "mail": "by mail",
    "personal": "by personal delivery",
    "electronic": "electronically",
    "in_court": "in open court",
}
OUTCOME_WORDS = {
    "granted": "granted as proposed",
    "granted_other_relief": "granted with a different relief",
    "denied": "denied",
    "continued": "continued",
}
FINDING_SHORT = {
    "criteria_not_met": "criteria not met (clear and convincing evidence)",
    "public_safety": "unreasonable risk to public safety (PC 1170.18(c))",
}
RELIEF_GRANTED = {
    "dismiss_and_seal": "dismissed and sealed",
    "redesignate_misdemeanor": "redesignated a misdemeanor",
    "redesignate_infraction": "redesignated an infraction",
}
RESENTENCE_GRANTED = {
    "dismissed": "sentence dismissed",
    "misdemeanor": "resentenced as a misdemeanor",
    "infraction": "resentenced as an infraction",
}
LEVEL_WORDS = {"F": "felony", "M": "misdemeanor", "I": "infraction"}


def words(table: dict[str, str], code: str | None) -> str:
    """A code in words; an unknown code with its underscores spelled as spaces."""
    if not code:
        return ""
    return table.get(code, code.replace("_", " "))


def granted_words(relief: str | None, target: str | None = None) -> str:
    if relief == "resentence":
        return RESENTENCE_GRANTED.get(target or "", "resentenced")
    return RELIEF_GRANTED.get(relief or "", relief_words(relief, target))


def ruling_words(r: dict[str, Any] | None) -> str:
    """A ruling in force in words: 'granted — dismissed and sealed', 'granted with a different
    relief — redesignated a misdemeanor', 'denied — criteria not met (clear and convincing
    evidence)'. '' when there is none."""
    if not r:
        return ""
    if r.get("outcome") == "denied":
        return "denied — " + words(FINDING_SHORT, r.get("finding"))
    head = "granted" if r.get("outcome") == "granted" else "granted with a different relief"
    text = f"{head} — {granted_words(r.get('relief'), r.get('resentence_target'))}"
    if r.get("credit_days") is not None:
        text += f"; credit for time served {r['credit_days']} days"
    if r.get("supervision_months"):
        text += f"; {r.get('supervision_kind') or 'supervision'} {r['supervision_months']} months"
    return text


def count_label(case_number: str | None, count_no: int | str | None) -> str:
    """'count 2 of case FSB0412873'."""
    no = str(count_no) if count_no not in (None, "") else "?"
    return f"count {no} of case {case_number or '(no case number)'}"


def count_facts(
    section: str | None, code: str | None, level: str | None, convicted: str | None
) -> str:
    """'HS 11359(b), felony, convicted 2014-03-02'."""
    parts = [f"{code or 'HS'} {section}" if section else "section not on record"]
    if level:
        parts.append(LEVEL_WORDS.get(level, level))
    parts.append(f"convicted {convicted}" if convicted else "conviction date not on record")
    return ", ".join(parts)


def count_details(conn: sqlite3.Connection, count_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """count id -> {label, facts, text, case_number, count_no, section, level, conviction_date}:
    'count 2 of case FSB0412873' and 'HS 11359(b), felony, convicted 2014-03-02'."""
    ids = sorted({int(c) for c in count_ids})
    out: dict[int, dict[str, Any]] = {}
    for i in range(0, len(ids), 900):
        part = ids[i : i + 900]
        for cid, case, no, sec, code, level, conv, subject in conn.execute(
            "SELECT c.id, k.case_number, c.count_no, c.section, c.code, c.level,"
            " c.conviction_date, c.subject_id FROM counts c JOIN cases k ON k.id = c.case_id"
            f" WHERE c.id IN ({','.join('?' * len(part))})",
            part,
        ):
            label = count_label(case, no)
            facts = count_facts(sec, code, level, conv)
            out[cid] = {
                "label": label,
                "facts": facts,
                "text": f"{label} ({facts})",
                "case_number": case,
                "count_no": no,
                "section": sec,
                "level": level,
                "conviction_date": conv,
                "subject_id": subject,
            }
    return out


def person_names(conn: sqlite3.Connection, subject_ids: Iterable[int]) -> dict[int, str]:
    """subject id -> the person's name as people are named ('AMARA P CALDERON'): the court's own
    name from its case when court records are imported (the orders' rule,
    desktop/orders/granted.printed_person), else the record's name in natural order."""
    from desktop.law import names

    out: dict[int, str] = {}
    for sid in sorted({int(s) for s in subject_ids}):
        row = conn.execute(
            "SELECT s.name, i.format FROM subjects s LEFT JOIN imports i ON i.id = s.import_id"
            " WHERE s.id = ?",
            (sid,),
        ).fetchone()
        if row is None:
            continue
        raw, fmt = row
        court = None
        if fmt != "court-csv":
            court = conn.execute(
                "SELECT s2.name FROM cases k JOIN cases k2 ON k2.case_number = k.case_number"
                " AND k2.subject_id != k.subject_id"
                " AND (k.county IS NULL OR k2.county IS NULL OR UPPER(k2.county) = UPPER(k.county))"
                " JOIN subjects s2 ON s2.id = k2.subject_id JOIN imports i2 ON i2.id = s2.import_id"
                " WHERE k.subject_id = ? AND i2.format = 'court-csv' AND s2.name IS NOT NULL"
                " AND k.case_number IS NOT NULL ORDER BY k2.id LIMIT 1",
                (sid,),
            ).fetchone()
        chosen = court[0] if court else raw
        out[sid] = names.natural(chosen, "as_recorded") if chosen else "(name not on record)"
    return out


def person_name(conn: sqlite3.Connection, subject_id: int) -> str:
    return person_names(conn, [subject_id]).get(int(subject_id), "(name not on record)")


def matter_handle(matter_id: int) -> str:
    return f"Matter No. {matter_id}"


def hearing_handle(hearing_id: int) -> str:
    return f"Hearing No. {hearing_id}"


def address_lines(text: str | None) -> list[str]:
    """A mailing address as its lines ('|' or a new line between lines)."""
    return [p.strip() for p in (text or "").replace("|", "\n").splitlines() if p.strip()]


def count_ruling_words(h: Any, count_id: int) -> str:
    """Where a count of a hearing's matter stands, in words: its ruling, 'continued to DATE' (the
    hearing was continued and the count not ruled), or 'not ruled yet'. `h`: a HearingRow."""
    ruled = h.rulings.get(count_id)
    if ruled:
        return str(ruled)
    if h.status == "continued" and h.continued_date:
        return f"continued to {h.continued_date}"
    if h.status == "vacated":
        return "not ruled (hearing vacated)"
    return "not ruled yet"


def count_text(conn: sqlite3.Connection, count_id: int) -> str:
    """'count 2 of case FSB0412873' for a message (a count not in the records: 'a count not in
    the records')."""
    found = count_details(conn, [count_id]).get(int(count_id))
    return found["label"] if found else "a count not in the records"
