"""The order fonts (Liberation Serif and Sans, SIL OFL), registered once per process and embedded in
every PDF, so orders print the same on any machine."""

from __future__ import annotations

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from desktop.paths import resources_dir

# Family -> (regular, bold, italic, bold italic) font files in resources/fonts.
FAMILIES = {
    "serif": (
        "LiberationSerif-Regular",
        "LiberationSerif-Bold",
        "LiberationSerif-Italic",
        "LiberationSerif-BoldItalic",
    ),
    "sans": (
        "LiberationSans-Regular",
        "LiberationSans-Bold",
        "LiberationSans-Regular",
        "LiberationSans-Bold",
    ),
}
_registered = False


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode CMap with characters beyond U+FFFF (mathematical letters, rare CJK)
    written as UTF-16 surrogate pairs; reportlab writes them as 5 hex digits, which PDF readers
    misread, so the text of a signed order would not be the record's name when copied or searched."""

    def hex16(v: int) -> str:
        return chr(v).encode("utf-16-be", "surrogatepass").hex().upper()

    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *[f"<{i:02X}> <{hex16(v)}>" for i, v in enumerate(subset)],
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


def register_fonts() -> None:
    global _registered
    if _registered:
        return
    from reportlab.pdfbase import ttfonts

    ttfonts.makeToUnicodeCMap = _to_unicode_cmap
    fonts_dir = resources_dir() / "fonts"
    for family, files in FAMILIES.items():
        for face in sorted(set(files)):
            if face not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(face, str(fonts_dir / f"{face}.ttf")))
        regular, bold, italic, bold_italic = files
        addMapping(family, 0, 0, regular)
        addMapping(family, 1, 0, bold)
        addMapping(family, 0, 1, italic)
        addMapping(family, 1, 1, bold_italic)
    _registered = True


def face(family: str, bold: bool = False, italic: bool = False) -> str:
    """The registered font name for a family and style."""
    register_fonts()
    if family not in FAMILIES:
        raise ValueError(f"unknown font family {family!r}; use one of {', '.join(FAMILIES)}")
    return FAMILIES[family][(1 if bold else 0) + (2 if italic else 0)]


# Fonts for characters the order fonts lack, tried in this order. DejaVu Sans: Latin, Greek, Cyrillic,
# Armenian, Georgian and symbols (Bitstream Vera licence); DejaVu Math TeX Gyre: mathematical letters
# (public domain additions); Droid Sans Fallback: Chinese, Japanese, Korean (Apache 2.0). They are
# registered only when an order needs them (the CJK font is 4 MB).
FALLBACKS = ("DejaVuSans", "DejaVuMathTeXGyre", "DroidSansFallback")
_fallbacks_registered: set[str] = set()
_cmaps: dict[str, frozenset[int]] = {}


class UnprintableName(ValueError):
    """Text holds characters no embedded font can print faithfully; the order is not signed."""

    def __init__(self, chars: list[str], why: str) -> None:
        self.chars = chars
        shown = ", ".join(f"U+{ord(c):04X} {_char_name(c)}" for c in chars[:8])
        more = f" and {len(chars) - 8} more" if len(chars) > 8 else ""
        super().__init__(f"{why}: {shown}{more}")


def _char_name(ch: str) -> str:
    import unicodedata

    name = unicodedata.name(ch, "")
    return f"{name} ({ch!r})" if name and ch.isprintable() else (name or "unnamed character")


def cmap(font_name: str) -> frozenset[int]:
    """Code points a registered font has glyphs for."""
    if font_name not in _cmaps:
        if font_name in FALLBACKS:
            _register_fallback(font_name)
        font = pdfmetrics.getFont(font_name)
        _cmaps[font_name] = frozenset(font.face.charToGlyph)
    return _cmaps[font_name]


def _register_fallback(name: str) -> None:
    if name in _fallbacks_registered or name in pdfmetrics.getRegisteredFontNames():
        _fallbacks_registered.add(name)
        return
    pdfmetrics.registerFont(TTFont(name, str(resources_dir() / "fonts" / f"{name}.ttf")))
    _fallbacks_registered.add(name)


def _refused(text: str) -> list[str]:
    """Characters that no font here prints as the record has them: control and format characters
    (invisible, or reordering the text), unassigned code points, and right-to-left letters (Arabic,
    Hebrew ...: reportlab lays text out left to right without shaping, so they would print reversed
    and unjoined, a different-looking name)."""
    import unicodedata

    bad: list[str] = []
    for ch in dict.fromkeys(text):
        if ch in "\n\t":
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn") or unicodedata.bidirectional(ch) in ("R", "AL"):
            bad.append(ch)
    return bad


def check_printable(text: str, font_name: str) -> None:
    """UnprintableName when `text` cannot be printed faithfully with font_name and the fallbacks."""
    bad = _refused(text)
    if bad:
        raise UnprintableName(
            bad,
            "the order cannot print these characters faithfully (control, "
            "invisible or right-to-left characters)",
        )
    main = cmap(font_name)
    missing = [c for c in dict.fromkeys(text) if ord(c) not in main and not c.isspace()]
    missing = [c for c in missing if not any(ord(c) in cmap(f) for f in FALLBACKS)]
    if missing:
        raise UnprintableName(missing, "no font of the order has these characters")


def markup(text: str, font_name: str) -> str:
    """`text` escaped for a reportlab Paragraph, with runs of characters the font lacks set in the
    first fallback font that has them. UnprintableName when a character cannot be printed."""
    from xml.sax.saxutils import escape

    check_printable(text, font_name)
    main = cmap(font_name)
    if all(ord(c) in main or c.isspace() for c in text):
        return escape(text)
    out: list[str] = []
    run_font = ""
    run: list[str] = []

    def flush() -> None:
        if run:
            chunk = escape("".join(run))
            out.append(f'<font face="{run_font}">{chunk}</font>' if run_font else chunk)

    for ch in text:
        font = ""
        if ord(ch) not in main and not ch.isspace():
            font = next(f for f in FALLBACKS if ord(ch) in cmap(f))
        if font != run_font:
            flush()
            run_font, run = font, []
        run.append(ch)
    flush()
    return "".join(out)
