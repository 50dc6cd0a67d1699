"""The installed program leaves out the test-only packages (build.spec excludes pypdf and
pdfplumber, pyproject lists them under [test]): no module of desktop/ may import them, or a
feature works in the tests and fails in the court's copy (a certified copy, issue 19)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "desktop"
TEST_ONLY = ("pypdf", "pdfplumber", "pytest", "hypothesis")


def test_the_program_imports_no_test_only_package() -> None:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in TEST_ONLY:
                    found.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} {name}")
    assert found == []
