"""The type checker's configuration stays honest (issue 11 §4): mypy checks every module of
desktop/ with no module left out by `ignore_errors`, and each `type: ignore` names the error
code it silences, so a new error of another kind on the same line still fails CI."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_leaves_no_module_out() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mypy = config["tool"]["mypy"]
    assert "desktop" in mypy["files"]
    assert not mypy.get("ignore_errors", False)
    lax = [o.get("module") for o in mypy.get("overrides", []) if o.get("ignore_errors")]
    assert lax == [], f"modules mypy does not check: {lax}"


def test_every_type_ignore_names_its_error_code() -> None:
    bare = []
    for path in sorted((ROOT / "desktop").rglob("*.py")):
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"#\s*type:\s*ignore(?!\[)", line):
                bare.append(f"{path.relative_to(ROOT)}:{no}")
    assert bare == [], "a bare `type: ignore` hides every error on its line: " + ", ".join(bare)
