"""What the engine knows about code sections: the four Prop 64 sections, the subdivisions that keep
a felony and the 11358(d)(3) environmental list. The §6 disqualifying priors (PC 667(e)(2)(C)(iv)
super-strikes, PC 290(c) registrable offenses) are data (resources/rules/disqualifiers.toml),
weighed by desktop.rules.priors.

Every match is made on normalised sections (desktop.law.normalize): a pattern "288(A)" matches
"288(A)" and "288(A)(1)" but never "288.5"; "11357" never matches "11357.5"."""

from __future__ import annotations

from desktop.law.normalize import offense_section, parse_section

PROP64_SECTIONS = ("11357", "11358", "11359", "11360")

# HS 11358(d)(3): violations that keep cultivation a felony (code, section).
ENVIRONMENTAL = (
    ("WC", "1052"),
    ("WC", "13260"),
    ("WC", "13264"),
    ("WC", "13272"),
    ("WC", "13387"),
    ("FG", "5650"),
    ("FG", "5652"),
    ("FG", "1602"),
    ("FG", "12025"),
    ("FG", "12025.5"),
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
    return text is not None and any(s in text for s in PROP64_SECTIONS)


def environmental(section: str | None, code: str | None) -> bool:
    if not section or not code:
        return False
    pieces = section.split("/")  # "1052/13260 WC": every part is read
    return any(code == c and matches(piece, s) for c, s in ENVIRONMENTAL for piece in pieces)


def ineligible_subdivision(section: str | None) -> bool:
    return section is not None and _any(offense_section(section), INELIGIBLE_SUBDIVISIONS)


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
    if matches(section, psec):
        return True
    # A combined charge ("148(A)(1)/647(F)", "519/186.22(B)(4)"): every part is read (§6.0).
    return (
        "/" not in psec
        and "/" in section
        and any(matches(piece, psec) for piece in section.split("/"))
    )
