"""The window and the command line read and write only through core functions (issue 11 §1):
no SQL is executed in desktop/ui/ or desktop/cli/."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "desktop"


def test_no_execute_in_the_front_ends() -> None:
    found = []
    for folder in ("ui", "cli"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("execute", "executemany", "executescript")
                ):
                    found.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    assert found == []
