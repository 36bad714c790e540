"""A4 PDF documents with the Unicode fonts bundled with Terrain (attestations, bilans)."""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONTS = Path(__file__).parent.parent / "static" / "fonts"


@lru_cache(maxsize=1)
def _dejavu_characters() -> frozenset[int]:
    """The code points DejaVu Sans draws (its bold covers the same ones)."""
    with TTFont(str(FONTS / "DejaVuSans.ttf"), lazy=True) as font:
        return frozenset(font.getBestCmap())


class _Document(FPDF):
    """An FPDF that loads the CJK fallback font (3.4 MB to parse) only when some text needs it."""

    _fallback_loaded = False

    def normalize_text(self, text: str) -> str:
        if not self._fallback_loaded and any(ord(ch) >= 32 and ord(ch) not in _dejavu_characters() for ch in text):
            self.add_font("DroidFallback", "", str(FONTS / "DroidSansFallback.ttf"))
            self.set_fallback_fonts(["DroidFallback"], exact_match=False)
            self._fallback_loaded = True
        return super().normalize_text(text)


def a4_document(*, title: str, author: str, default_gap: float = 1.5) -> tuple[FPDF, Callable[..., None]]:
    """A new A4 document with DejaVu Sans, and a `line(text, size, bold, gap)` writer for paragraphs.

    DejaVu covers Latin (Vietnamese, Polish, Turkish…), Greek, Cyrillic and Arabic; Droid Sans Fallback takes
    over for Chinese, Japanese and Korean. Text shaping (HarfBuzz) joins Arabic letters and lays right-to-left
    text out in its order.
    """
    pdf = _Document(format="A4")
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_text_shaping(True)
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()

    def line(text: str, size: float = 10, bold: bool = False, gap: float = default_gap) -> None:
        pdf.set_font("DejaVu", "B" if bold else "", size)
        pdf.multi_cell(pdf.epw, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap)

    return pdf, line
