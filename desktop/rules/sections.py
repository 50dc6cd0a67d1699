"""What the engine knows about code sections: the four Prop 64 sections, the §6 disqualifying
priors (PC 667(e)(2)(C)(iv) super-strikes and PC 290(c) registrable offenses), the subdivisions
that keep a felony, and the 11358(d)(3) environmental list.

Every match is made on normalised sections (desktop.records.normalize): a pattern "288(A)" matches
"288(A)" and "288(A)(1)" but never "288.5"; "11357" never matches "11357.5"."""

from __future__ import annotations

from desktop.records.normalize import parse_section

PROP64_SECTIONS = ("11357", "11358", "11359", "11360")

# PC 667(e)(2)(C)(iv) categories (domain spec §6). Offenses that are super-strikes only when
# committed with a particular intent (207, 209 with intent, 220 with intent) or for a gang
# (186.22(b)(4) life crimes) cannot be told from a code section, so they are left to the
# prosecution; 209 (kidnap for ransom) is punishable by life and is listed.
SUPERSTRIKE = (
    "261(A)(2)", "261(A)(6)", "262(A)(1)", "262(A)(4)", "264.1", "269",
    "286(C)(1)", "286(C)(2)", "286(C)(3)", "286(D)", "287(C)(1)", "287(C)(2)", "287(C)(3)", "287(D)",
    "288A(C)(1)", "288A(C)(2)", "288A(C)(3)", "288A(D)", "288(A)", "288(B)", "288.5", "289(A)",
    "289(J)", "187", "191.5", "653F(B)", "245(D)(3)", "11418(A)(1)", "37", "128", "205", "209",
    "209.5", "218", "219", "220(B)", "273AB", "4500", "667.61", "667.7", "667.71", "18745",
    "18755", "12308", "12310",
)
SUPERSTRIKE_ATTEMPTABLE = ("187", "191.5")

# PC 290(c) registrable offenses (domain spec §6); attempts (664/x) count too.
PC290 = (
    "220", "236.1(B)", "236.1(C)", "243.4", "261", "262(A)(1)", "264.1", "266", "266C", "266H(B)",
    "266I(B)", "266J", "267", "269", "285", "286", "287", "288A", "288", "288.3", "288.4", "288.5",
    "288.7", "289", "311.1", "311.2(B)", "311.2(C)", "311.2(D)", "311.3", "311.4", "311.10",
    "311.11", "314(1)", "314(2)", "647.6", "647A", "653F(C)",
)

# HS 11358(d)(3): violations that keep cultivation a felony (code, section).
ENVIRONMENTAL = (
    ("WC", "1052"), ("WC", "13260"), ("WC", "13264"), ("WC", "13272"), ("WC", "13387"),
    ("FG", "5650"), ("FG", "5652"), ("FG", "1602"), ("FG", "12025"), ("FG", "12025.5"),
    ("PC", "374.8"),
)

# Subdivisions that keep a felony under the amended law (§1.3); they only exist in judgments
# for offenses on or after 2016-11-09.
INELIGIBLE_SUBDIVISIONS = ("11359(C)(3)", "11359(D)", "11360(A)(3)(C)", "11360(A)(3)(D)")


def matches(section: str, pattern: str) -> bool:
    """Pattern "288(A)" matches "288(A)" and "288(A)(1)"; "261" matches "261(A)(2)", not "261.5"."""
    return section == pattern or section.startswith(pattern + "(")


def _any(section: str, patterns: tuple[str, ...]) -> bool:
    return any(matches(section, p) for p in patterns)


def is_prop64(base: str | None, code: str | None) -> bool:
    return base in PROP64_SECTIONS and code in (None, "", "HS")


def mentions_prop64(text: str | None) -> bool:
    """gogen's scope test (section text contains 11357-11360), used to find look-alikes such as
    11357.5 that must get an explicit out-of-scope determination."""
    return bool(text) and any(s in text for s in PROP64_SECTIONS)


def _pc_parts(section: str, code: str | None) -> list[tuple[str, bool]]:
    """The offense sections in a normalised section, with whether each is an attempt (664/x)."""
    if code not in (None, "", "PC"):
        return []
    parts = section.split("/")
    if len(parts) >= 2 and parts[0] == "664":
        return [(p, True) for p in parts[1:]]
    return [(p, False) for p in parts]


def superstrike(section: str | None, code: str | None) -> bool:
    if not section:
        return False
    for part, attempt in _pc_parts(section, code):
        if attempt:
            if _any(part, SUPERSTRIKE_ATTEMPTABLE):
                return True
        elif _any(part, SUPERSTRIKE):
            return True
    return False


def pc290(section: str | None, code: str | None) -> bool:
    if not section:
        return False
    return any(_any(part, PC290) for part, _attempt in _pc_parts(section, code))


def environmental(section: str | None, code: str | None) -> bool:
    if not section or not code:
        return False
    return any(code == c and matches(section, s) for c, s in ENVIRONMENTAL)


def ineligible_subdivision(section: str | None) -> bool:
    return bool(section) and _any(section, INELIGIBLE_SUBDIVISIONS)


def parse_pattern(text: str) -> tuple[str, str]:
    """A policy's section pattern ("647(f) PC", "HS 11364", "148") as (section, code)."""
    sec = parse_section(text)
    if sec is None:
        raise ValueError(f"'{text}' is not a code section")
    return sec.section, sec.code


def matches_pattern(section: str | None, code: str | None, pattern: tuple[str, str]) -> bool:
    psec, pcode = pattern
    if not section:
        return False
    if pcode and code and pcode != code:
        return False
    return matches(section, psec)
