"""posttrain-capstone: renders a post-training recipe into a self-contained project."""

from pathlib import Path

# The template root: copier.yml, templates/ and recipes/ live here.
TEMPLATE_ROOT = Path(__file__).resolve().parent.parent

__all__ = ["TEMPLATE_ROOT"]
