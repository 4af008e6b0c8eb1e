"""Evaluation: the same harness for the base model and every stage's output.

generate.py turns prompts into responses (greedy, fixed settings, recorded);
tasks/ scores them, one module per task (chat prompts, math answers, code tests,
safety refusals, writing rubric), with the statistics of metrics.py;
harness.py ties them to one model and refuses to compare models evaluated differently;
pairwise.py then compares each model's answers with a reference stage's, by the judge.
"""

from .harness import EvalConfig, evaluate_model

__all__ = ["EvalConfig", "evaluate_model"]
