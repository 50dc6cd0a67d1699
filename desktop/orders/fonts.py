"""The order fonts (Liberation Serif and Sans, SIL OFL), registered once per process and embedded in
every PDF, so orders print the same on any machine."""

from __future__ import annotations

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from desktop.paths import resources_dir

# Family -> (regular, bold, italic, bold italic) font files in resources/fonts.
FAMILIES = {
    "serif": ("LiberationSerif-Regular", "LiberationSerif-Bold", "LiberationSerif-Italic",
              "LiberationSerif-BoldItalic"),
    "sans": ("LiberationSans-Regular", "LiberationSans-Bold", "LiberationSans-Regular",
             "LiberationSans-Bold"),
}
_registered = False


def register_fonts() -> None:
    global _registered
    if _registered:
        return
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

