"""Math accuracy reward: is the model's final answer equal to the gold one (math-verify)?

How answers are read and compared is in scoring/answers.py, which the math evaluation
uses too, so a reward and an evaluation judge the same answer the same way.
"""

from __future__ import annotations

from ..answers import gold_answer, is_correct, predicted_answer
from ..text import completion_text


def accuracy_reward(completions, solution, search_think: bool = False, **kwargs) -> list[float | None]:
    r"""1.0 if the final answer equals the gold answer, 0.0 if not, None if the gold answer
    cannot be parsed (TRL then leaves the sample out of this reward instead of scoring it 0).

    Args:
        completions: the model's completions, strings or lists of chat messages.
        solution: the dataset's `solution` column: GSM8K's `... #### 42`, a solution with
            \boxed{}, or a plain answer.
        search_think: also read an answer inside the think block when none follows it.
        **kwargs: the other dataset columns TRL passes (unused).

    Example:
        >>> completions = [r"<think>3 / 6</think>\boxed{\frac{1}{2}}", "<think>...</think>The answer is 0.4"]
        >>> accuracy_reward(completions, solution=["#### 0.5", "#### 0.5"])
        [1.0, 0.0]
        >>> accuracy_reward(["<think>the answer is 7</think>"], ["#### 7"], search_think=True)
        [1.0]
    """
    rewards: list[float | None] = []
    for completion, reference in zip(completions, solution, strict=True):
        gold = gold_answer(reference)
        correct = is_correct(gold, predicted_answer(completion_text(completion), search_think)) if gold else None
        rewards.append(None if correct is None else float(correct))
    return rewards
