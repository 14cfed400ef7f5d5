"""The insert's pages (fpdf2): a header with the program's name, then one block per language,
top to bottom, as many per page as fit. Each block: its title, three short lines, the start word
and number in bold, and on the right a code to scan that opens the web chat in that language.

The code is drawn as vector squares (segno computes it), so it prints sharp at any size; it keeps
the four-module quiet zone scanners need, and error correction level M.
"""
from __future__ import annotations

from dataclasses import dataclass

import segno
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from .fonts import Face, Fonts
from .texts import InsertBlock


@dataclass(frozen=True)
class Size:
    width: float          # points (1/72 inch)
    height: float
    margin: float
    qr: float             # the code's side, quiet zone included
    gap: float            # between blocks
    title_pt: float
    body_pt: float
    call_pt: float        # "Text SCREEN to ..."
    small_pt: float
    header_pt: float


SIZES = {
    # US Letter, 8.5 x 11 in: every language on one page.
    "letter": Size(612, 792, 36, 74, 8, 11.5, 8.6, 10.5, 7, 14),
    # Half letter, 5.5 x 8.5 in: a leaflet.
    "half-letter": Size(396, 612, 24, 70, 7, 10.5, 8, 9.5, 6.5, 12),
    # A 4 x 6 in card, to hand out with the ticket.
    "card": Size(288, 432, 16, 64, 6, 9.5, 7.4, 8.8, 6, 10),
}
QUIET_ZONE = 4
INK = (0, 0, 0)
RULE = (150, 150, 150)


class _Insert(FPDF):
    def __init__(self, size: Size, fonts: Fonts):
        super().__init__(unit="pt", format=(size.width, size.height))
        self.size = size
        self.set_margins(size.margin, size.margin, size.margin)
        self.set_auto_page_break(False)
        self.c_margin = 0
        for family, style, face in (("latin", "", fonts.latin), ("latin", "B", fonts.latin_bold),
                                    ("cjk", "", fonts.cjk), ("cjk", "B", fonts.cjk_bold)):
            self._add(family, style, face)
        self.set_fallback_fonts(["cjk"])

    def _add(self, family: str, style: str, face: Face) -> None:
        self.add_font(family, style, str(face.path), collection_font_number=face.collection_index)


def _family(block: InsertBlock) -> str:
    return "cjk" if block.language == "zh" else "latin"


def _paragraphs(block: InsertBlock, size: Size) -> list[tuple[str, float, str, float]]:
    """(style, font size, text, space after) for each piece of the block's text, in order."""
    return [("B", size.title_pt, block.title, 2),
            *[("", size.body_pt, line, 1) for line in block.lines],
            ("B", size.call_pt, block.text_line, 1),
            ("", size.small_pt, f"{block.scan} {block.rates}", 0)]


def _height(pdf: _Insert, block: InsertBlock, width: float) -> float:
    total = 0.0
    for style, points, text, after in _paragraphs(block, pdf.size):
        pdf.set_font(_family(block), style, points)
        total += pdf.multi_cell(width, points * 1.22, text, align="L", dry_run=True,
                                output=MethodReturnValue.HEIGHT) + after
    return max(total, pdf.size.qr)


def _draw_code(pdf: _Insert, url: str, x: float, y: float, side: float) -> None:
    code = segno.make(url, error="m", micro=False)
    rows = [list(row) for row in code.matrix_iter(border=QUIET_ZONE)]
    module = side / len(rows)
    pdf.set_fill_color(*INK)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                pdf.rect(x + start * module, y + r * module, (c - start) * module, module, style="F")
            else:
                c += 1


def _draw_block(pdf: _Insert, block: InsertBlock, y: float, text_width: float) -> None:
    size = pdf.size
    pdf.set_draw_color(*RULE)
    pdf.line(size.margin, y - size.gap / 2, size.width - size.margin, y - size.gap / 2)
    pdf.set_text_color(*INK)
    pdf.set_xy(size.margin, y)
    for style, points, text, after in _paragraphs(block, size):
        pdf.set_font(_family(block), style, points)
        pdf.set_x(size.margin)
        pdf.multi_cell(text_width, points * 1.22, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(pdf.get_y() + after)
    _draw_code(pdf, block.chat_url, size.width - size.margin - size.qr, y, size.qr)


def _header(pdf: _Insert, program_name: str, web_address: str) -> float:
    size = pdf.size
    pdf.add_page()
    pdf.set_xy(size.margin, size.margin)
    pdf.set_font("latin", "B", size.header_pt)
    pdf.multi_cell(size.width - 2 * size.margin, size.header_pt * 1.2, program_name[:1].upper() + program_name[1:],
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("latin", "", size.small_pt + 1)
    pdf.multi_cell(size.width - 2 * size.margin, (size.small_pt + 1) * 1.3, web_address, align="L",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return pdf.get_y() + size.gap * 1.5


def render_insert(blocks: list[InsertBlock], size_name: str, fonts: Fonts, *, program_name: str,
                  web_address: str) -> bytes:
    """The insert as PDF bytes: every block on a page it fits on whole, in the order given."""
    size = SIZES[size_name]
    pdf = _Insert(size, fonts)
    pdf.set_title(f"{program_name}: needs check insert")
    pdf.set_creator("screening insert")
    text_width = size.width - 2 * size.margin - size.qr - size.gap * 1.5
    y = _header(pdf, program_name, web_address)
    bottom = size.height - size.margin
    for block in blocks:
        height = _height(pdf, block, text_width)
        if y + height > bottom:
            y = _header(pdf, program_name, web_address)
        _draw_block(pdf, block, y, text_width)
        y += height + size.gap
    return bytes(pdf.output())
