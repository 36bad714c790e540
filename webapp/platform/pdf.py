"""A4 PDF documents with the Unicode font bundled with Terrain (attestations, bilans)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONTS = Path(__file__).parent.parent / "static" / "fonts"


def a4_document(*, title: str, author: str, default_gap: float = 1.5) -> tuple[FPDF, Callable[..., None]]:
    """A new A4 document with DejaVu Sans, and a `line(text, size, bold, gap)` writer for paragraphs."""
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()

    def line(text: str, size: float = 10, bold: bool = False, gap: float = default_gap) -> None:
        pdf.set_font("DejaVu", "B" if bold else "", size)
        pdf.multi_cell(pdf.epw, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap)

    return pdf, line
