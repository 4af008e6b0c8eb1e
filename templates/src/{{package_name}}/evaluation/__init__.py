"""Evaluation: the same harness for the base model and every stage's output.

generate.py turns prompts into responses (greedy, fixed settings, recorded);
metrics.py holds small metric functions; harness.py ties them to one model.
"""

from .harness import EvalConfig, evaluate_model

__all__ = ["EvalConfig", "evaluate_model"]
