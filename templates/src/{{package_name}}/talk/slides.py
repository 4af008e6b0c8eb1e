"""slides/slides.pptx from results.json, the plots and slides/content.yaml (python-pptx).

The deck follows the course's 15-minute talk: problem -> architecture -> data and
training -> demo -> results -> findings -> reflection, nine slides whose speaker
notes suggest times adding up to 15 minutes. Words the student writes (problem,
findings, reflection, demo script) come from slides/content.yaml; every number comes
from results.json, and what is missing there is said on the slide.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Inches, Pt

from ..config import build, read_yaml
from .fonts import SLIDE_CJK_FONT, SLIDE_LATIN_FONT
from .summary import changes, metrics_table, missing, stages_table, words

DARK, ACCENT, GREY, WARN = (
    RGBColor(0x22, 0x2B, 0x3A),
    RGBColor(0x1F, 0x6F, 0xB2),
    RGBColor(0x9A, 0xA0, 0xA8),
    RGBColor(0xB5, 0x45, 0x1B),
)
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)

# The talk, slide by slide: (key, suggested minutes). The minutes add up to 15.
TALK = [
    ("title", 0.5),
    ("problem", 1.5),
    ("architecture", 1.5),
    ("training", 1.5),
    ("demo", 5.0),
    ("results", 1.5),
    ("curves", 1.0),
    ("findings", 1.5),
    ("reflection", 1.0),
]
HEADINGS = {
    "zh": {
        "problem": "问题定义",
        "architecture": "系统架构",
        "training": "数据与训练",
        "demo": "现场演示",
        "results": "实验结果",
        "curves": "训练曲线与指标",
        "findings": "发现",
        "reflection": "反思与局限",
    },
    "en": {
        "problem": "Problem",
        "architecture": "Architecture",
        "training": "Data and training",
        "demo": "Live demo",
        "results": "Results",
        "curves": "Training curves and metrics",
        "findings": "Findings",
        "reflection": "Reflection and limitations",
    },
}
NOTES = {
    "zh": {
        "title": "自我介绍，一句话说清项目做什么。",
        "problem": "为什么这个问题重要，怎样算成功。",
        "architecture": "沿着流水线讲：数据、每个训练阶段、评测。",
        "training": "数据来源与清洗，训练方式和超参数。",
        "demo": "现场演示：基座模型与最终模型并排回答同一个问题。若现场失败，立即播放备用录屏。",
        "results": "先讲最重要的一个指标，再讲其余。",
        "curves": "曲线说明训练是否稳定。",
        "findings": "结论要有数字支撑；讲一个失败案例。",
        "reflection": "局限、下一步，以及可复用的部分。",
    },
    "en": {
        "title": "Introduce yourselves; one sentence on what the project does.",
        "problem": "Why it matters and what success means.",
        "architecture": "Walk along the pipeline: data, each training stage, evaluation.",
        "training": "Where the data comes from, how it was cleaned, how each stage trains.",
        "demo": "Live: base and final model answer the same input side by side. If it fails, play the backup recording at once.",
        "results": "Lead with the one metric that matters most.",
        "curves": "What the curves say about training stability.",
        "findings": "Back each finding with a number; show one failure case.",
        "reflection": "Limitations, next steps, what others can reuse.",
    },
}
MINUTES_NOTE = {"zh": "建议用时：{m:g} 分钟。", "en": "Suggested time: {m:g} min."}


@dataclass
class SlideContent:
    """slides/content.yaml: the words of the talk, owned by the student."""

    title: str
    subtitle: str = ""
    presenters: list[str] = field(default_factory=list)
    problem: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    reflection: list[str] = field(default_factory=list)
    demo_script: list[str] = field(default_factory=list)
    demo_backup_video: str = ""


def read_content(path: Path) -> SlideContent:
    return build(SlideContent, read_yaml(path), str(path))


class Deck:
    """A 16:9 deck whose every text run carries Latin and East-Asian fonts."""

    def __init__(self, language: str):
        self.language = language
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDTH, HEIGHT

    def slide(self, key: str, minutes: float, heading: str | None = None):
        layout = self.prs.slide_layouts[0 if key == "title" else 5]  # title / title only
        slide = self.prs.slides.add_slide(layout)
        if heading is not None:
            slide.shapes.title.text = heading
            slide.shapes.title.left, slide.shapes.title.top = Inches(0.6), Inches(0.3)
            slide.shapes.title.width, slide.shapes.title.height = WIDTH - Inches(1.2), Inches(1.0)
            self.style(slide.shapes.title.text_frame, 32, bold=True, color=DARK, align=PP_ALIGN.LEFT)
        note = MINUTES_NOTE[self.language].format(m=minutes) + "\n" + NOTES[self.language][key]
        slide.notes_slide.notes_text_frame.text = note
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

    def table(self, slide, header: list[str], rows: list[list[str]], box: tuple[float, float, float, float]) -> None:
        """A native, editable table; the header row is bold."""
        left, top, width, _ = box
        height = 0.45 * (len(rows) + 1)
        table = slide.shapes.add_table(len(rows) + 1, len(header), *map(Inches, (left, top, width, height))).table
        size = 14 if len(header) <= 5 else 11
        for r, cells in enumerate([header, *rows]):
            for c, value in enumerate(cells):
                cell = table.cell(r, c)
                cell.text = str(value)
                self.style(cell.text_frame, size, bold=r == 0, color=RGBColor(0xFF, 0xFF, 0xFF) if r == 0 else DARK)

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


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_slides(
    results: dict[str, Any],
    content: SlideContent,
    plots: list[Path],
    expected_stages: list[str],
    metrics: list[str],
    language: str,
    output: Path,
) -> Path:
    """Build the nine-slide deck; returns its path."""
    language = "zh" if language == "zh" else "en"
    deck, heading, w = Deck(language), HEADINGS[language], words(language)
    minutes = dict(TALK)
    smoke = [w["smoke"]] if results.get("profile") == "tiny" else []

    slide = deck.slide("title", minutes["title"])
    slide.shapes.title.text = content.title
    deck.style(slide.shapes.title.text_frame, 40, bold=True)
    slide.placeholders[1].text = "\n".join(filter(None, [content.subtitle, " · ".join(content.presenters), *smoke]))
    deck.style(slide.placeholders[1].text_frame, 20, color=ACCENT)

    slide = deck.slide("problem", minutes["problem"], heading["problem"])
    deck.text(slide, content.problem, (0.8, 1.5, 11.7, 5.5))

    slide = deck.slide("architecture", minutes["architecture"], heading["architecture"])
    _draw_pipeline(deck, slide, results, expected_stages, language)

    slide = deck.slide("training", minutes["training"], heading["training"])
    table = stages_table(results, expected_stages, language)
    deck.table(slide, table.header, table.rows, (0.6, 1.5, 12.1, 3.0))

    slide = deck.slide("demo", minutes["demo"], heading["demo"])
    backup = {"zh": "备用录屏：", "en": "Backup recording: "}[language] + (content.demo_backup_video or w["not_run"])
    deck.text(slide, [*content.demo_script, backup], (0.8, 1.5, 11.7, 5.5))

    slide = deck.slide("results", minutes["results"], heading["results"])
    table = metrics_table(results, expected_stages, metrics, language)
    deck.table(slide, table.header, table.rows, (0.6, 1.5, 12.1, 3.0))
    notes = missing(results, expected_stages, metrics, language)
    deck.text(
        slide,
        [*smoke, *notes[:6]] + ([f"… +{len(notes) - 6}"] if len(notes) > 6 else []),
        (0.6, 1.7 + 0.45 * (len(table.rows) + 1), 12.1, 2.0),
        size=13,
        color=WARN,
    )

    slide = deck.slide("curves", minutes["curves"], heading["curves"])
    shown = [plot for plot in plots if plot.exists()][:4]
    if not shown:
        deck.text(
            slide,
            [{"zh": "还没有图：先运行流水线。", "en": "No plots yet: run the pipeline first."}[language]],
            (0.8, 1.5, 11.7, 1.0),
            color=WARN,
        )
    columns = 1 if len(shown) == 1 else 2
    cell_w, cell_h = 12.1 / columns, 5.6 / (1 if len(shown) <= 2 else 2)
    for index, plot in enumerate(shown):
        deck.picture(
            slide, plot, (0.6 + (index % columns) * cell_w, 1.5 + (index // columns) * cell_h, cell_w - 0.1, cell_h - 0.1)
        )

    slide = deck.slide("findings", minutes["findings"], heading["findings"])
    deck.text(slide, [*changes(results, metrics, language), *content.findings], (0.8, 1.5, 11.7, 5.5))

    slide = deck.slide("reflection", minutes["reflection"], heading["reflection"])
    deck.text(slide, content.reflection, (0.8, 1.5, 11.7, 5.5))
    return deck.save(output)


def _draw_pipeline(deck: Deck, slide, results: dict[str, Any], expected_stages: list[str], language: str) -> None:
    """data -> base model -> each stage -> evaluation, as boxes and arrows."""
    w = words(language)
    done = {stage["name"]: stage for stage in results.get("stages", [])}
    first = done[expected_stages[0]]["summary"].get("dataset", "") if expected_stages and expected_stages[0] in done else ""
    boxes = [([{"zh": "数据", "en": "data"}[language], first], ACCENT), ([w["base"], results.get("base_model", "")], DARK)]
    for name in expected_stages:
        if name in done:
            boxes.append(([name.upper(), done[name]["summary"].get("method", "")], ACCENT))
        else:
            boxes.append(([name.upper(), w["not_run"]], GREY))
    n_models = len(results.get("evaluations", []))
    boxes.append(([{"zh": "评测", "en": "evaluation"}[language], f"{n_models} {w['model']}"], DARK))
    arrow, gap = 0.45, 0.1
    width = (12.1 - (len(boxes) - 1) * (arrow + 2 * gap)) / len(boxes)
    left = 0.6
    for index, (lines, color) in enumerate(boxes):
        deck.box(slide, [line for line in lines if line], (left, 3.0, width, 1.5), color)
        left += width
        if index < len(boxes) - 1:
            deck.box(slide, [], (left + gap, 3.5, arrow, 0.5), GREY, MSO_SHAPE.RIGHT_ARROW)
            left += arrow + 2 * gap
    recipe = f"recipe: {results.get('recipe', '')} · profile: {results.get('profile') or 'default'}"
    deck.text(slide, [recipe], (0.6, 5.2, 12.1, 0.6), size=14, color=GREY, bullet="")
