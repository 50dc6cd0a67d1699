"""The §6 disqualifier lists as data: resources/rules/disqualifiers.toml (super-strikes, PC 290(c),
gang life crimes and the 186.22(b)(4) enhancement, each entry with its statute source).

Loaded once per process. Imports nothing of ReliefDesk but the resource path, so the section
normaliser (desktop.law.normalize) can ask which section numbers are known."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from desktop.paths import resources_dir

LISTS = ("superstrike", "pc290", "gang_life", "gang_enhancement")


@dataclass(frozen=True, slots=True)
class Entry:
    id: str  # "pc290 266J", "superstrike 187-191.5"
    list: str
    section: str  # normalised: "288A(C)(1)"
    base: str  # "288A"
    subs: tuple[str, ...]  # ("C", "1")
    to: str | None  # inclusive range end ("191.5")
    attempts: bool
    needs: str | None
    level: str | None
    statute: str

    def in_range(self, base: str) -> bool:
        """Whether a plain section number lies in this entry's inclusive range."""
        if self.to is None or not re.fullmatch(r"\d+(\.\d+)?", base):
            return False
        try:
            return Decimal(self.base) <= Decimal(base) <= Decimal(self.to)
        except InvalidOperation:
            return False

    @property
    def label(self) -> str:
        sec = f"{self.section}-{self.to}" if self.to else self.section
        return f"PC {sec}"


@dataclass(frozen=True)
class Lists:
    entries: tuple[Entry, ...]
    lettered: frozenset[str]  # section numbers that carry a letter (288A, 273AB, 653F, ...)
    by_base: dict[str, tuple[Entry, ...]]
    ranges: tuple[Entry, ...]


def _split(section: str) -> tuple[str, tuple[str, ...]]:
    m = re.fullmatch(r"(\d+(?:\.\d+)?[A-Z]{0,2})((?:\([A-Z0-9]+\))*)", section)
    if not m:
        raise ValueError(f"disqualifiers.toml: '{section}' is not a normalised section")
    return m.group(1), tuple(re.findall(r"\(([A-Z0-9]+)\)", m.group(2)))


@cache
def lists() -> Lists:
    path = resources_dir() / "rules" / "disqualifiers.toml"
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    entries = []
    for raw in data["entry"]:
        if raw["list"] not in LISTS:
            raise ValueError(f"disqualifiers.toml: unknown list {raw['list']!r}")
        base, subs = _split(raw["section"])
        to = raw.get("to")
        entries.append(
            Entry(
                id=f"{raw['list']} {raw['section']}" + (f"-{to}" if to else ""),
                list=raw["list"],
                section=raw["section"],
                base=base,
                subs=subs,
                to=to,
                attempts=bool(raw.get("attempts", False)),
                needs=raw.get("needs"),
                level=raw.get("level"),
                statute=raw["statute"],
            )
        )
    by_base: dict[str, list[Entry]] = {}
    for e in entries:
        if e.to is None:
            by_base.setdefault(e.base, []).append(e)
    lettered = {e.base for e in entries if e.base[-1].isalpha()}
    lettered |= set(data.get("lettered", {}).get("sections", ()))
    return Lists(
        tuple(entries),
        frozenset(lettered),
        {k: tuple(v) for k, v in by_base.items()},
        tuple(e for e in entries if e.to is not None),
    )


def known_number(number: str) -> bool:
    """A section number (digits, maybe dotted) that the lists name: for reading an attempt or a
    conspiracy glued to its offense (66411357 = 664/11357, 664187 = 664/187)."""
    data = lists()
    if any(
        e.base == number or re.match(re.escape(number) + r"[A-Z]", e.base)
        for e in data.entries
        if e.to is None
    ):
        return True
    return any(e.in_range(number) for e in data.ranges)
