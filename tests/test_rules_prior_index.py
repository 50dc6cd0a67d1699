"""The per-person PriorIndex answers exactly what scanning every prior for every count answered
(issue 13, Speed), and the engine's time grows linearly with a person's record."""

from __future__ import annotations

import gc
import time
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.law.normalize import parse_section
from desktop.rules.engine import evaluate_subject
from desktop.rules.model import CountFacts, SubjectFacts
from desktop.rules.policy import load_policy
from desktop.rules.priors import MAX_LISTED, PriorIndex, classify

PROP64_DATE = date(2016, 11, 9)
TEXTS = [
    "11359 HS",
    "11359 HS",
    "11360(A) HS",
    "11358 HS",
    "187 PC",
    "664/187 PC",
    "288A PC",
    "245 PC",
    "459 PC",
    "266J.11",
    "MISC",
    "11357(B) HS",
    "215 PC",
    "186.22(B)(4) PC",
    "243.4(A) PC",
]


@st.composite
def records(draw):
    n = draw(st.integers(1, 25))
    out = []
    for i in range(n):
        text = draw(st.sampled_from(TEXTS))
        sec = parse_section(text)
        conv = draw(st.one_of(st.none(), st.dates(date(1990, 1, 1), date(2020, 1, 1))))
        cyc = conv - timedelta(days=draw(st.integers(0, 300))) if conv else None
        case = draw(st.integers(1, 6))
        out.append(
            CountFacts(
                id=i + 1,
                case_id=case,
                case_number=f"C{case}",
                cnt_order=f"{case:03d}002{i:03d}000",
                count_no=i + 1,
                county="KERN",
                offense_text=text,
                section=sec and sec.section,
                base=sec and sec.base,
                code=sec and (sec.code or None),
                level=draw(st.sampled_from(["F", "M", None])),
                convicted=True,
                conviction_date=conv,
                cycle_date=cyc,
                sentence_end=None,
                juvenile=False,
            )
        )
    return sorted(out, key=lambda c: (c.conviction_date or date.min, c.cnt_order, c.id))


def brute_same(convictions, c, mode):
    """The engine's scan before issue 13 (one prior per case, every conviction per count)."""
    by_case = {}
    for p in convictions:
        if (
            p.id != c.id
            and p.base == c.base
            and p.base in ("11357", "11358", "11359", "11360")
            and p.case_id != c.case_id
            and p.case_id not in by_case
        ):
            by_case[p.case_id] = p
    same = list(by_case.values())
    if mode == "three_same_section":
        return same, len(same) + 1 >= 3
    if mode == "two_earlier_same_section":
        earlier = [
            p
            for p in same
            if p.conviction_date and c.conviction_date and p.conviction_date < c.conviction_date
        ]
        return earlier, len(earlier) >= 2
    before = [
        p
        for p in same
        if p.conviction_date and c.offense_date and p.conviction_date < c.offense_date
    ]
    post = [p for p in before if p.offense_date and p.offense_date >= PROP64_DATE]
    return before, len(post) >= 2


def brute_disq(convictions, c, mode):
    out = []
    for p in convictions:
        r = classify(p.offense_text)
        if p.id == c.id or r.unreadable or not r.hits:
            continue
        if mode == "anywhere":
            out.append(p)
        elif mode == "before_disposition":
            if p.conviction_date and c.conviction_date and p.conviction_date < c.conviction_date:
                out.append(p)
        elif p.conviction_date and c.offense_date and p.conviction_date < c.offense_date:
            out.append(p)
    return out


@pytest.mark.slow  # hypothesis, 200 generated records: index against scan
@settings(max_examples=200, deadline=None)
@given(
    records(),
    st.sampled_from(["statute", "three_same_section", "two_earlier_same_section"]),
    st.sampled_from(["before_offense", "before_disposition", "anywhere"]),
)
def test_index_answers_like_the_scan(convictions, two_mode, dq_mode):
    idx = PriorIndex(convictions)
    for c in convictions:
        listed, total, bars = idx.same_section(c, two_mode)
        same, want_bars = brute_same(convictions, c, two_mode)
        assert total == len(same) and bars == want_bars
        assert [p.id for p in listed] == [p.id for p in same][:MAX_LISTED]
        (sure, n1), (maybe, n2), (_u, _n3) = idx.disqualifiers(c, dq_mode)
        # Every prior with a listed section reading (certain or possible, gang parts aside) is
        # found, and none dated outside the policy's window.
        plain = {p.id for p in brute_disq(convictions, c, dq_mode)}
        found = {p.count.id for p in sure + maybe}
        assert found <= plain | {
            p.id
            for p in convictions
            if classify(p.offense_text).gang_enh or classify(p.offense_text).gang_life
        }
        if n1 + n2 <= MAX_LISTED:
            assert (
                plain
                - {p.id for p in convictions if p.level == "M" and p.offense_text == "243.4(A) PC"}
                <= found
            )


def _person(n: int) -> list[CountFacts]:
    out = []
    for i in range(n):
        text = "187 PC" if i == 0 else ("11359 HS", "459 PC", "11360(A) HS", "245(A)(1) PC")[i % 4]
        sec = parse_section(text)
        d = date(1980, 1, 1) if i == 0 else date(1988, 1, 1) + timedelta(days=i // 3)
        case = i // 20 + 1
        out.append(
            CountFacts(
                id=i + 1,
                case_id=case,
                case_number=f"C{case}",
                cnt_order=f"{case:03d}002{i % 20:03d}000",
                count_no=i % 20 + 1,
                county="KERN",
                offense_text=text,
                section=sec.section,
                base=sec.base,
                code=sec.code,
                level="F",
                convicted=True,
                conviction_date=d,
                cycle_date=d,
                sentence_end=None,
                juvenile=False,
            )
        )
    return out


def test_evaluation_grows_linearly_with_the_record():
    subject = SubjectFacts(1, "ROE,RICHARD", date(1960, 1, 1), False, False)
    policy = load_policy("statute")
    times = {}
    for n in (500, 4000):
        counts = _person(n)
        best = float("inf")
        gc.collect()
        gc.disable()  # the algorithm's growth, not the collector's passes over a big heap
        try:
            for _ in range(3):
                t = time.perf_counter()
                dets = evaluate_subject(subject, counts, "KERN", policy, date(2020, 7, 1))
                best = min(best, time.perf_counter() - t)
        finally:
            gc.enable()
        assert len(dets) == n // 2 - 1
        assert all(d.relief == "not_eligible" for d in dets)  # the 1988 murder
        times[n] = best
    # 8 times the record: linear is ~8x; the scan of every prior per count was ~64x.
    assert times[4000] < 25 * times[500], times
    assert times[4000] < 20.0
