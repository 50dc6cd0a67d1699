"""Synthetic orders (made-up people) for samples, tests and benchmarks. Never real data."""

from __future__ import annotations

import random
from datetime import date

from desktop.law import names
from desktop.orders.model import (
    CaseEntry,
    CountLine,
    Judge,
    OrderData,
    Person,
    ProsecutionNotice,
    ResentenceTerms,
)

_FIRST = (
    "Avery",
    "Jordan",
    "Rosalind",
    "Mateo",
    "Quinn",
    "Harper",
    "Ezekiel",
    "Marisol",
    "Dmitri",
    "Yesenia",
    "Tobias",
    "Lucía",
    "Kenji",
    "Oluwaseun",
    "Priya",
    "Beatrix",
)
_LAST = (
    "Castellano",
    "Whitfield",
    "Nakamura-Ortiz",
    "Delacroix",
    "Abernathy",
    "Villanueva",
    "Okonkwo",
    "Featherstone",
    "Quintanilla",
    "Haverford",
    "Ramírez",
    "Lindqvist",
)
_SECTIONS = (
    ("11357(A)", "F"),
    ("11357(B)", "M"),
    ("11357(C)", "M"),
    ("11358", "F"),
    ("11359", "F"),
    ("11360(A)", "F"),
    ("11360(B)", "M"),
)
_RELIEFS = ("dismiss_and_seal", "redesignate_misdemeanor", "redesignate_infraction")

DEMO_JUDGE = Judge(name="Hon. Eleanor M. Whitcombe (DEMO)", title="Judge of the Superior Court")


def _person(rng: random.Random, i: int) -> Person:
    """A made-up person named as orders name people (natural order; see names.py)."""
    raw = f"{rng.choice(_LAST).upper()},{rng.choice(_FIRST).upper()} {chr(65 + i % 26)}"
    akas = (
        (names.natural(f"{rng.choice(_LAST).upper()},{rng.choice(_FIRST).upper()}"),)
        if rng.random() < 0.3
        else ()
    )
    dob = date(rng.randint(1950, 1995), rng.randint(1, 12), rng.randint(1, 28)).isoformat()
    return Person(
        name=names.natural(raw),
        akas=akas,
        dob=dob,
        cii=f"A{rng.randint(10**7, 10**8 - 1)}",
        sort_name=names.surname_first(raw),
    )


def _count(rng: random.Random, n: int, relief: str | None = None) -> CountLine:
    section, level = rng.choice(_SECTIONS)
    if relief is None:
        relief = "dismiss_and_seal" if level != "F" else rng.choice(_RELIEFS)
    target = None
    if relief == "resentence":
        target = rng.choice(("misdemeanor", "infraction", "dismissed"))
    return CountLine(
        count_no=n,
        code="HS",
        section=section,
        level=level,
        conviction_date=date(
            rng.randint(1985, 2016), rng.randint(1, 12), rng.randint(1, 28)
        ).isoformat(),
        relief=relief,
        resentence_target=target,
    )


def _notice(rng: random.Random) -> ProsecutionNotice:
    r = rng.random()
    if r < 0.5:
        return ProsecutionNotice(
            "not_challenged", f"2020-0{rng.randint(1, 6)}-{rng.randint(10, 28)}"
        )
    if r < 0.9:
        return ProsecutionNotice()
    return ProsecutionNotice("challenged", "2020-06-30")


def one_case_order(
    seed: int = 1,
    counts: int = 3,
    *,
    name: str | None = None,
    resentence: bool = False,
    county: str = "SAN BERNARDINO",
    order_date: date = date(2025, 6, 2),
    judge: Judge = DEMO_JUDGE,
    number: int = 1,
) -> OrderData:
    rng = random.Random(seed)
    person = _person(rng, seed)
    if name is not None:
        person = Person(name=name, akas=person.akas, dob=person.dob, cii=person.cii, sort_name=name)
    lines = tuple(_count(rng, n + 1, "resentence" if resentence else None) for n in range(counts))
    terms = None
    if resentence:
        terms = ResentenceTerms(
            credit_days=rng.randint(30, 400),
            disposition="supervision",
            supervision_kind="misdemeanor probation",
            supervision_months=6,
        )
    entry = CaseEntry(
        person=person,
        case_number=f"FSB{rng.randint(100000, 999999)}",
        counts=lines,
        court=f"{county.title()} Superior",
        prosecution=_notice(rng),
        terms=terms,
    )
    return OrderData(
        order_number=f"P64-36-{order_date.year}-{number:06d}",
        county=county,
        order_date=order_date,
        judge=judge,
        entries=(entry,),
    )


def bulk_order(
    rows: int,
    seed: int = 7,
    county: str = "SAN BERNARDINO",
    order_date: date = date(2025, 6, 2),
    judge: Judge = DEMO_JUDGE,
) -> OrderData:
    """A bulk order with about `rows` schedule rows (1-4 counts per case)."""
    rng = random.Random(seed)
    entries: list[CaseEntry] = []
    made = 0
    i = 0
    while made < rows:
        n = min(rng.randint(1, 4), rows - made)
        person = _person(rng, i)
        lines = tuple(_count(rng, k + 1) for k in range(n))
        entries.append(
            CaseEntry(
                person=person,
                case_number=f"FSB{rng.randint(100000, 999999)}",
                counts=lines,
                prosecution=_notice(rng),
            )
        )
        made += n
        i += 1
    return OrderData(
        order_number=f"P64-36-{order_date.year}-B{seed:05d}",
        county=county,
        order_date=order_date,
        judge=judge,
        entries=tuple(entries),
    )
