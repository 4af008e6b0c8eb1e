"""An LLM judge behind any OpenAI-compatible endpoint (a local vLLM or SGLang server, or a
hosted API), for the judged evaluation metrics and for scoring on-policy pairs.

    config.py      JudgeConfig (configs/eval.yaml's `judge`, then JUDGE_* variables), make_judge,
                   and what may be written down: judge_record (results), redact (saved configs)
    client.py      Judge: grade (1-10 on a rubric), compare (both orders), classify_refusal;
                   the cache, a reminder of the format when a reply has no verdict, stats()
    sending.py     one request: retries with backoff and Retry-After, giving up on an
                   unreachable endpoint; the batch's threads and their stop event (Ctrl-C)
    cache.py       replies on disk keyed on the full request: a rerun never pays twice
    prompts.py     the rubrics (HELPFULNESS, WRITING), the pairwise and refusal prompts, PROMPTS_VERSION
    verdicts.py    reading the verdict out of a reply, past <think> blocks and reasoning

Example, against a local server (`vllm serve Qwen/Qwen3-8B`):

    judge = make_judge({"base_url": "http://127.0.0.1:8000/v1", "model": "Qwen/Qwen3-8B"}, Path("outputs/judge_cache"))
    judge.grade(["写一首关于秋天的短诗"], [answer], WRITING)   # [{"factuality": 8, ..., "overall": 7}]
"""

from .client import Judge, JudgeError
from .config import NOT_CONFIGURED, JudgeConfig, judge_record, make_judge, redact
from .prompts import HELPFULNESS, WRITING, Rubric

__all__ = [
    "HELPFULNESS",
    "NOT_CONFIGURED",
    "WRITING",
    "Judge",
    "JudgeConfig",
    "JudgeError",
    "Rubric",
    "judge_record",
    "make_judge",
    "redact",
]
