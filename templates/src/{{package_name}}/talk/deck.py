"""A 16:9 python-pptx deck whose every text run carries Latin and East-Asian fonts:
slides with speaker notes, bullet text, native tables, pictures and boxes. slides.py
says what the talk's slides hold; this module only draws.
"""

from __future__ import annotations

import hashlib
import math
import time
from pathlib import Path

from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Inches, Pt

from .fonts import SLIDE_CJK_FONT, SLIDE_LATIN_FONT

DARK, ACCENT, GREY, WARN = (
    RGBColor(0x22, 0x2B, 0x3A),
    RGBColor(0x1F, 0x6F, 0xB2),
    RGBColor(0x9A, 0xA0, 0xA8),
    RGBColor(0xB5, 0x45, 0x1B),
)
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)


class Deck:
    """A 16:9 deck whose every text run carries Latin and East-Asian fonts."""

    def __init__(self):
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDTH, HEIGHT

    def slide(self, heading: str | None, notes: str):
        """A new slide: a title slide without `heading`, else a slide headed by it; `notes`
        are its speaker notes."""
        layout = self.prs.slide_layouts[5 if heading is not None else 0]  # title only / title
        slide = self.prs.slides.add_slide(layout)
        if heading is not None:
            slide.shapes.title.text = heading
            slide.shapes.title.left, slide.shapes.title.top = Inches(0.6), Inches(0.3)
            slide.shapes.title.width, slide.shapes.title.height = WIDTH - Inches(1.2), Inches(1.0)
            self.style(slide.shapes.title.text_frame, 32, bold=True, color=DARK, align=PP_ALIGN.LEFT)
        slide.notes_slide.notes_text_frame.text = notes
        return slide

    def style(self, frame, size: float, bold: bool = False, color: RGBColor = DARK, align=None) -> None:
        for paragraph in frame.paragraphs:
            if align is not None:
                paragraph.alignment = align
            for run in paragraph.runs:
                run.font.size, run.font.bold = Pt(size), bold
                run.font.color.rgb = color
                run.font.name = SLIDE_LATIN_FONT
                latin = run._r.get_or_add_rPr().find(qn("a:latin"))
                for element in latin.itersiblings(qn("a:ea")):
                    element.getparent().remove(element)
                latin.addnext(latin.makeelement(qn("a:ea"), {"typeface": SLIDE_CJK_FONT}))

    def text(
        self,
        slide,
        lines: list[str],
        box: tuple[float, float, float, float],
        size: float | None = None,
        color: RGBColor = DARK,
        bullet: str = "• ",
    ) -> None:
        shape = slide.shapes.add_textbox(*map(Inches, box))
        frame = shape.text_frame
        frame.word_wrap = True
        size = size or max(14, 24 - 1.5 * max(0, len(lines) - 4))
        for index, line in enumerate(lines):
            paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
            paragraph.text = f"{bullet}{line}" if bullet else line
            paragraph.space_after = Pt(6)
        self.style(frame, size, color=color)

    def table(self, slide, header: list[str], rows: list[list[str]], box: tuple[float, float, float, float]) -> float:
        """A native, editable table; the header row is bold. Returns its height in inches: each row
        is as tall as its longest cell wraps to (PowerPoint would grow it anyway), so what the
        slide puts below can start there."""
        left, top, width, _ = box
        size = 14 if len(header) <= 5 else 11
        heights = [_row_height(cells, width / len(header), size) for cells in [header, *rows]]
        table = slide.shapes.add_table(len(rows) + 1, len(header), *map(Inches, (left, top, width, sum(heights)))).table
        for r, cells in enumerate([header, *rows]):
            table.rows[r].height = Inches(heights[r])
            for c, value in enumerate(cells):
                cell = table.cell(r, c)
                cell.text = str(value)
                self.style(cell.text_frame, size, bold=r == 0, color=RGBColor(0xFF, 0xFF, 0xFF) if r == 0 else DARK)
        return sum(heights)

    def picture(self, slide, path: Path, box: tuple[float, float, float, float]) -> None:
        """The image scaled to fit the box, centred, aspect ratio kept."""
        left, top, width, height = box
        with Image.open(path) as image:
            ratio = image.width / image.height
        w, h = (width, width / ratio) if width / ratio <= height else (height * ratio, height)
        slide.shapes.add_picture(str(path), Inches(left + (width - w) / 2), Inches(top + (height - h) / 2), Inches(w), Inches(h))

    def box(
        self, slide, lines: list[str], box: tuple[float, float, float, float], fill: RGBColor, shape=MSO_SHAPE.ROUNDED_RECTANGLE
    ):
        shape = slide.shapes.add_shape(shape, *map(Inches, box))
        shape.fill.solid()
        shape.fill.fore_color.rgb = fill
        shape.line.fill.background()
        shape.text_frame.word_wrap = True
        shape.text_frame.text = "\n".join(lines)
        self.style(shape.text_frame, 13, bold=False, color=RGBColor(0xFF, 0xFF, 0xFF), align=PP_ALIGN.CENTER)
        return shape

    def save(self, output: Path) -> Path:
        """Write the deck; a copy edited by hand since the last build is kept, not overwritten."""
        output.parent.mkdir(parents=True, exist_ok=True)
        stamp = output.with_name(f".{output.name}.sha256")
        if output.exists() and (not stamp.exists() or stamp.read_text().strip() != _sha256(output)):
            kept = output.with_name(f"{output.stem}-edited-{time.strftime('%Y%m%d-%H%M%S')}{output.suffix}")
            output.rename(kept)
            print(f"{output} was edited since it was built: kept as {kept}")
        self.prs.save(output)
        stamp.write_text(_sha256(output) + "\n")
        return output


def _row_height(cells: list[str], column_width: float, size: float) -> float:
    """Inches a table row needs: 0.45 for one line, a line more for each wrap of its longest cell
    (a Latin character about 0.55 em wide, a CJK one twice that; 0.2 in of cell margins)."""
    per_line = max(1.0, (column_width - 0.2) * 72 / (0.55 * size))
    widths = [sum(2 if ord(char) >= 0x2E80 else 1 for char in str(cell)) for cell in cells]
    lines = max(math.ceil(width / per_line) for width in widths) if widths else 1
    return 0.45 + max(0, lines - 1) * size * 1.2 / 72


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
