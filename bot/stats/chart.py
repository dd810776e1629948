"""The `/stats` chart: actions by type and top rules as two bar charts in one PNG.

Uses matplotlib's object API with the Agg canvas (no pyplot, no global figure state); callers run it in an
executor because drawing is blocking work.
"""

from __future__ import annotations

import io

from bot.stats.report import StatsReport


def render_png(report: StatsReport, dpi: int = 100) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 3.6), dpi=dpi)
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)
    _bars(left, report.actions, "Actions by type", "#d9822b")
    _bars(right, report.top_rules, "Top rules", "#4c72b0")
    rate = report.flagged_rate
    agreement = report.agreement
    figure.suptitle(
        f"{report.judged} judged"
        + (f", {rate:.1%} acted on" if rate is not None else "")
        + (f", review agreement {agreement:.0%}" if agreement is not None else ""),
        fontsize=10,
    )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _bars(axes: object, pairs: tuple[tuple[str, int], ...], title: str, colour: str) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axes, Axes)
    axes.set_title(title, fontsize=10)
    if not pairs:
        axes.text(0.5, 0.5, "none", ha="center", va="center", transform=axes.transAxes)
        axes.set_xticks([])
        axes.set_yticks([])
        return
    names = [name[:18] for name, _ in pairs]
    counts = [count for _, count in pairs]
    axes.barh(names[::-1], counts[::-1], color=colour)
    axes.tick_params(labelsize=8)
