"""Stats figures from stored counts, and the chart is a real PNG."""

from __future__ import annotations

from datetime import timedelta

from bot.records import RawStats
from bot.stats.chart import render_png
from bot.stats.report import build_report


def test_figures_rank_actions_and_rules_and_compute_rates() -> None:
    raw = RawStats(actions={"delete": 3, "warn": 2, "flag": 4}, rules={"toxic": 2, "slurs": 1, "(by hand)": 1},
                   judged=40, acted=6, verdicts={"removed": 2, "approved": 1, "timed_out": 1})
    report = build_report(raw, timedelta(days=7), top=2)
    assert report.actions == (("flag", 4), ("delete", 3), ("warn", 2))
    assert report.top_rules == (("toxic", 2), ("(by hand)", 1))
    assert report.flagged_rate == 0.15 and report.agreement == 0.75
    text = "\n".join(report.lines())
    assert "last 1w" in text and "(15.0%)" in text and "75% of 4 verdicts" in text


def test_empty_period_has_no_rates_and_still_draws_a_png() -> None:
    report = build_report(RawStats({}, {}, 0, 0, {}), timedelta(days=1))
    assert report.flagged_rate is None and report.agreement is None
    png = render_png(report)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
