"""The words an order uses for a count, a date, a statute or a prosecution response, from its template."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from desktop.orders.model import (
    DENIED,
    CaseEntry,
    CountLine,
    CourtDetails,
    OrderData,
    ProsecutionNotice,
    ResentenceTerms,
)
from desktop.orders.templates import OrderTemplate
from desktop.vocabulary import Relief, ResentenceTarget

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"


def short_date(iso: str | None) -> str:
    """ISO date as MM/DD/YYYY, the form California court records use; '' when unknown."""
    if not iso:
        return ""
    try:
        d = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{d.month:02d}/{d.day:02d}/{d.year}"


def relief_key(count: CountLine) -> str:
    if count.relief == DENIED:
        return DENIED
    if count.relief == Relief.RESENTENCE:
        return f"resentence_{count.resentence_target or 'misdemeanor'}"
    return count.relief


def relief_text(t: OrderTemplate, count: CountLine, court: CourtDetails | None = None) -> str:
    """The relief as the court writes it: its settings' words, else the template's."""
    key = relief_key(count)
    if court is not None and court.relief_words.get(key):
        return court.relief_words[key]
    if key == DENIED:
        # The ruling column names the finding when the template words it.
        return t.relief.get(f"denied_{count.finding}", "") or t.relief.get(DENIED, "Denied")
    return t.relief[key]


def level_text(t: OrderTemplate, level: str | None) -> str:
    return t.levels.get(level or "unknown", level or "") if t.levels else (level or "")


def section_text(count: CountLine) -> str:
    return f"{count.code} {count.section}".strip()


def basis_text(count: CountLine, juvenile: bool) -> str:
    sub = f"({count.path})" if count.path else "(b)" if count.serving else "(f)"
    return f"HS 11361.8{sub}, (m)" if juvenile else f"HS 11361.8{sub}"


def statute_basis(order: OrderData) -> str:
    """The statutory basis sentence: 11361.8(b) for serving, (f) completed, (m) juvenile, plus 11361.9
    (for an order on a petition or application filed at the counter, 11361.8 alone)."""
    subs = []
    counts = order.counts
    if any(c.serving for c in counts):
        subs.append("(b)")
    if any(not c.serving for c in counts):
        subs.append("(f)")
    if any(e.juvenile for e in order.entries):
        subs.append("(m)")
    parts = "11361.8" + ", ".join(subs)
    if order.matter is not None and order.matter.kind in ("petition", "application"):
        return f"Health and Safety Code section {parts}"
    return f"Health and Safety Code sections {parts} and 11361.9"


def prosecution_text(t: OrderTemplate, notice: ProsecutionNotice, short: bool = False) -> str:
    prefix = "short_" if short else ""
    if notice.response == "not_challenged":
        if notice.date:
            return t.fill(
                t.prosecution[f"{prefix}not_challenged_dated"],
                {
                    "date": long_date(date.fromisoformat(notice.date[:10]))
                    if not short
                    else short_date(notice.date)
                },
            )
        return t.prosecution[f"{prefix}not_challenged"]
    if notice.response == "challenged":
        return t.prosecution[f"{prefix}challenged"]
    return t.prosecution[f"{prefix}none"]


def conditions(order: OrderData) -> set[str]:
    """Which conditional paragraphs of a template apply to this order."""
    counts = order.counts
    out = {"always"}
    if any(c.relief == Relief.DISMISS_AND_SEAL for c in counts):
        out.add("any_sealed")
    if any(c.relief.startswith("redesignate") for c in counts):
        out.add("any_redesignated")
    if any(
        c.relief == Relief.RESENTENCE and c.resentence_target in ("misdemeanor", "infraction", None)
        for c in counts
    ):
        out.add("any_resentenced")
    if any(
        c.relief == Relief.RESENTENCE and c.resentence_target == ResentenceTarget.DISMISSED
        for c in counts
    ):
        out.add("any_sentence_dismissed")
    if any(e.juvenile for e in order.entries):
        out.add("juvenile")
    terms = [e.terms for e in order.entries if e.terms is not None]
    if terms:
        out.add("hearing" if any(t.hearing_date for t in terms) else "no_hearing")
        out.add("supervision" if any(t.disposition == "supervision" for t in terms) else "released")
    if order.court.department:
        out.add("department")
    if order.matter is not None:
        out |= ruling_conditions(order)
    return out


def ruling_conditions(order: OrderData) -> set[str]:
    """The conditions of an order made from rulings (issue 19)."""
    counts = order.counts
    out = {order.matter.kind} if order.matter is not None else set()
    denied = [c for c in counts if c.denied]
    if denied:
        out.add("any_denied")
        out |= {c.finding for c in denied if c.finding}
    if len(denied) == len(counts):
        out.add("all_denied")
    else:
        out.add("any_granted")
    if any(c.outcome == "granted_other_relief" for c in counts):
        out.add("other_relief")
    out.add("hearing" if order.hearing is not None else "no_hearing")
    if order.hearing is not None and order.hearing.appearances:
        out.add("appearances")
    if order.matter is not None and order.matter.response:
        out.add("response")
    else:
        out.add("no_response")
    return out


MATTER_WORDS = {
    "petition": "petition for recall or dismissal of sentence (Health and Safety Code section "
    "11361.8(a))",
    "application": "application for redesignation or dismissal and sealing (Health and Safety "
    "Code section 11361.8(e))",
    "challenge": "prosecuting agency's challenge to relief (Health and Safety Code section "
    "11361.9(b)-(d))",
}
FILER_WORDS = {
    "person": "the person in propria persona",
    "attorney": "counsel",
    "public_defender": "the Public Defender",
    "prosecution": "the prosecuting agency",
    "court": "the court on its own motion",
}
RESPONSE_WORDS = {
    "does_not_oppose": "The prosecuting agency does not oppose the relief requested",
    "opposes_criteria": "The prosecuting agency opposes the relief, contending that the criteria "
    "of Health and Safety Code section 11361.8 are not met",
    "opposes_public_safety": "The prosecuting agency opposes the relief, contending that granting "
    "it would pose an unreasonable risk of danger to public safety",
    "requests_hearing": "The prosecuting agency requests a hearing",
}


def count_list(counts: list[CountLine]) -> str:
    """'count 1', 'counts 1 and 3', 'counts 1, 2 and 4' (by count number, with the section)."""
    items = [
        f"{c.count_no} ({section_text(c)})" if c.count_no is not None else section_text(c)
        for c in counts
    ]
    if not items:
        return ""
    word = "count" if len(items) == 1 else "counts"
    if len(items) == 1:
        return f"{word} {items[0]}"
    return f"{word} {', '.join(items[:-1])} and {items[-1]}"


def hearing_time_text(hhmm: str) -> str:
    try:
        h, m = (int(x) for x in hhmm.split(":", 1))
    except ValueError:
        return hhmm
    return f"{(h % 12) or 12}:{m:02d} {'a.m.' if h < 12 else 'p.m.'}"


def ruling_values(order: OrderData, mk: Callable[[str], str]) -> dict[str, str]:
    """Placeholders of an order made from rulings ('' when the order has no matter)."""
    m, h = order.matter, order.hearing
    denied = [c for c in order.counts if c.denied]
    granted = [c for c in order.counts if not c.denied]
    filer = ""
    if m is not None:
        filer = FILER_WORDS.get(m.filer_kind, "")
        if m.filer_name and m.filer_kind in ("attorney", "public_defender", "person"):
            filer = f"{filer}, {m.filer_name}" if m.filer_kind != "person" else m.filer_name
    response = ""
    if m is not None and m.response:
        response = RESPONSE_WORDS.get(m.response, m.response)
        if m.response_date:
            response += f" (response filed {long_date(date.fromisoformat(m.response_date[:10]))})"
        response += "."
    party = "petitioner" if m is not None and m.kind == "petition" else "applicant"
    if m is not None and m.kind == "challenge":
        party = "person"
    return {
        "matter_kind": m.kind if m else "",
        "ruled_on": {"petition": "The petition", "application": "The application"}.get(
            m.kind if m else "", "Relief"
        ),
        "matter_words": MATTER_WORDS.get(m.kind, "") if m else "",
        "matter_case_number": (m.court_case_number if m else "") or "",
        "filed_on": long_date(date.fromisoformat(m.filed_on[:10])) if m and m.filed_on else "",
        "filer": mk(filer),
        "party": party,
        "party_title": party.capitalize(),
        "response_text": response,
        "denied_counts": count_list(denied),
        "granted_counts": count_list(granted),
        "hearing_date": long_date(date.fromisoformat(h.date[:10])) if h else "",
        "hearing_time": hearing_time_text(h.time) if h and h.time else "",
        "hearing_when": (
            long_date(date.fromisoformat(h.date[:10]))
            + (f", at {hearing_time_text(h.time)}" if h.time else "")
            if h
            else ""
        ),
        "hearing_department": (h.department if h else "") or "",
        "appearances": mk(h.appearances) if h and h.appearances else "",
    }


def terms_values(terms: ResentenceTerms | None) -> dict[str, str]:
    """Placeholders of a resentencing order's terms ('' when not entered)."""
    if terms is None:
        return {
            "credit_days": "",
            "supervision_kind": "",
            "supervision_months": "",
            "supervision_period": "",
            "hearing_date": "",
            "hearing_department": "",
        }
    months = terms.supervision_months
    period = f"{months} month{'s' if months != 1 else ''}" if months else ""
    return {
        "credit_days": f"{terms.credit_days:,}",
        "supervision_kind": terms.supervision_kind,
        "supervision_months": str(months or ""),
        "supervision_period": period,
        "hearing_date": long_date(date.fromisoformat(terms.hearing_date))
        if terms.hearing_date
        else "",
        "hearing_department": terms.hearing_department,
    }


def case_numbers(entries: tuple[CaseEntry, ...]) -> str:
    seen: list[str] = []
    for e in entries:
        if e.case_number and e.case_number not in seen:
            seen.append(e.case_number)
    return ", ".join(seen) if seen else "(case number not on record)"


def placeholder_values(
    t: OrderTemplate, order: OrderData, font: str | None = None
) -> dict[str, str]:
    """Values for the template's ${...} placeholders. With `font`, `name` and `akas` are given as
    Paragraph markup that sets characters the font lacks in a fallback font (templates.MARKUP_VALUES)."""
    from xml.sax.saxutils import escape

    from desktop.orders.fonts import markup

    first = order.entries[0]

    def mk(text: str) -> str:
        return markup(text, font) if font else escape(text)

    persons = {(e.person.name, e.person.dob, e.person.cii) for e in order.entries}
    court = t.fill(t.text["court"], {"county": order.county.title()})
    return {
        "county": order.county.title(),
        "court": court,
        "court_upper": court.upper(),
        "courthouse_line": order.courthouse or "",
        "order_number": order.order_number,
        "order_date": long_date(order.order_date),
        "judge_name": order.judge.name,
        "judge_title": order.judge.title,
        "title": t.title,
        "short_title": t.short_title,
        "name": mk(first.person.name),
        "akas": mk("; ".join(first.person.akas)),
        "dob": short_date(first.person.dob),
        "cii": first.person.cii or "",
        "case_numbers": case_numbers(order.entries),
        "statute_basis": statute_basis(order),
        "prosecution_finding": prosecution_text(t, first.prosecution),
        "count_total": f"{len(order.counts):,}",
        "case_total": f"{len(order.entries):,}",
        "person_total": f"{len(persons):,}",
        "department": order.court.department,
        "court_address": "; ".join(order.court.address_lines),
        "amends": order.amends or "",
        **terms_values(first.terms),
        **(ruling_values(order, mk) if order.matter is not None else {}),
    }
