"""Scoring: judging what a model wrote, for training (rewards/) and evaluation (evaluation/).

    text.py        completions as text, the answer after the think block
    answers.py     math answers: read the final answer and the gold one, check with math-verify
    think.py       the <think>...</think> format checks
    code.py        model-written code and its tests, put together for the sandbox
    sandbox/       runs that code, one throwaway subprocess per execution
    rewards/       GRPO rewards built on the modules above (your own in rewards/custom.py)
    evaluation/    generation and metrics, the same for the base model and every stage

Rewards and evaluation import the same checks, so a model is trained and evaluated on
the same judgement. A chat-only project has only evaluation/, with the chat task alone.
"""
