"""A chat template with `{% generation %}` markers, for assistant-only loss on any model.

TRL's SFTTrainer (assistant_only_loss) finds the assistant's tokens through
`{% generation %}` markers. A template without them is patched only when it equals, byte
for byte, one TRL ships (trl/chat_templates/); any other (a fine-tuned checkpoint's copy
with one space changed, a newer revision) stops the run. Here such a template is matched
by what it renders instead: if it renders the probe conversations below (system prompt,
think blocks, several turns, tool calls and tool responses, with and without the
generation prompt) exactly like a template TRL knows, TRL's training version of that
template is used, the one TRL itself would use for it; a training template that renders
exactly like it is used too. Otherwise the run stops and says what to do.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..config import ConfigError

# Plain ChatML with markers: the template of many base checkpoints, which TRL does not ship.
CHATML_TRAINING = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message.role + '\\n' }}"
    "{%- if message.role == 'assistant' %}"
    "{%- generation %}{{- message.content + '<|im_end|>\\n' }}{%- endgeneration %}"
    "{%- else %}{{- message.content + '<|im_end|>\\n' }}{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather of a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
]


def _call(arguments: Any) -> dict[str, Any]:
    return {"type": "function", "function": {"name": "get_weather", "arguments": arguments}}


# Conversations in the shapes the recipes train on; each is rendered whole and up to its last turn.
PROBES: list[tuple[list[dict[str, Any]], dict[str, Any]]] = [
    (
        [
            {"role": "system", "content": "你是一个乐于助人的助手。"},
            {"role": "user", "content": "Name two prime numbers."},
            {"role": "assistant", "content": "2 and 3."},
        ],
        {},
    ),
    (
        [
            {"role": "user", "content": "12 个苹果分给 3 个人，每人几个？"},
            {"role": "assistant", "content": "<think>\n12 split into 3 equal parts is 4.\n</think>\n\n\\boxed{4}"},
        ],
        {},
    ),
    (
        [
            {"role": "user", "content": "Hi!"},
            {"role": "assistant", "content": "<think>\nA greeting.\n</think>\n\nHello!"},
            {"role": "user", "content": "再说一遍。"},
            {"role": "assistant", "content": "Hello again!"},
        ],
        {},
    ),
    (
        [
            {"role": "user", "content": "杭州天气如何？"},
            {"role": "assistant", "content": "", "tool_calls": [_call({"city": "杭州"})]},
            {"role": "tool", "name": "get_weather", "content": "晴，25°C"},
            {"role": "assistant", "content": "杭州今天晴，25°C。"},
        ],
        {"tools": _TOOLS},
    ),
    (
        [
            {"role": "system", "content": "Use the tools when needed."},
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": "", "tool_calls": [_call('{"city": "Paris"}')]},
            {"role": "tool", "name": "get_weather", "content": "rain, 12°C"},
            {"role": "assistant", "content": "<think>\nThe tool says rain.\n</think>\n\nRain, 12°C."},
        ],
        {"tools": _TOOLS},
    ),
]

_warned: set[str] = set()


def renders(tokenizer, template: str) -> Iterator[str]:
    """What `template` renders for every probe: whole, and as a prompt (with and without thinking)."""
    for messages, options in PROBES:
        for prefix, extra in (
            (messages, {}),
            (messages[:-1], {"add_generation_prompt": True}),
            (messages[:-1], {"add_generation_prompt": True, "enable_thinking": False}),
        ):
            try:
                yield tokenizer.apply_chat_template(prefix, chat_template=template, tokenize=False, **options, **extra)
            except Exception as error:  # a template may refuse a probe (no system role): both must refuse it
                yield f"<refused: {type(error).__name__}>"


def candidates() -> Iterator[tuple[str, str, str]]:
    """(what it is, the template to compare with, the training template to use): TRL's known
    templates with their training versions, then TRL's training templates, then plain ChatML."""
    import trl

    folder = Path(trl.__file__).parent / "chat_templates"
    trainings = sorted(folder.glob("*_training.jinja"))
    for training in trainings:
        original = folder / training.name.replace("_training.jinja", ".jinja")
        if original.is_file():
            yield (
                f"TRL's {original.name} (training with its {training.name})",
                original.read_text(encoding="utf-8"),
                training.read_text(encoding="utf-8"),
            )
    for training in trainings:
        text = training.read_text(encoding="utf-8")
        yield f"TRL's {training.name}", text, text
    yield "plain ChatML (training with markers added)", CHATML_TRAINING, CHATML_TRAINING


def find_training_template(tokenizer, template: str) -> tuple[str, str] | None:
    """(what matched, training template) for the first candidate that renders like `template`."""
    wanted = list(renders(tokenizer, template))  # the model's own renders, once for every candidate
    for description, reference, training in candidates():
        if list(renders(tokenizer, reference)) == wanted:
            return description, training
    return None


def use_training_template(tokenizer, model: str, where: str) -> None:
    """Give `tokenizer` a training template when TRL cannot patch the model's own one for
    assistant-only loss; the saved model keeps its own template (finish() in training/stages/common.py)."""
    from trl.chat_template_utils import get_training_chat_template

    template = tokenizer.chat_template
    if isinstance(template, dict):
        template = template["default"]
    try:
        get_training_chat_template(tokenizer)
        return  # TRL knows the template, or it already has markers
    except Exception:  # TRL cannot patch it (ValueError) or cannot even check it: look for one that renders alike
        pass
    found = find_training_template(tokenizer, template)
    if found is None:
        raise ConfigError(
            f"{where}: training.assistant_only_loss needs a chat template with {{% generation %}} markers; the template "
            f"of {model} is not one TRL can patch, and none of TRL's training templates (nor plain ChatML) renders "
            "the same text. Set assistant_only_loss: false (the loss then covers the prompt too), or write the "
            "model's template with {% generation %}...{% endgeneration %} around each assistant turn to a .jinja "
            "file and set training.chat_template_path to it"
        )
    description, training = found
    key = hashlib.sha256(template.encode()).hexdigest()
    if key not in _warned:
        _warned.add(key)
        warnings.warn(
            f"the chat template of {model} is not one TRL can patch for assistant-only loss, but it renders "
            f"the probe conversations exactly like {description}",
            stacklevel=2,
        )
    tokenizer.chat_template = training
