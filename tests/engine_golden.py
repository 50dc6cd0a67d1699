"""The engine's output over the scenario tables, for the golden-output test.

Every scenario of tests/test_rules_scenarios.py (and of tests/test_rules_partial_records.py) is
written as a DOJ file, imported with the real importer and evaluated with every policy the table
names; the result is every determination of the subject (relief, target, flags, rule path and the
rule of each explanation step), keyed by scenario and policy.

tests/data/engine_golden.json holds this output together with the ENGINE_VERSION that made it.
test_engine_golden.py fails when the engine's output differs from it (a change of determinations
without a version bump) and when ENGINE_VERSION differs from the file's (regenerate it). To
regenerate after a deliberate engine change (and a bump of ENGINE_VERSION in desktop/rules/model.py):

    PYTHONPATH=$PWD /work/venv/bin/python scripts/update_engine_golden.py
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from dojrows import write_file

from desktop.evaluation.runs import evaluate_county
from desktop.records.importer import import_file
from desktop.records.responses import import_responses
from desktop.rules.model import ENGINE_VERSION
from desktop.rules.policy import load_policy
from desktop.store import open_db

GOLDEN = Path(__file__).resolve().parent / "data" / "engine_golden.json"
AS_OF = date(2020, 7, 1)


def _tables() -> list[tuple[str, list]]:
    import test_rules_scenarios as base

    out = [("scenarios", base.SCENARIOS)]
    try:
        import test_rules_partial_records as partial
    except ImportError:
        return out
    out.append(("partial", partial.GOLDEN_SCENARIOS))
    return out


def compute() -> dict[str, Any]:
    """{scenario-policy: [determinations of the subject, in count order]}."""
    import test_rules_scenarios as base

    cases: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _table, scenarios in _tables():
            for sid, person, _idx, expected, responses in scenarios:
                d = Path(tmp) / sid
                d.mkdir()
                write_file(d / "in.csv", [person])
                db = open_db(d / "db.sqlite3")
                import_file(db, d / "in.csv")
                if responses:
                    (d / "responses.csv").write_text(responses)
                    import_responses(db, d / "responses.csv")
                for pol in expected:
                    run = evaluate_county(
                        db, "SAN BERNARDINO", load_policy(base.POLICIES[pol]), AS_OF, backup=False
                    )
                    rows = db.conn.execute(
                        "SELECT c.source_line, d.relief, d.resentence_target, d.flags,"
                        " d.rule_path, d.explanation FROM determinations d JOIN counts c"
                        " ON c.id = d.count_id WHERE d.run_id = ? ORDER BY c.source_line",
                        (run,),
                    ).fetchall()
                    cases[f"{sid}-{pol}"] = [
                        {
                            "line": line,
                            "relief": relief,
                            "target": target,
                            "flags": flags,
                            "rule_path": path,
                            "steps": [s["rule"] for s in json.loads(expl)["steps"]],
                        }
                        for line, relief, target, flags, path, expl in rows
                    ]
                db.conn.close()
    return cases


def current() -> dict[str, Any]:
    return {"engine_version": ENGINE_VERSION, "cases": compute()}


def stored() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def write() -> None:
    GOLDEN.write_text(json.dumps(current(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
