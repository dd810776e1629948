"""The whole decision on one message, the same wherever it is made: the live pipeline, `modbot rules preview`
(and `/rules preview`) and `modbot backtest`. The rules' pure function first, then the use/mention review, so
that a preview of a rules change (`mentions: enforce`, say) shows what the live bot would do."""

from __future__ import annotations

from bot.moderation.mention import review_mentions
from bot.moderation.rules import RuleInput, RuleSet, decide
from bot.records import Decision


def decide_message(rules: RuleSet, given: RuleInput) -> Decision:
    """`decide`, then `review_mentions`: a removal of a word that is reported or discussed becomes a flag."""
    return review_mentions(decide(rules, given), given.text, rules)
