"""The evaluation tasks, one module each, and the registry of those this project has.

    chat.py   fixed prompts: response length, empty answers, valid JSON, refusals
    math.py   gold answers: accuracy, judged by scoring/answers.py and think.py as the rewards judge
    code.py   tests run in scoring/sandbox/: pass@k, programs built by scoring/code.py as the code reward builds them
    safety.py harmful / benign / ordinary prompts: refusal and over-refusal, by string match and by the judge
    writing.py open writing prompts: the judge's rubric scores, length, character-level repetition

Each task module defines `<task>_scores(rows, completions, **settings) -> (metrics, records)`
(one record per row, for the generations JSONL) and METRICS, the names its metrics dict holds.
Settings include `judge` (scoring/judge/'s Judge, or None when none is configured): a metric
that needs the judge is then None, and the metrics dict says why under "not_run" (metrics.not_run);
so it does when no verdict of the judge could be read, and "judged" says how many verdicts each
judge metric is over (metrics.judge_statistics). Answers are scored without their think block
(metrics.answer_only).
A prompt task may also read a dataset (`data` in configs/eval.yaml) through DATA_CONVERTERS,
{data.format: converter(row, columns) -> prompt row or None}, as safety.py reads XSTest.
A project has the task modules its recipe uses: one whose recipe neither trains with rewards
nor evaluates math or code is generated without math.py and code.py (and the scoring modules
they import), safety.py and writing.py come only with a recipe that evaluates them, so
SCORERS and TASK_METRICS list only the tasks whose module is here.
A task of your own: a module here in the same shape, and its name in TASKS.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from importlib.util import find_spec

from ....config import ConfigError

# Every task the template knows, in the order results show them.
TASKS = ("chat", "math", "code", "safety", "writing")
# Tasks whose rows are the prompts file's (data/*_prompts.jsonl); the others read `data`.
PROMPT_TASKS = ("chat", "safety", "writing")
# What a project generated without a task's module lacks (a chat-only recipe leaves these out).
SCORED_WITH = {
    "math": "scoring/evaluation/tasks/math.py, scoring/answers.py and scoring/think.py",
    "code": "scoring/evaluation/tasks/code.py, scoring/code.py and scoring/sandbox/",
    "safety": "scoring/evaluation/tasks/safety.py",
    "writing": "scoring/evaluation/tasks/writing.py",
}
# Which recipe brings a task's module, for the message of a project without it.
GENERATED_BY = {
    "math": "a recipe with a math evaluation (or a grpo stage)",
    "code": "a recipe with a code evaluation (or a grpo stage)",
    "safety": "a recipe with a safety evaluation (safety-alignment)",
    "writing": "a recipe with a writing evaluation (chinese-writing)",
}

Scorer = Callable[..., tuple[dict, list[dict]]]

# A module is looked for, not tried: an import error inside a task that is here still fails loudly.
_modules = {task: import_module(f"{__name__}.{task}") for task in TASKS if find_spec(f"{__name__}.{task}") is not None}
SCORERS: dict[str, Scorer] = {task: getattr(module, f"{task}_scores") for task, module in _modules.items()}
# The metrics each scorer returns (pass@k: one per k the configuration asks for). Every task
# also reports VALIDATION_METRICS, from the validation split (harness.validation_metrics).
# generator/recipes.py's METRICS lists the same names: a test keeps them equal.
TASK_METRICS: dict[str, tuple[str, ...]] = {task: module.METRICS for task, module in _modules.items()}
VALIDATION_METRICS = ("validation_loss", "perplexity")
# Metrics of any task with `compare_to` set: the judge's verdicts against that stage's answers (pairwise.py).
PAIRWISE_METRICS = ("win_rate", "tie_rate", "loss_rate")
# data.format -> converter, for the prompt tasks that read a dataset besides their prompts file.
DATA_CONVERTERS: dict[str, dict[str, Callable]] = {
    task: getattr(module, "DATA_CONVERTERS", {}) for task, module in _modules.items() if task in PROMPT_TASKS
}


def scorer(task: str) -> Scorer:
    """The task's scoring function; a ConfigError saying what is missing when this project has none."""
    if task in SCORERS:
        return SCORERS[task]
    if task in SCORED_WITH:
        raise ConfigError(
            f"configs/eval.yaml: task '{task}' is scored by {SCORED_WITH[task]}, which this project was generated without "
            f"(its recipe does not evaluate {task}); generate a project from {GENERATED_BY[task]} to get it"
        )
    raise ConfigError(f"configs/eval.yaml: task must be one of {sorted(SCORERS)}, got '{task}'")
