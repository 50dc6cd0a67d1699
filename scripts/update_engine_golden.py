"""Regenerate tests/data/engine_golden.json (the engine's output over the scenario tables).

Run after a deliberate change of the engine's determinations, together with a bump of
ENGINE_VERSION in desktop/rules/model.py:

    PYTHONPATH=$PWD /work/venv/bin/python scripts/update_engine_golden.py

Review the diff of the JSON before committing it: every changed line is a changed determination."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

import engine_golden  # noqa: E402

if __name__ == "__main__":
    engine_golden.write()
    print(f"wrote {engine_golden.GOLDEN} for engine {engine_golden.ENGINE_VERSION}")
