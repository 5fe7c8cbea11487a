"""The score-vs-weight bar chart as PNG bytes (matplotlib, Agg backend, rendered in memory).

Chinese labels need a CJK font: the first of :data:`CJK_FONTS` that matplotlib's font manager
knows is used; when its font cache predates the fonts installed on the system (a stale cache),
the system's CJK font files are added to it.  Without one the chart still renders, with the bars
numbered 1, 2, 3 … in the order of the summary table, and a Chinese hint
(:class:`~xltools.errors.XltoolsHint`) says what to install.  Without matplotlib :func:`render`
returns None (with a hint); the reports are written without the figure.  matplotlib's own
warnings and log messages never reach the user.
"""
from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from ..errors import XltoolsHint
from ..num import fmt
from .content import Bar

#: Preferred CJK families, best first (Noto/Source Han ship with Linux distributions,
#: the others with Windows and macOS).
CJK_FONTS = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Serif CJK SC", "Microsoft YaHei",
    "SimHei", "PingFang SC", "Heiti SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans SC",
    "Noto Sans CJK JP", "Noto Sans CJK TC", "Source Han Sans", "SimSun",
)


#: File names of CJK fonts on Linux, Windows and macOS (lower case, without extension).
CJK_FILES = ("notosanscjk", "notoserifcjk", "sourcehansans", "sourcehanserif", "wqy-zenhei", "wqy-microhei", "msyh",
             "simhei", "simsun", "pingfang", "stheiti", "hiragino sans gb")


def _known_cjk_name(name: str) -> str | None:
    """``name`` if it is a CJK family."""
    return name if name in CJK_FONTS or "CJK" in name or "Han Sans" in name or "Hei" in name else None


def _known_cjk(font_manager) -> str | None:
    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FONTS:
        if family in names:
            return family
    return next((name for name in sorted(names) if _known_cjk_name(name)), None)  # any other CJK family


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed CJK font known to matplotlib, or None.  A font installed
    after matplotlib built its cache is found on the system and added."""
    from matplotlib import font_manager

    with quiet():
        family = _known_cjk(font_manager)
        if family is None:
            for path in font_manager.findSystemFonts():
                if any(part in path.lower().replace(" ", "").replace("_", "") for part in
                       (f.replace(" ", "") for f in CJK_FILES)):
                    with contextlib.suppress(Exception):  # an unreadable font file: skip it
                        font_manager.fontManager.addfont(path)
            family = _known_cjk(font_manager)
    return family


@contextlib.contextmanager
def quiet():
    """matplotlib's warnings (missing glyphs, fonts) and log messages are not for the user."""
    logger = logging.getLogger("matplotlib")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def render(bars: Sequence[Bar], dpi: int = 200) -> bytes | None:
    """A grouped bar chart (分值 grey, 得分 blue, values on top) as PNG bytes."""
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # Agg, without touching pyplot's backend
        from matplotlib.figure import Figure
    except ImportError:
        warnings.warn("未安装 matplotlib，报告中不插入得分图（pip install matplotlib）", XltoolsHint, stacklevel=2)
        return None
    if not bars:
        return None
    family = cjk_font()
    if family is None:
        warnings.warn("未找到中文字体，得分图的横轴改用序号 1、2、3……；安装中文字体（如 Linux 上的 fonts-noto-cjk）后即可显示名称",
                      XltoolsHint, stacklevel=2)
        labels = [str(i) for i in range(1, len(bars) + 1)]
        rc: dict[Any, Any] = {}  # matplotlib types the keys as the Literal of every rcParam
    else:
        labels = [b.label for b in bars]
        rc = {"font.family": [family, "DejaVu Sans"]}
    legend = ("分值", "得分") if family else ("weight", "score")

    with quiet(), matplotlib.rc_context({**rc, "axes.unicode_minus": False}):
        fig = Figure(figsize=(6.3, 2.6), dpi=dpi)  # 16 cm wide, fits the text column
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        x = range(len(bars))
        width = 0.36
        weights = [float(b.weight) for b in bars]
        scores = [float(b.score) for b in bars]
        wb = ax.bar([i - width / 2 for i in x], weights, width, color="#c8c8c8", label=legend[0])
        sb = ax.bar([i + width / 2 for i in x], scores, width, color="#2f5597", label=legend[1])
        for rects, values in ((wb, [b.weight for b in bars]), (sb, [b.score for b in bars])):
            for rect, value in zip(rects, values):
                ax.annotate(fmt(value), (rect.get_x() + rect.get_width() / 2, rect.get_height()),
                            xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=8.5)
        ax.set_xticks(list(x), labels, fontsize=10)
        ax.set_ylabel(legend[0] if family else "points", fontsize=9.5)
        ax.tick_params(axis="y", labelsize=9)
        ax.set_ylim(0, max(weights + scores + [1]) * 1.18)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(fontsize=9.5, frameon=False, ncols=2, loc="upper right")
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()
