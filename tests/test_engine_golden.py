"""Golden output of the engine: the scenario tables' determinations may change only together with
ENGINE_VERSION, so every stored determination names the engine that made it.

The stored output is tests/data/engine_golden.json; after a deliberate engine change bump
ENGINE_VERSION (desktop/rules/model.py) and regenerate it (see tests/engine_golden.py)."""

from __future__ import annotations

import engine_golden

HOW = (
    "bump ENGINE_VERSION in desktop/rules/model.py and regenerate with "
    "`PYTHONPATH=$PWD python scripts/update_engine_golden.py`"
)


def test_golden_output_matches_engine_version():
    golden = engine_golden.stored()
    now = engine_golden.current()
    if golden["engine_version"] == now["engine_version"]:
        changed = sorted(
            k
            for k in set(golden["cases"]) | set(now["cases"])
            if golden["cases"].get(k) != now["cases"].get(k)
        )
        assert not changed, (
            f"determinations changed without an engine version bump "
            f"({len(changed)} cases, e.g. {changed[:5]}): {HOW}"
        )
    else:
        raise AssertionError(
            f"ENGINE_VERSION is {now['engine_version']} but the golden output was made by "
            f"{golden['engine_version']}: regenerate it ({HOW}) and review its diff"
        )


def test_golden_covers_every_scenario_and_policy():
    import test_rules_scenarios as base

    golden = engine_golden.stored()["cases"]
    for sid, pol in base.CASES:
        assert golden.get(f"{sid}-{pol}"), f"{sid}-{pol} missing from the golden output"
