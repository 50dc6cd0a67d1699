"""Issue 13 §1-§2: every entry of the §6 disqualifier lists (resources/rules/disqualifiers.toml)
read in the spellings DOJ uses, plus the near misses that must not match, and the section reader
on the shapes of §6.0. Parametrised from the data file, so an entry added there is tested too."""

from __future__ import annotations

import re
from datetime import date

import pytest

from desktop.law.disqualifier_data import lists
from desktop.law.normalize import court_display, parse_section
from desktop.rules.model import CountFacts
from desktop.rules.priors import PriorIndex, classify

ENTRIES = [e for e in lists().entries if e.to is None and e.list in ("superstrike", "pc290")]
GANG = [e for e in lists().entries if e.list in ("gang_life", "gang_enhancement")]
HOMICIDE = next(e for e in lists().entries if e.to is not None)


def spellings(section: str) -> list[str]:
    """The DOJ spellings of one normalised section: code after (with a description, glued, with a
    space) and before, a leading slash, bracketed subdivisions written bare where that is still
    one reading."""
    out = [
        f"{section} PC-DESCRIPTION OF OFFENSE",
        f"{section}PC-DESCRIPTION",
        f"PC {section}",
        f"/{section} PC",
        f"{section} PC",
        section,
        f"{section.lower()} pc",
    ]
    return out


def attempts(section: str) -> list[str]:
    return [
        f"664/{section} PC-ATTEMPT",
        f"664-{section} PC",
        f"664.{section} PC",
        f"664{section} PC",
        f"PC 664/{section}",
    ]


def hits_of(text: str, entry_id: str) -> list:
    r = classify(text)
    return [h for h in (*r.hits, *r.gang_life, *r.gang_enh) if h.entry.id == entry_id]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_every_entry_in_every_spelling(entry):
    for text in spellings(entry.section):
        found = hits_of(text, entry.id)
        assert found, f"{text!r} does not match {entry.id}"
        if entry.needs:  # intent the record cannot show: a possible disqualifier only
            assert not any(h.certain for h in found), text
        else:
            assert any(h.certain for h in found), f"{text!r}: {[h.why for h in found]}"
        # One step more specific (a further subdivision) still matches.
        deeper = f"{entry.section}(1) PC"
        assert hits_of(deeper, entry.id), deeper


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_every_entry_as_an_attempt(entry):
    for text in attempts(entry.section):
        found = hits_of(text, entry.id)
        if entry.attempts:
            assert found, f"{text!r} does not match {entry.id}"
            assert all(h.read_as.startswith("664/") for h in found)
        else:
            assert not found, f"{text!r}: an attempt is not listed for {entry.id}"


BARE = [e for e in ENTRIES if e.subs and e.subs[0].isalpha()]  # "3141" is section 3141


@pytest.mark.parametrize("entry", BARE, ids=[e.id for e in BARE])
def test_subdivisions_written_without_brackets_are_never_silently_missed(entry):
    """'261A2' (261(a)(2) written bare) is weighed both ways: at least a possible disqualifier."""
    bare = entry.base + "".join(entry.subs)
    r = classify(f"{bare} PC-DESCRIPTION")
    assert r.hits, bare
    # The section without the listed subdivision: the record cannot show it -> possible.
    if not any(e.base == entry.base and not e.subs for e in lists().entries):
        assert not classify(f"{entry.base} PC").certain
        assert hits_of(f"{entry.base} PC", entry.id)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_other_codes_are_not_penal_code_disqualifiers(entry):
    assert not hits_of(f"{entry.section} VC-DESCRIPTION", entry.id)
    assert not hits_of(f"{entry.section} HS", entry.id)


HOMICIDES = [
    "187",
    "187(A)",
    "188",
    "189",
    "190",
    "190.05",
    "190.1",
    "190.2",
    "190.2(A)(17)",
    "190.25",
    "190.3",
    "190.4",
    "190.41",
    "190.5",
    "190.6",
    "191",
    "191.5",
    "191.5(A)",
]


@pytest.mark.parametrize("section", HOMICIDES)
def test_homicide_187_to_191_5_inclusive_and_attempts(section):
    for text in [*spellings(section), *attempts(section)]:
        assert any(h.certain for h in hits_of(text, HOMICIDE.id)), text


NEAR_MISSES = [
    # (section text, entry id it must not match)
    ("192 PC-MANSLAUGHTER", HOMICIDE.id),
    ("192(A) PC", HOMICIDE.id),
    ("191.55 PC", HOMICIDE.id),
    ("1900 PC", HOMICIDE.id),
    ("186 PC", HOMICIDE.id),
    ("1870 PC", HOMICIDE.id),
    ("664/192(C) PC", HOMICIDE.id),
    ("288.5 PC", "pc290 288"),
    ("288 PC", "pc290 288.5"),
    ("288 PC", "superstrike 288.5"),
    ("273A PC-CHILD ENDANGERMENT", "superstrike 273AB"),
    ("266 PC", "pc290 266J"),
    ("266J PC", "pc290 266"),
    ("266C PC", "pc290 266"),
    ("647(A) PC", "pc290 647A"),
    ("647(A) PC", "pc290 647.6"),
    ("647A PC", "pc290 647.6"),
    ("653(F) PC", "superstrike 653F(B)"),
    ("653(F)(B) PC", "superstrike 653F(B)"),
    ("653F(A) PC", "superstrike 653F(B)"),
    ("653F(A) PC", "pc290 653F(C)"),
    ("288(A) PC", "pc290 288A"),
    ("288A PC", "superstrike 288(A)"),
    ("261.5 PC", "pc290 261"),
    ("2610 PC", "pc290 261"),
    ("245(A)(1) PC", "superstrike 245(D)(3)"),
    ("311.12 PC", "pc290 311.1"),
    ("311.1 PC", "pc290 311.11"),
    ("236.1(A) PC", "pc290 236.1(B)"),
    ("220(A) PC", "superstrike 220(B)"),
    ("314(3) PC", "pc290 314(1)"),
]


@pytest.mark.parametrize(
    ("text", "entry_id"), NEAR_MISSES, ids=[f"{t}!={e}" for t, e in NEAR_MISSES]
)
def test_near_misses_do_not_match(text, entry_id):
    assert not hits_of(text, entry_id)


@pytest.mark.parametrize(
    "text",
    [
        "273A PC",
        "647(A) PC",
        "653(F) PC",
        "192 PC",
        "191.55 PC",
        "1900 PC",
        "245(A)(1) PC",
        "459 PC-BURGLARY",
        "664/245(D)(3) PC",
        "11357.5 HS",
        "187 VC",
        "288 WI",
        "12022.5 PC",
        "519 PC",
        "186.22(B)(1) PC",
    ],
)
def test_not_disqualifying_at_all(text):
    r = classify(text)
    assert not r.hits and not r.unreadable, [h.entry.id for h in r.hits]


@pytest.mark.parametrize(
    "text",
    [
        "266J.11",
        "266J.11 PC-PIMPING",
        "245 PC",
        "653F PC",
        "261A2 PC",
        "288AC1 PC",
        "187A PC",
        "207 PC",
        "182/187 PC",
        "664/209 PC",
        "236.1 PC",
        "311.2 PC",
        "220 PC",
        "220(A)(1) PC",
    ],
)
def test_readable_more_than_one_way_is_possible_never_certain_never_nothing(text):
    r = classify(text)
    assert r.possible, text
    assert all(h.why for h in r.hits)


def test_assault_with_intent_is_never_a_certain_disqualifier():
    """PC 220 is registrable except an assault to commit mayhem (290(c)(1)) and a super-strike
    only with intent to commit a listed sex offense: the section alone cannot show which."""
    for text in ("220 PC", "220(A)(1) PC", "664/220 PC"):
        r = classify(text)
        assert r.possible and not any(h.certain for h in r.hits), text


def test_trailing_noise_never_becomes_a_nearby_section():
    sec = parse_section("266J.11")
    assert sec.section == "266J.11" and "section_noise" in sec.flags
    assert sec.section not in ("266J", "266", "266(J)")


@pytest.mark.parametrize("entry", GANG, ids=[e.id for e in GANG])
def test_gang_entries_read_in_every_spelling(entry):
    key = "gang_life" if entry.list == "gang_life" else "gang_enh"
    for text in spellings(entry.section):
        assert any(h.certain for h in getattr(classify(text), key) if h.entry.id == entry.id), text


def _count(i: int, text: str, case: int, level: str = "F", day: date = date(2000, 1, 1)):
    sec = parse_section(text)
    return CountFacts(
        id=i,
        case_id=case,
        case_number=f"C{case}",
        cnt_order=f"{case:03d}002{i:03d}000",
        count_no=i,
        county="KERN",
        offense_text=text,
        section=sec and sec.section,
        base=sec and sec.base,
        code=sec and (sec.code or None),
        level=level,
        convicted=True,
        conviction_date=day,
        cycle_date=day,
        sentence_end=None,
        juvenile=False,
    )


LIFE = [e.section for e in GANG if e.list == "gang_life"]


@pytest.mark.parametrize("life", LIFE)
@pytest.mark.parametrize(
    "form",
    [
        "{l}-186.22(B)(4) PC",
        "186.22(B)(4)/{l} PC",
        "{l}+186.22(B)(4) PC",
        "PC {l}/186.22(B)(4)",
        "separate",
        "separate-reversed",
    ],
)
def test_life_term_gang_crime_with_the_enhancement_is_a_superstrike(life, form):
    if form.startswith("separate"):
        counts = [_count(1, f"{life} PC-OFFENSE", 1), _count(2, "186.22(B)(4) PC-GANG", 1)]
        if form.endswith("reversed"):
            counts.reverse()
    else:
        counts = [_count(1, form.format(l=life), 1)]
    idx = PriorIndex(counts)
    assert len(idx.certain.priors) == 1
    assert "186.22(B)(4)" in idx.certain.priors[0].what


@pytest.mark.parametrize("life", LIFE)
def test_gang_parts_the_record_cannot_pin_down_are_possible(life):
    # The crime alone carries no life term: nothing.
    assert not PriorIndex([_count(1, f"{life} PC", 1)]).possible.priors
    # In different court events: no pairing, the bare enhancement is possible.
    idx = PriorIndex([_count(1, f"{life} PC", 1), _count(2, "186.22(B)(4) PC", 2)])
    assert not idx.certain.priors and idx.possible.priors
    # The enhancement's subdivision unknown: possible.
    idx = PriorIndex([_count(1, f"{life} PC", 1), _count(2, "186.22 PC", 1)])
    assert not idx.certain.priors and idx.possible.priors


def test_bare_gang_enhancement_is_possible():
    idx = PriorIndex([_count(1, "186.22(B)(4) PC", 1)])
    assert not idx.certain.priors and len(idx.possible.priors) == 1


def test_felony_only_entry_weighs_the_level():
    assert PriorIndex([_count(1, "243.4(A) PC", 1, "F")]).certain.priors
    m = PriorIndex([_count(1, "243.4(A) PC", 1, "M")])
    assert not m.certain.priors
    assert PriorIndex([_count(1, "243.4(E)(1) PC", 1, "M")]).certain.priors
    assert PriorIndex([_count(1, "243.4(A) PC", 1, None)]).possible.priors


def test_unreadable_prior_is_reported():
    idx = PriorIndex([_count(1, "MISC OFFENSE", 1), _count(2, "", 2)])
    assert len(idx.unreadable.priors) == 2


READINGS = [
    # text -> (normalised section, base, code, attempt, conspiracy, flags)
    ("288A PC", "288A", "288A", "PC", False, False, set()),
    ("288(A) PC-LEWD", "288(A)", "288", "PC", False, False, set()),
    ("273AB PC", "273AB", "273AB", "PC", False, False, set()),
    ("266H PC", "266H", "266H", "PC", False, False, set()),
    ("653F(B) PC", "653F(B)", "653F", "PC", False, False, set()),
    ("647A PC", "647A", "647A", "PC", False, False, set()),
    ("11357B2 HS-POSS", "11357(B)(2)", "11357", "HS", False, False, set()),
    ("HS 11360A3C", "11360(A)(3)(C)", "11360", "HS", False, False, set()),
    ("HS 11357", "11357", "11357", "HS", False, False, set()),
    ("/11357 HS", "11357", "11357", "HS", False, False, set()),
    ("664/187 PC", "664/187", "187", "PC", True, False, set()),
    ("664-11359", "664/11359", "11359", "", True, False, set()),
    ("664.11357(C)", "664/11357(C)", "11357", "", True, False, set()),
    ("66411357(C)", "664/11357(C)", "11357", "", True, False, set()),
    ("664187 PC", "664/187", "187", "PC", True, False, set()),
    ("182/11359", "182/11359", "11359", "", False, True, set()),
    ("182(A)(1)/11359 HS", "182(A)(1)/11359", "11359", "HS", False, True, set()),
    ("519-186.22(B)(4) PC", "519/186.22(B)(4)", "519", "PC", False, False, set()),
    ("186.22(B)(4)/136.1 PC", "186.22(B)(4)/136.1", "186.22", "PC", False, False, set()),
    (
        "11359 PC-POSSESS MARIJUANA FOR SALE",
        "11359",
        "11359",
        "HS",
        False,
        False,
        {"code_corrected"},
    ),
    ("11357(C)HS-POSSESS", "11357(C)", "11357", "HS", False, False, set()),
    ("11357 (B) HS", "11357(B)", "11357", "HS", False, False, set()),
    ("11360(B) SELL/FURNISH/ETC MARIJUANA/HASH", "11360(B)", "11360", "", False, False, set()),
    ("11357.5 HS", "11357.5", "11357.5", "HS", False, False, set()),
    ("H&S 11359", "11359", "11359", "HS", False, False, set()),
    ("266J.11", "266J.11", "266J.11", "", False, False, {"section_noise"}),
    ("11357 HS-28.5 GRAMS OR LESS", "11357", "11357", "HS", False, False, set()),
]


@pytest.mark.parametrize(
    ("text", "section", "base", "code", "attempt", "conspiracy", "flags"),
    READINGS,
    ids=[r[0] for r in READINGS],
)
def test_section_reader(text, section, base, code, attempt, conspiracy, flags):
    sec = parse_section(text)
    assert (sec.section, sec.base, sec.code) == (section, base, code)
    assert sec.parts[0].attempt == attempt and sec.parts[0].conspiracy == conspiracy
    assert set(sec.flags) == flags
    assert sec.text == text.strip()


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("CASCLOS ANGELES", "LOS ANGELES"),
        ("CASC SAN PEDRO", "SAN PEDRO"),
        ("CAMC LOS ANGELES METRO", "LOS ANGELES METRO"),
        ("CAPDSAN DIEGO", "SAN DIEGO"),
        ("CASC  SAN BERNARDINO", "SAN BERNARDINO"),
        ("SAN BERNARDINO", "SAN BERNARDINO"),
        ("", ""),
    ],
)
def test_court_names_lose_the_agency_prefix(raw, shown):
    assert court_display(raw) == shown


def test_data_file_entries_have_a_statute_and_a_normalised_section():
    for e in lists().entries:
        assert e.statute.strip()
        assert re.fullmatch(r"\d+(\.\d+)?[A-Z]{0,2}(\([A-Z0-9]+\))*", e.section)
        assert parse_section(f"{e.section} PC").parts[0].section == e.section
