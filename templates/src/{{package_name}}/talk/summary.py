"""results.json as tables and sentences, in the project's language, for slides and report.

Numbers come only from results.json: a stage that did not run or a metric that was
not computed is shown as missing ("—") and listed by `missing()`, never filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
}

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
    """Table columns: a metric's confidence bounds go into its own cell, not columns of their own."""
    return [m for m in metrics if not m.endswith(("_ci_low", "_ci_high"))]


def metric_cell(values: dict[str, Any], metric: str) -> str:
    """'12.5% [9.1%, 16.8%]' when the metric has a 95% interval, else the value alone."""
    cell = format_value(metric, values.get(metric))
    low, high = values.get(f"{metric}_ci_low"), values.get(f"{metric}_ci_high")
    if values.get(metric) is not None and low is not None and high is not None:
        cell += f" [{format_value(metric, low)}, {format_value(metric, high)}]"
    return cell


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
    rows = []
    for model in expected_models(results, expected_stages):
        entry = evaluations.get(model)
        label = w["base"] if model == "base" else model
        if entry is None:
            rows.append([label, *[w["not_evaluated"] if i == 0 else MISSING for i in range(len(metrics))]])
        else:
            rows.append([label, *[metric_cell(entry["metrics"], m) for m in metrics]])
    return Table([w["model"], *[metric_label(m, language) for m in metrics]], rows)


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
    """Every stage, evaluation and metric the recipe expects but results.json lacks."""
    w = words(language)
    done = {stage["name"] for stage in results.get("stages", [])}
    evaluations = evaluation_by_model(results)
    lines = [w["missing_stage"].format(name=name) for name in expected_stages if name not in done]
    for model in ["base", *[s for s in expected_stages if s in done]]:
        if model not in evaluations:
            lines.append(w["missing_eval"].format(name=model))
            continue
        for metric in metrics:
            if evaluations[model]["metrics"].get(metric) is None:
                lines.append(w["missing_metric"].format(model=model, metric=metric_label(metric, language)))
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
                first=w["base"] if first["model"] == "base" else first["model"],
                a=format_value(metric, a),
                last=last["model"],
                b=format_value(metric, b),
                verdict=verdict,
            )
        )
    return lines
