"""The rules engine: a rules file becomes a `RuleSet` (pure data); `decide` is a pure function of it."""

from bot.moderation.rules.engine import RuleInput, decide
from bot.moderation.rules.loader import RulesHolder, load_rules, parse_rules
from bot.moderation.rules.model import RuleSet

__all__ = ["RuleInput", "RuleSet", "RulesHolder", "decide", "load_rules", "parse_rules"]
