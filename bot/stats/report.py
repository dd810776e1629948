"""Turns the stored counts into the figures `/stats` shows: actions by type, top rules, flagged rate and
how often moderators agreed with the bot in review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.durations import format_duration
from bot.records import RawStats, StatsScope


class StatsSource(Protocol):
    async def collect(self, scope: StatsScope) -> RawStats: ...


@dataclass(frozen=True, slots=True)
class StatsReport:
    period: timedelta
    article: str | None  # the article's title when the stats are for one discussion thread
    actions: tuple[tuple[str, int], ...]  # most frequent first
    top_rules: tuple[tuple[str, int], ...]
    judged: int
    acted: int
    reviewed: int
    agreed: int  # review verdicts that kept the bot's action (removed, timed out)

    @property
    def flagged_rate(self) -> float | None:
        return self.acted / self.judged if self.judged else None

    @property
    def agreement(self) -> float | None:
        return self.agreed / self.reviewed if self.reviewed else None

    def lines(self) -> list[str]:
        scope = f" in “{self.article}”" if self.article else ""
        out = [f"**Moderation, last {format_duration(self.period)}{scope}**"]
        rate = self.flagged_rate
        out.append(
            f"Messages judged: {self.judged}; acted on: {self.acted}"
            + (f" ({rate:.1%})" if rate is not None else "")
        )
        out.append("Actions: " + (", ".join(f"{kind} {count}" for kind, count in self.actions) or "none"))
        out.append("Top rules: " + (", ".join(f"{rule} {count}" for rule, count in self.top_rules) or "none"))
        agreement = self.agreement
        out.append(
            f"Review agreement: {agreement:.0%} of {self.reviewed} verdicts kept the bot's action"
            if agreement is not None
            else "Review agreement: no verdicts in this period"
        )
        return out


def build_report(raw: RawStats, period: timedelta, article: str | None = None, top: int = 5) -> StatsReport:
    ranked_actions = tuple(sorted(raw.actions.items(), key=lambda pair: (-pair[1], pair[0])))
    ranked_rules = tuple(sorted(raw.rules.items(), key=lambda pair: (-pair[1], pair[0]))[:top])
    reviewed = sum(raw.verdicts.values())
    agreed = raw.verdicts.get("removed", 0) + raw.verdicts.get("timed_out", 0)
    return StatsReport(period, article, ranked_actions, ranked_rules, raw.judged, raw.acted, reviewed, agreed)


async def collect_report(
    source: StatsSource, guild_id: int, now: datetime, period: timedelta,
    channel_id: int | None = None, article: str | None = None,
) -> StatsReport:
    raw = await source.collect(StatsScope(guild_id, now - period, channel_id))
    return build_report(raw, period, article)
