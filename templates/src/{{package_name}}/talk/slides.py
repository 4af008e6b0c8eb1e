"""slides/slides.pptx from results.json, the plots and slides/content.yaml (python-pptx).

The deck follows the course's 15-minute talk: problem -> architecture -> data and
training -> demo -> results -> models compared -> training curves -> findings ->
reflection, ten slides whose speaker notes suggest times adding up to 15 minutes.
Words the student writes (problem, findings, reflection, demo script) come from
slides/content.yaml; every number comes from results.json, and what is missing there
is said on the slide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pptx.enum.shapes import MSO_SHAPE

from ..config import build, read_yaml
from .deck import ACCENT, DARK, GREY, WARN, Deck
from .plots import is_training_plot
from .summary import changes, metrics_table, missing, pairwise_table, stages_table, words
from .words import Bilingual, in_language, table_in


@dataclass(frozen=True)
class Part:
    """One slide of the talk: its suggested minutes, heading and speaker note, texts as (zh, en)."""

    minutes: float
    heading: Bilingual | None  # None: the title slide, headed by slides/content.yaml's title
    note: Bilingual


# The talk, slide by slide, in order. The minutes add up to 15.
TALK: dict[str, Part] = {
    "title": Part(
        minutes=0.5,
        heading=None,
        note=("自我介绍，一句话说清项目做什么。", "Introduce yourselves; one sentence on what the project does."),
    ),
    "problem": Part(
        minutes=1.5,
        heading=("问题定义", "Problem"),
        note=("为什么这个问题重要，怎样算成功。", "Why it matters and what success means."),
    ),
    "architecture": Part(
        minutes=1.5,
        heading=("系统架构", "Architecture"),
        note=("沿着流水线讲：数据、每个训练阶段、评测。", "Walk along the pipeline: data, each training stage, evaluation."),
    ),
    "training": Part(
        minutes=1.5,
        heading=("数据与训练", "Data and training"),
        note=("数据来源与清洗，训练方式和超参数。", "Where the data comes from, how it was cleaned, how each stage trains."),
    ),
    "demo": Part(
        minutes=5.0,
        heading=("现场演示", "Live demo"),
        note=(
            "现场演示：基座模型与最终模型并排回答同一个问题。若现场失败，立即播放备用录屏。",
            "Live: base and final model answer the same input side by side. If it fails, play the backup recording at once.",
        ),
    ),
    "results": Part(
        minutes=1.0,
        heading=("实验结果", "Results"),
        note=("先讲最重要的一个指标，再讲其余。", "Lead with the one metric that matters most."),
    ),
    "comparison": Part(
        minutes=1.0,
        heading=("模型对比", "Models compared"),
        note=(
            "指标要成对看：胜率旁看平局和回答长度（评审偏爱长回答），拒答率旁看过度拒答率（什么都拒答的模型并不更安全）。",
            "Read metrics in pairs: a win rate with its ties and answer lengths (judges favour longer answers), "
            "refusal beside over-refusal (a model that refuses everything is not safer).",
        ),
    ),
    "curves": Part(
        minutes=0.5,
        heading=("训练曲线", "Training curves"),
        note=("曲线说明训练是否稳定。", "What the curves say about training stability."),
    ),
    "findings": Part(
        minutes=1.5,
        heading=("发现", "Findings"),
        note=("结论要有数字支撑；讲一个失败案例。", "Back each finding with a number; show one failure case."),
    ),
    "reflection": Part(
        minutes=1.0,
        heading=("反思与局限", "Reflection and limitations"),
        note=("局限、下一步，以及可复用的部分。", "Limitations, next steps, what others can reuse."),
    ),
}

# The slides' other words: key -> (zh, en)
WORDS: dict[str, Bilingual] = {
    "minutes": ("建议用时：{m:g} 分钟。", "Suggested time: {m:g} min."),
    "backup": ("备用录屏：", "Backup recording: "),
    "data": ("数据", "data"),
    "evaluation": ("评测", "evaluation"),
    "no_plots": ("还没有图：先运行流水线。", "No plots yet: run the pipeline first."),
}


def heading(key: str, language: str) -> str | None:
    """The heading of slide `key` in `language` (English for any language but zh); None
    for the title slide."""
    part = TALK[key].heading
    return in_language(part, language) if part else None


def add_slide(deck: Deck, key: str, language: str):
    """Slide `key` of the talk: its heading, and notes that start with its suggested time."""
    part = TALK[key]
    minutes = in_language(WORDS["minutes"], language).format(m=part.minutes)
    return deck.slide(heading(key, language), minutes + "\n" + in_language(part.note, language))


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


def build_slides(
    results: dict[str, Any],
    content: SlideContent,
    plots: list[Path],
    expected_stages: list[str],
    metrics: list[str],
    language: str,
    output: Path,
) -> Path:
    """Build the deck, one slide per part of TALK; returns its path."""
    deck, w, here = Deck(), words(language), table_in(WORDS, language)
    smoke = [w["smoke"]] if results.get("profile") == "tiny" else []

    slide = add_slide(deck, "title", language)
    slide.shapes.title.text = content.title
    deck.style(slide.shapes.title.text_frame, 40, bold=True)
    slide.placeholders[1].text = "\n".join(filter(None, [content.subtitle, " · ".join(content.presenters), *smoke]))
    deck.style(slide.placeholders[1].text_frame, 20, color=ACCENT)

    slide = add_slide(deck, "problem", language)
    deck.text(slide, content.problem, (0.8, 1.5, 11.7, 5.5))

    slide = add_slide(deck, "architecture", language)
    _draw_pipeline(deck, slide, results, expected_stages, language)

    slide = add_slide(deck, "training", language)
    table = stages_table(results, expected_stages, language)
    deck.table(slide, table.header, table.rows, (0.6, 1.5, 12.1, 3.0))

    slide = add_slide(deck, "demo", language)
    backup = here["backup"] + (content.demo_backup_video or w["not_run"])
    deck.text(slide, [*content.demo_script, backup], (0.8, 1.5, 11.7, 5.5))

    slide = add_slide(deck, "results", language)
    table = metrics_table(results, expected_stages, metrics, language)
    height = deck.table(slide, table.header, table.rows, (0.6, 1.5, 12.1, 3.0))
    notes = missing(results, expected_stages, metrics, language)
    deck.text(
        slide,
        [*smoke, *notes[:6]] + ([f"… +{len(notes) - 6}"] if len(notes) > 6 else []),
        (0.6, 1.7 + height, 12.1, max(1.0, 5.6 - height)),
        size=13,
        color=WARN,
    )

    slide = add_slide(deck, "comparison", language)
    top = 1.5
    if versus := pairwise_table(results, language):
        top += deck.table(slide, versus.header, versus.rows, (0.6, top, 12.1, 0.0)) + 0.2
    compared = [plot for plot in plots if not is_training_plot(plot)]
    _pictures(deck, slide, compared, (0.6, top, 12.1, 7.1 - top), here["no_plots"])

    slide = add_slide(deck, "curves", language)
    _pictures(deck, slide, [plot for plot in plots if is_training_plot(plot)], (0.6, 1.5, 12.1, 5.6), here["no_plots"])

    slide = add_slide(deck, "findings", language)
    deck.text(slide, [*changes(results, metrics, language), *content.findings], (0.8, 1.5, 11.7, 5.5))

    slide = add_slide(deck, "reflection", language)
    deck.text(slide, content.reflection, (0.8, 1.5, 11.7, 5.5))
    return deck.save(output)


def _pictures(deck: Deck, slide, plots: list[Path], box: tuple[float, float, float, float], none: str) -> None:
    """Up to four plots in a grid filling `box`; `none` when there is none yet."""
    shown = [plot for plot in plots if plot.exists()][:4]
    left, top, width, height = box
    if not shown:
        deck.text(slide, [none], (left, top, width, 1.0), color=WARN)
    columns = 1 if len(shown) == 1 else 2
    cell_w, cell_h = width / columns, height / (1 if len(shown) <= 2 else 2)
    for index, plot in enumerate(shown):
        cell = (left + (index % columns) * cell_w, top + (index // columns) * cell_h, cell_w - 0.1, cell_h - 0.1)
        deck.picture(slide, plot, cell)


def _draw_pipeline(deck: Deck, slide, results: dict[str, Any], expected_stages: list[str], language: str) -> None:
    """data -> base model -> each stage -> evaluation, as boxes and arrows."""
    w, here = words(language), table_in(WORDS, language)
    done = {stage["name"]: stage for stage in results.get("stages", [])}
    first = done[expected_stages[0]]["summary"].get("dataset", "") if expected_stages and expected_stages[0] in done else ""
    boxes = [([here["data"], first], ACCENT), ([w["base"], results.get("base_model", "")], DARK)]
    for name in expected_stages:
        if name in done:
            boxes.append(([name.upper(), done[name]["summary"].get("method", "")], ACCENT))
        else:
            boxes.append(([name.upper(), w["not_run"]], GREY))
    n_models = len(results.get("evaluations", []))
    boxes.append(([here["evaluation"], f"{n_models} {w['model']}"], DARK))
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
