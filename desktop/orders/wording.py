"""The words an order uses for a count, a date, a statute or a prosecution response, from its template."""

from __future__ import annotations

from datetime import date

from desktop.orders.model import (
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
    if count.relief == Relief.RESENTENCE:
        return f"resentence_{count.resentence_target or 'misdemeanor'}"
    return count.relief


def relief_text(t: OrderTemplate, count: CountLine, court: CourtDetails | None = None) -> str:
    """The relief as the court writes it: its settings' words, else the template's."""
    key = relief_key(count)
    if court is not None and court.relief_words.get(key):
        return court.relief_words[key]
    return t.relief[key]


def level_text(t: OrderTemplate, level: str | None) -> str:
    return t.levels.get(level or "unknown", level or "") if t.levels else (level or "")


def section_text(count: CountLine) -> str:
    return f"{count.code} {count.section}".strip()


def basis_text(count: CountLine, juvenile: bool) -> str:
    sub = "(b)" if count.serving else "(f)"
    return f"HS 11361.8{sub}, (m)" if juvenile else f"HS 11361.8{sub}"


def statute_basis(order: OrderData) -> str:
    """The statutory basis sentence: 11361.8(b) for serving, (f) completed, (m) juvenile, plus 11361.9."""
    subs = []
    counts = order.counts
    if any(c.serving for c in counts):
        subs.append("(b)")
    if any(not c.serving for c in counts):
        subs.append("(f)")
    if any(e.juvenile for e in order.entries):
        subs.append("(m)")
    parts = "11361.8" + ", ".join(subs)
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
    return out


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
    }
