"""Training: from a dataset and a base model to a trained model folder, stage by stage.

    data.py            load a dataset (hub, mirror or local file), clean, de-duplicate, split
    formats.py         one converter per dataset shape: a row -> chat messages
    modeling.py        load models and tokenizers, merge a LoRA adapter into a plain folder
    chat_template.py   a template with generation markers, for assistant-only loss on any model
    tiny.py            the tiny offline stand-in model of smoke runs and tests
    stages/            one module per stage of this recipe (sft.py, grpo.py, ...), each shaped
                       like a TRL example script, and common.py, what they share

The pipeline (pipeline.py) runs the stages in order; each reads the previous stage's
outputs/<stage>/model. GRPO's rewards live in scoring/rewards/, beside evaluation.
"""
