"""Package arrows point down only (docs/architecture.md draws them).

Each module under desktop/ belongs to a layer; a module may import its own package and anything in a
lower layer, never a higher one and never a sibling package of its layer unless the table allows it.
qutebrowser checks its Qt imports the same way, by reading the import statements (no module is run).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "desktop"

# Lower number = lower layer. A package may import packages of lower layers only, plus the
# same-layer packages listed in SIDEWAYS.
LAYERS: dict[str, int] = {
    # leaf helpers: they import only each other (the cycle test keeps that acyclic)
    "errors": 0,
    "clock": 0,
    "paths": 0,
    "files": 0,
    "progress": 0,
    "processes": 0,
    "logs": 0,
    "law": 0,
    "console": 0,
    "osinfo": 0,
    "qt_preflight": 0,
    "outputs": 0,
    "diagnose": 0,
    "keys": 0,
    "tokens": 0,
    "vocabulary": 0,  # the StrEnums: reliefs, review statuses, roles, flags
    "__init__": 0,
    # the hash-chained log, appended on any connection
    "audit": 1,
    # the database: schema, migrations, transactions, backups
    "store": 2,
    # the pure engine; the importers
    "rules": 3,
    "records": 3,
    # application operations
    "evaluation": 4,
    "review": 4,
    "orders": 4,
    # whole-program operations built from the above
    "demo": 5,
    "selftest": 5,
    "maintenance": 5,
    "dispositions": 5,
    "exchange": 5,
    # the two front ends
    "cli": 6,
    "ui": 6,
    "__main__": 7,
}
SIDEWAYS: set[tuple[str, str]] = {
    ("orders", "review"),  # orders are rendered for batches the review accepted
    ("cli", "ui"),  # `reliefdesk gui` starts the window
    ("selftest", "exchange"),  # the self-test sends a batch to a judge's workspace and back
}
# The pure engine reads no database, clock or files beyond its policy data.
PURE = {"rules": {"errors", "paths", "law", "vocabulary"}}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "desktop":
                names = [f"desktop.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "desktop" and len(parts) > 1:
                found.add(parts[1])
    return found


def _package_of(path: Path) -> str:
    rel = path.relative_to(ROOT).parts
    return rel[0] if len(rel) > 1 else path.stem


def _graph() -> dict[str, dict[str, set[str]]]:
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in sorted(ROOT.rglob("*.py")):
        src = _package_of(path)
        for dst in _imports(path):
            if dst != src:
                graph[src][dst].add(str(path.relative_to(ROOT.parent)))
    return graph


def test_every_package_has_a_layer() -> None:
    packages = {_package_of(p) for p in ROOT.rglob("*.py")}
    assert packages - set(LAYERS) == set(), "add new packages to LAYERS and docs/architecture.md"


def test_arrows_point_down() -> None:
    wrong = []
    for src, targets in _graph().items():
        for dst, files in targets.items():
            if dst not in LAYERS or src not in LAYERS:
                continue
            if (
                (src, dst) in SIDEWAYS
                or LAYERS[dst] < LAYERS[src]
                or LAYERS[src] == LAYERS[dst] == 0
            ):
                continue
            wrong.append(f"{src} -> {dst} ({', '.join(sorted(files))})")
    assert wrong == []


def test_the_engine_stays_pure() -> None:
    graph = _graph()
    for pkg, allowed in PURE.items():
        extra = {d: f for d, f in graph[pkg].items() if d not in allowed}
        assert extra == {}, f"{pkg} may import only {sorted(allowed)}"


def test_no_cycles_between_packages() -> None:
    graph = {s: set(t) for s, t in _graph().items()}
    seen: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        seen[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if seen.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in seen and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        seen[node] = 2
        return None

    for start in sorted(graph):
        if start not in seen:
            cycle = visit(start)
            assert cycle is None, " -> ".join(cycle)


def test_core_has_no_qt() -> None:
    offenders = [
        str(p.relative_to(ROOT.parent))
        for p in ROOT.rglob("*.py")
        # qt_preflight only looks for Qt's libraries, before the window starts
        if _package_of(p) not in {"ui", "cli", "qt_preflight"}
        and any(
            "PySide6" in line
            for line in p.read_text(encoding="utf-8").splitlines()
            if line.lstrip().startswith(("import ", "from "))
        )
    ]
    assert offenders == []
