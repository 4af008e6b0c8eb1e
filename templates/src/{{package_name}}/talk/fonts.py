"""Fonts for Chinese text.

matplotlib draws text with fonts of *this* machine: without a CJK font, Chinese labels
become empty boxes. `plot_language` finds one or says clearly that plots fall back to
English. A .pptx only names its fonts (the viewer's machine supplies them), so the
slides set the East-Asian font slot to a font every PowerPoint/WPS install has.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# Preferred CJK families, most common first (Linux, then macOS/Windows).
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Sarasa Gothic SC",
    "PingFang SC",
    "Heiti SC",
    "Microsoft YaHei",
    "SimHei",
    "AR PL UMing CN",
)
CJK_FILE = re.compile(r"wqy|cjk|sourcehan|source-han|sarasa|pingfang|stheiti|msyh|simhei|uming", re.IGNORECASE)
INSTALL_HINT = "install one, e.g. `sudo apt install fonts-wqy-microhei` or Noto Sans CJK"

# Slide fonts: Latin and East-Asian slots of every text run in slides.pptx.
SLIDE_LATIN_FONT = "Arial"
SLIDE_CJK_FONT = "Microsoft YaHei"


def find_cjk_font(families: tuple[str, ...] = CJK_FAMILIES) -> str | None:
    """The first installed CJK family matplotlib can use, or None."""
    from matplotlib import font_manager

    def installed() -> str | None:
        names = {entry.name for entry in font_manager.fontManager.ttflist}
        return next((family for family in families if family in names), None)

    if found := installed():
        return found
    # matplotlib's font cache may predate the font's installation: register system
    # fonts whose file names look CJK, then look again.
    for path in font_manager.findSystemFonts():
        if CJK_FILE.search(Path(path).name):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    return installed()


def plot_language(language: str, families: tuple[str, ...] = CJK_FAMILIES) -> str:
    """Set matplotlib up for `language`; returns the language plots can really use."""
    if language != "zh":
        return "en"
    font = find_cjk_font(families)
    if font is None:
        print(f"warning: no Chinese font found for plots, so plot labels are in English; {INSTALL_HINT}", file=sys.stderr)
        return "en"
    import matplotlib

    matplotlib.rcParams["font.sans-serif"] = [font, *matplotlib.rcParams["font.sans-serif"]]
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["axes.unicode_minus"] = False  # CJK fonts often lack U+2212
    return "zh"
