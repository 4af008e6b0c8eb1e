"""The real tokenizer, loaded, and checked for what assistant-only loss needs: a chat
template with generation markers (the model's own, patched by TRL, or a training template)
whose end-of-turn token falls inside the loss mask."""

from __future__ import annotations

from ..config import HUB_UNREACHABLE
from .check import Check


def tokenizer_check(pipeline, stages: dict) -> Check:
    """Loads the real tokenizer; with assistant-only loss, TRL must be able to mask it."""
    from ..training.modeling import load_tokenizer, resolve_model

    first = next(iter(stages.values()), {})
    loading = first.get("training", {}).get("model_init_kwargs") or {}  # revision, trust_remote_code
    try:
        tokenizer = load_tokenizer(resolve_model(pipeline.base_model), **loading)
    except Exception as error:
        reason = f"could not load the tokenizer of {pipeline.base_model}: {str(error).splitlines()[0]}"
        if unreachable(error):  # no hub, no mirror here: nothing to check on this machine
            return Check(
                "tokenizer",
                "skip",
                reason,
                "on the GPU machine: export HF_ENDPOINT=https://hf-mirror.com (or set base_model to a local folder)",
            )
        return Check("tokenizer", "fail", reason, "check base_model in configs/pipeline.yaml (a hub id or a model folder)")
    needs_mask = [n for n, e in stages.items() if e.get("training", {}).get("assistant_only_loss")]
    if not needs_mask:
        return Check("tokenizer", "ok", f"{pipeline.base_model} loads; no stage uses assistant-only loss")
    return assistant_mask_check(tokenizer, pipeline.base_model, needs_mask)


def unreachable(error: BaseException) -> bool:
    """The hub (or its mirror) could not be reached, as opposed to a wrong name or a broken model."""
    text = f"{type(error).__name__}: {error}"
    return any(sign in text for sign in HUB_UNREACHABLE)


def assistant_mask_check(tokenizer, model_name: str, stages: list[str]) -> Check:
    """What the SFT stage does with assistant_only_loss: the stage's fallback training
    template when TRL cannot patch the model's own (training/chat_template.py), then TRL's
    patching; then check the end-of-turn token is inside the loss mask."""
    from trl.chat_template_utils import get_training_chat_template, has_generation_markers, is_chat_template_stop_token_trained

    from ..training.chat_template import use_training_template

    where = f"assistant-only loss ({', '.join(stages)})"
    try:
        use_training_template(tokenizer, model_name, f"configs/{stages[0]}.yaml")
        template = tokenizer.chat_template
        if not has_generation_markers(template):
            template = get_training_chat_template(tokenizer)
        stop_trained = is_chat_template_stop_token_trained(tokenizer, chat_template=template)
    except Exception as error:  # ConfigError says what to do; TRL's own errors too
        return Check("tokenizer", "fail", f"{where}: no chat template with generation markers for {model_name}", str(error))
    if not stop_trained:
        return Check(
            "tokenizer",
            "warn",
            f"{where}: the end-of-turn token is outside the loss mask; the model may not learn to stop",
            "use a chat template whose generation markers include the end-of-turn token",
        )
    return Check("tokenizer", "ok", f"{model_name}: {where} can be set up")
