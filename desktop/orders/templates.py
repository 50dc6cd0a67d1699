"""Order templates: wording and layout as data in forms/<name>.toml, so a court can adapt them without code."""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any
from xml.sax.saxutils import escape

from desktop.errors import UserError
from desktop.paths import forms_dir

KINDS = ("one_case", "bulk", "resentence", "after_hearing", "denial", "petition_order")
# Kinds made from the rulings of a matter (issue 19) rather than from a review batch.
RULING_KINDS = ("after_hearing", "denial", "petition_order")
CONDITIONS = (
    "always",
    "any_sealed",
    "any_redesignated",
    "any_resentenced",
    "any_sentence_dismissed",
    "juvenile",
    "hearing",
    "no_hearing",
    "released",
    "supervision",
    "department",
    # orders made from rulings (issue 19)
    "any_denied",
    "any_granted",
    "all_denied",
    "criteria_not_met",
    "public_safety",
    "other_relief",
    "petition",
    "application",
    "challenge",
    "appearances",
    "response",
    "no_response",
)
COLUMN_NAMES = (
    "count_no",
    "section",
    "level",
    "conviction_date",
    "relief",
    "basis",
    "name",
    "dob",
    "cii",
    "case_number",
    "prosecution",
)
# Placeholder values that are template sentences already filled (and escaped) by fill().
MARKUP_VALUES = frozenset(
    {"prosecution_finding", "name", "akas", "reason", "finding_text", "filer", "appearances"}
)
_REQUIRED_TEXT = (
    "court",
    "plaintiff",
    "versus",
    "defendant_role",
    "case_label",
    "order_label",
    "footer_left",
    "footer_right",
    "header",
    "closing",
    "dated",
    "intro",
)
_RELIEF_KEYS = (
    "dismiss_and_seal",
    "redesignate_misdemeanor",
    "redesignate_infraction",
    "resentence_misdemeanor",
    "resentence_infraction",
    "resentence_dismissed",
)


@dataclass(frozen=True)
class Paragraph:
    when: str
    text: str
    check: bool = False  # print a box for the judicial officer to tick


@dataclass(frozen=True)
class OrderTemplate:
    name: str
    kind: str
    version: str
    title: str
    subtitle: str
    short_title: str
    layout: dict[str, Any]
    columns: dict[str, str]
    levels: dict[str, str]
    relief: dict[str, str]
    prosecution: dict[str, str]
    text: dict[str, str]
    findings: tuple[Paragraph, ...]
    orders: tuple[Paragraph, ...]
    schedule_title: str = ""
    source: str = ""
    count_findings: dict[str, str] | None = None

    def count_finding(self, key: str) -> str:
        return (self.count_findings or {}).get(key, "")

    def fill(self, text: str, values: dict[str, Any]) -> str:
        """Substitute placeholders with escaped values; the template's own markup is kept (also in
        values that are themselves filled template sentences, MARKUP_VALUES)."""
        safe = {k: str(v) if k in MARKUP_VALUES else escape(str(v)) for k, v in values.items()}
        try:
            return Template(text).substitute(safe)
        except (KeyError, ValueError) as exc:
            raise UserError(
                f"order template {self.name} ({self.source}) uses an unknown or malformed "
                f"placeholder {exc} in: {text[:80]!r}. Fix the template file."
            ) from exc


def template_path(name_or_path: str) -> Path:
    """A template by name (forms/<name>.toml) or by file path."""
    p = Path(name_or_path)
    if p.suffix == ".toml" and p.exists():
        return p
    candidate = forms_dir() / f"{name_or_path}.toml"
    if candidate.exists():
        return candidate
    available = ", ".join(sorted(x.stem for x in forms_dir().glob("*.toml")))
    raise UserError(
        f"no order template {name_or_path!r}: give a name from forms/ ({available}) "
        "or a path to a .toml file."
    )


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _read(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path in seen:
        raise UserError(f"order template {path} extends itself through 'base'.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"order template {path} is not valid TOML: {exc}") from exc
    base_name = data.pop("base", None)
    if base_name:
        base = _read(template_path(base_name), (*seen, path))
        # Paragraph lists are replaced, not merged: a template states its own findings and orders.
        for key in (
            "findings",
            "orders",
            "name",
            "kind",
            "version",
            "title",
            "subtitle",
            "short_title",
            "schedule_title",
        ):
            base.pop(key, None)
        data = _merge(base, data)
    return data


def _paragraphs(path: Path, items: list[dict[str, Any]], what: str) -> tuple[Paragraph, ...]:
    out = []
    for i, item in enumerate(items, 1):
        when = item.get("when", "always")
        if when not in CONDITIONS:
            raise UserError(
                f"order template {path}: {what} #{i} has when={when!r}; "
                f"use one of {', '.join(CONDITIONS)}."
            )
        if not isinstance(item.get("text"), str):
            raise UserError(f"order template {path}: {what} #{i} has no text.")
        out.append(Paragraph(when, item["text"], bool(item.get("check", False))))
    return tuple(out)


def load_template(name_or_path: str) -> OrderTemplate:
    path = template_path(name_or_path)
    data = _read(path)
    for key in ("name", "kind", "version", "title", "short_title", "layout", "text", "relief"):
        if key not in data:
            raise UserError(f"order template {path} lacks '{key}'.")
    if data["kind"] not in KINDS:
        raise UserError(
            f"order template {path}: kind {data['kind']!r} is not one of {', '.join(KINDS)}."
        )
    missing = [k for k in _REQUIRED_TEXT if k not in data["text"]]
    missing += [f"relief.{k}" for k in _RELIEF_KEYS if k not in data["relief"]]
    if missing:
        raise UserError(f"order template {path} lacks {', '.join(missing)}.")
    layout = data["layout"]
    cols, widths = layout.get("columns", []), layout.get("column_widths", [])
    bad = [c for c in cols if c not in COLUMN_NAMES]
    if bad or len(cols) != len(widths) or not cols:
        raise UserError(
            f"order template {path}: layout.columns {cols} and column_widths {widths} must "
            f"be the same length and use only {', '.join(COLUMN_NAMES)}."
        )
    return OrderTemplate(
        name=str(data["name"]),
        kind=data["kind"],
        version=str(data["version"]),
        title=data["title"],
        subtitle=data.get("subtitle", ""),
        short_title=data["short_title"],
        layout=layout,
        columns=data.get("columns", {}),
        levels=data.get("levels", {}),
        relief=data["relief"],
        prosecution=data.get("prosecution", {}),
        text=data["text"],
        findings=_paragraphs(path, data.get("findings", []), "findings"),
        orders=_paragraphs(path, data.get("orders", []), "orders"),
        schedule_title=data.get("schedule_title", ""),
        source=str(path),
        count_findings=dict(data.get("count_findings", {})),
    )


def list_templates() -> list[OrderTemplate]:
    return [load_template(str(p)) for p in sorted(forms_dir().glob("*.toml"))]
