"""Builds modbot's objects from settings and wires them together. Nothing here runs at import time.

    async with App.open(settings) as app:
        pipeline = app.pipeline(enforcer)
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.moderation.pipeline import ModerationPipeline
from bot.moderation.rules import RuleSet, RulesHolder
from bot.protocols import Clock, Enforcer, Scorer
from bot.settings import Settings
from bot.storage import Database
from bot.storage.cases import CaseRepository
from bot.storage.messages import MessageLog

log = logging.getLogger(__name__)


def utc_clock() -> datetime:
    return datetime.now(UTC)


def rule_labels(settings: Settings, scorer: Scorer | None) -> frozenset[str]:
    """Labels a rules file may name: the configured model's (and the fallback's), or an injected scorer's."""
    if scorer is not None:
        return scorer.labels
    from bot.scoring.factory import known_labels

    return known_labels(settings.scoring)


def load_rules_holder(settings: Settings, scorer: Scorer | None = None) -> RulesHolder:
    """Typo'd labels refuse the file; real labels the scorer lacks load, listed in `holder.warnings`."""
    from bot.scoring.factory import scorer_name
    from bot.scoring.labels import ALL_LABELS

    live = rule_labels(settings, scorer)
    name = scorer.model.name if scorer is not None else scorer_name(settings.scoring)
    return RulesHolder.load(settings.rules_path, live, ALL_LABELS, name)


async def open_scorer(settings: Settings) -> Scorer:
    from bot.scoring.factory import open_scorer as open_configured

    return await open_configured(settings.scoring)


@dataclass
class App:
    settings: Settings
    db: Database
    cases: CaseRepository
    messages: MessageLog
    rules: RulesHolder
    scorer: Scorer
    clock: Clock

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls, settings: Settings, *, scorer: Scorer | None = None, clock: Clock | None = None
    ) -> AsyncIterator[App]:
        # Rules first: a broken rules file should stop start-up before a model is loaded.
        rules = load_rules_holder(settings, scorer)
        owned_scorer = scorer is None
        live_scorer = scorer if scorer is not None else await open_scorer(settings)
        if owned_scorer:  # judge the rules by the scorer that really loaded (the fallback, perhaps)
            from bot.scoring.factory import rule_labels as live_rule_labels

            model = live_scorer.model
            rules.set_live(live_rule_labels(settings.scoring, live_scorer.labels, model.fallback), model.name)
        try:
            async with Database.open(settings.database) as db:
                log.info("scoring with %s", live_scorer.model.describe())
                yield cls(
                    settings=settings,
                    db=db,
                    cases=CaseRepository(db),
                    messages=MessageLog(db),
                    rules=rules,
                    scorer=live_scorer,
                    clock=clock or utc_clock,
                )
        finally:
            if owned_scorer:
                await live_scorer.close()

    def pipeline(self, enforcer: Enforcer, rules: Callable[[], RuleSet] | None = None) -> ModerationPipeline:
        """The moderation pipeline acting through `enforcer`; `rules` can wrap the rules in force
        (the bot merges its runtime exemptions in this way)."""
        return ModerationPipeline(
            scorer=self.scorer,
            rules=rules or (lambda: self.rules.current),
            store=self.cases,
            enforcer=enforcer,
            clock=self.clock,
            on_timeout=self.settings.scoring.on_timeout,
        )
