"""results.json as tables and sentences, in the project's language, for slides and report.

Numbers come only from results.json: a stage that did not run or a metric that was
not computed is shown as missing ("—") and listed by `missing()`, never filled in. A
metric that was not run on purpose (details["not_run"]: metric -> reason, e.g. judge
metrics without a judge) reads "not run", and `missing()` gives the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .versus import pairwise_cells, pairwise_header, pairwise_of, reference_model, win_summary
from .words import Bilingual, in_language, table_in

MISSING = "—"

# metric -> (zh label, en label, which direction is better, shown as a percentage)
METRICS: dict[str, tuple[str, str, str | None, bool]] = {
    "validation_loss": ("验证集损失", "validation loss", "lower", False),
    "perplexity": ("困惑度", "perplexity", "lower", False),
    "response_chars": ("平均回答字数", "mean response chars", None, False),
    "empty_rate": ("空回答率", "empty-response rate", "lower", True),
    "json_valid_rate": ("JSON 有效率", "valid-JSON rate", "higher", True),
    "refusal_rate": ("拒答率（有害提示）", "refusal rate (harmful prompts)", "higher", True),
    "accuracy": ("准确率", "accuracy", "higher", True),
    "accuracy_ci_low": ("准确率 95% 区间下限", "accuracy 95% CI low", "higher", True),
    "accuracy_ci_high": ("准确率 95% 区间上限", "accuracy 95% CI high", "higher", True),
    "format_rate": ("格式合规率", "format compliance", "higher", True),
    "malformed_think_rate": ("think 标签错误率", "malformed think tags", "lower", True),
    "mean_completion_tokens": ("平均生成 token 数", "mean completion tokens", None, False),
    "pass@1": ("pass@1", "pass@1", "higher", True),
    "pass@5": ("pass@5", "pass@5", "higher", True),
    "pass@10": ("pass@10", "pass@10", "higher", True),
    "sandbox_errors": ("沙箱错误数", "sandbox errors", "lower", False),
    "over_refusal_rate": ("过度拒答率（无害提示）", "over-refusal rate (benign prompts)", "lower", True),
    "judge_refusal_rate": ("评审判定拒答率（有害提示）", "judged refusal rate (harmful prompts)", "higher", True),
    "judge_partial_refusal_rate": ("评审判定部分拒答率", "judged partial-refusal rate", None, True),
    "judge_over_refusal_rate": ("评审判定过度拒答率（无害提示）", "judged over-refusal rate (benign prompts)", "lower", True),
    "judge_helpfulness": ("评审有用性（1-10，普通提示）", "judged helpfulness (1-10, ordinary prompts)", "higher", False),
    "judge_overall": ("评审总分（1-10）", "judged overall (1-10)", "higher", False),
    "judge_factuality": ("评审：事实正确（1-10）", "judged factuality (1-10)", "higher", False),
    "judge_meeting_request": ("评审：满足要求（1-10）", "judged meeting the request (1-10)", "higher", False),
    "judge_coherence": ("评审：逻辑连贯（1-10）", "judged coherence (1-10)", "higher", False),
    "judge_creativity": ("评审：创造性（1-10）", "judged creativity (1-10)", "higher", False),
    "judge_richness": ("评审：内容丰富（1-10）", "judged richness (1-10)", "higher", False),
    "repetition_rate": ("重复率", "repetition rate", "lower", True),
    "win_rate": ("胜率", "win rate", "higher", True),
    "tie_rate": ("平局率", "tie rate", None, True),
    "loss_rate": ("负率", "loss rate (pairwise)", "lower", True),
}
# Shown inside the win rate's cell (ties, with their counts) or the pairwise table, not as columns.
PAIRWISE_SHOWN_WITH_WIN = ("tie_rate", "loss_rate")

# key -> (zh, en)
WORDS: dict[str, Bilingual] = {
    "model": ("模型", "model"),
    "stage": ("阶段", "stage"),
    "method": ("训练方式", "method"),
    "dataset": ("数据集", "dataset"),
    "rows": ("训练/验证条数", "train / val rows"),
    "removed": ("清洗删除", "removed in cleaning"),
    "steps": ("步数", "steps"),
    "train_loss": ("训练损失", "train loss"),
    "minutes": ("用时（分钟）", "minutes"),
    "not_run": ("未运行", "not run"),
    "not_evaluated": ("未评测", "not evaluated"),
    "base": ("基座", "base"),
    "missing_stage": (
        "阶段 {name} 尚未运行（results.json 中没有它的记录）",
        "stage {name} has not run yet (no entry in results.json)",
    ),
    "missing_eval": ("模型 {name} 尚未评测", "model {name} has not been evaluated"),
    "missing_metric": ("{model} 的指标 {metric} 未计算", "metric {metric} of {model} was not computed"),
    "not_run_metrics": ("{models} 的 {metrics} 未运行：{reason}", "{metrics} not run for {models}: {reason}"),
    "reference": ("参照模型", "reference"),
    "win_vs": ("胜率（对 {reference}）", "win rate vs {reference}"),
    "change": ("{metric}：{first} {a} → {last} {b}（{verdict}）", "{metric}: {first} {a} → {last} {b} ({verdict})"),
    "better": ("变好", "better"),
    "worse": ("变差", "worse"),
    "same": ("不变", "unchanged"),
    "changed": ("变化", "changed"),
    "smoke": (
        "冒烟测试：随机初始化的微型模型，数字只证明流程跑通，不代表效果",
        "Smoke run: a tiny random model; the numbers prove the pipeline runs, not that it learns",
    ),
}


def words(language: str) -> dict[str, str]:
    """This module's words in `language` (English for any language but zh)."""
    return table_in(WORDS, language)


def metric_label(metric: str, language: str) -> str:
    """The metric's name in `language`; a metric without a label shows its own name."""
    zh, en, _, _ = METRICS.get(metric, (metric, metric, None, False))
    return in_language((zh, en), language)


def format_value(metric: str, value: Any) -> str:
    if value is None:
        return MISSING
    if METRICS.get(metric, (None, None, None, False))[3]:
        return f"{100 * value:.1f}%"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def shown_metrics(metrics: list[str]) -> list[str]:
    """Table columns: a metric's confidence bounds go into its own cell, and tie and loss rates
    into the win rate's, not columns of their own."""
    folded = PAIRWISE_SHOWN_WITH_WIN if "win_rate" in metrics else ()
    return [m for m in metrics if not m.endswith(("_ci_low", "_ci_high")) and m not in folded]


def metric_cell(values: dict[str, Any], metric: str) -> str:
    """'12.5% [9.1%, 16.8%]' when the metric has a 95% interval, else the value alone."""
    cell = format_value(metric, values.get(metric))
    low, high = values.get(f"{metric}_ci_low"), values.get(f"{metric}_ci_high")
    if values.get(metric) is not None and low is not None and high is not None:
        cell += f" [{format_value(metric, low)}, {format_value(metric, high)}]"
    return cell


def not_run(entry: dict[str, Any]) -> dict[str, str]:
    """metric -> why it did not run (details["not_run"]), for metrics left out on purpose."""
    return (entry.get("details") or {}).get("not_run") or {}


def entry_cell(entry: dict[str, Any], metric: str, language: str, reference: str | None = None) -> str:
    """One model's cell: the value (with its interval), "not run" for a metric skipped on
    purpose, and a win rate with its ties and lengths; "reference" in the win rate of
    `reference`, the model the others were compared with."""
    value = entry["metrics"].get(metric)
    if metric == "win_rate" and value is None and entry["model"] == reference:
        return words(language)["reference"]
    if value is None and metric in not_run(entry):
        return words(language)["not_run"]
    if metric == "win_rate" and value is not None and (pairwise := pairwise_of(entry)):
        return win_summary(pairwise, format_value(metric, value), language)
    return metric_cell(entry["metrics"], metric)


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]

    def to_markdown(self) -> str:
        def line(cells: list[str]) -> str:
            return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"

        return "\n".join([line(self.header), line(["---"] * len(self.header)), *map(line, self.rows)])


def evaluation_by_model(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["model"]: entry for entry in results.get("evaluations", [])}


def expected_models(results: dict[str, Any], expected_stages: list[str]) -> list[str]:
    """base, then every stage of the recipe (run or not), then anything else evaluated."""
    names = ["base", *expected_stages]
    return names + [m for m in evaluation_by_model(results) if m not in names]


def metrics_table(results: dict[str, Any], expected_stages: list[str], metrics: list[str], language: str) -> Table:
    w = words(language)
    metrics = shown_metrics(metrics)
    evaluations = evaluation_by_model(results)
    reference = reference_model(results)
    rows = []
    for model in expected_models(results, expected_stages):
        entry = evaluations.get(model)
        label = model_label(model, language)
        if entry is None:
            rows.append([label, *[w["not_evaluated"] if i == 0 else MISSING for i in range(len(metrics))]])
        else:
            rows.append([label, *[entry_cell(entry, m, language, reference) for m in metrics]])
    header = [
        w["win_vs"].format(reference=reference) if m == "win_rate" and reference else metric_label(m, language) for m in metrics
    ]
    return Table([w["model"], *header], rows)


def model_label(model: str, language: str) -> str:
    """ "base" in the project's language; a stage's model by its stage name."""
    return words(language)["base"] if model == "base" else model


def pairwise_table(results: dict[str, Any], language: str) -> Table | None:
    """Every model compared with the reference: verdict counts and both mean lengths; None
    when no comparison ran."""
    rows = [
        [model_label(entry["model"], language), *pairwise_cells(pairwise)]
        for entry in results.get("evaluations", [])
        if (pairwise := pairwise_of(entry))
    ]
    return Table([words(language)["model"], *pairwise_header(language)], rows) if rows else None


def stages_table(results: dict[str, Any], expected_stages: list[str], language: str) -> Table:
    w = words(language)
    done = {stage["name"]: stage for stage in results.get("stages", [])}
    header = [w["stage"], w["method"], w["dataset"], w["rows"], w["removed"], w["steps"], w["train_loss"], w["minutes"]]
    rows = []
    for name in expected_stages:
        if name not in done:
            rows.append([name, w["not_run"], *[MISSING] * (len(header) - 2)])
            continue
        summary = done[name].get("summary", {})
        data = summary.get("data", {})
        rows.append(
            [
                name,
                summary.get("method", MISSING),
                summary.get("dataset", MISSING),
                f"{data['train']} / {data['validation']}" if "train" in data else MISSING,
                str(sum(data["removed"].values())) if "removed" in data else MISSING,
                str(summary.get("steps", MISSING)),
                format_value("train_loss", summary.get("train_loss")),
                f"{summary['wall_seconds'] / 60:.1f}" if "wall_seconds" in summary else MISSING,
            ]
        )
    return Table(header, rows)


def missing(results: dict[str, Any], expected_stages: list[str], metrics: list[str], language: str) -> list[str]:
    """Every stage, evaluation and metric the recipe expects but results.json lacks; metrics
    not run on purpose as one line per reason, saying which models and metrics it covers.
    The reference model's own pairwise rates are not missing: it is not compared with itself."""
    w = words(language)
    done = {stage["name"] for stage in results.get("stages", [])}
    evaluations = evaluation_by_model(results)
    reference = reference_model(results)
    lines = [w["missing_stage"].format(name=name) for name in expected_stages if name not in done]
    skipped: dict[tuple[str, tuple[str, ...]], list[str]] = {}  # (reason, metrics) -> models
    for model in ["base", *[s for s in expected_stages if s in done]]:
        if model not in evaluations:
            lines.append(w["missing_eval"].format(name=model_label(model, language)))
            continue
        entry, reasons = evaluations[model], not_run(evaluations[model])
        absent = [m for m in shown_metrics(metrics) if entry["metrics"].get(m) is None]
        if model == reference:
            absent = [m for m in absent if m not in ("win_rate", *PAIRWISE_SHOWN_WITH_WIN)]
        by_reason: dict[str, list[str]] = {}
        for metric in absent:
            if metric in reasons:
                by_reason.setdefault(str(reasons[metric]), []).append(metric)
            else:
                lines.append(
                    w["missing_metric"].format(model=model_label(model, language), metric=metric_label(metric, language))
                )
        for reason, names in by_reason.items():
            skipped.setdefault((reason, tuple(names)), []).append(model_label(model, language))
    for (reason, names), models in skipped.items():
        labels = ", ".join(metric_label(m, language) for m in names)
        lines.append(w["not_run_metrics"].format(models=", ".join(models), metrics=labels, reason=reason))
    return lines


def changes(results: dict[str, Any], metrics: list[str], language: str) -> list[str]:
    """How each metric moved from the base model to the last evaluated stage."""
    w = words(language)
    evaluations = results.get("evaluations", [])
    if len(evaluations) < 2:
        return []
    first, last = evaluations[0], evaluations[-1]
    lines = []
    for metric in shown_metrics(metrics):
        a, b = first["metrics"].get(metric), last["metrics"].get(metric)
        if a is None or b is None:
            continue
        better = METRICS.get(metric, (None, None, None, False))[2]
        if a == b:
            verdict = w["same"]
        elif better is None:
            verdict = w["changed"]
        else:
            verdict = w["better"] if (b < a) == (better == "lower") else w["worse"]
        lines.append(
            w["change"].format(
                metric=metric_label(metric, language),
                first=model_label(first["model"], language),
                a=format_value(metric, a),
                last=last["model"],
                b=format_value(metric, b),
                verdict=verdict,
            )
        )
    return lines
