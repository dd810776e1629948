"""Reading a rules file into a RuleSet, with every problem as `file:line: key: message`.

`RulesHolder` is the running bot's handle on its rules: a reload that fails leaves the rules
it had in place and returns the problems.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from bot.moderation.rules.compile import CompileProblems, compile_rules, label_uses
from bot.moderation.rules.model import LabelUse, RuleSet
from bot.moderation.rules.schema import RulesFile
from bot.yamlconf import ConfigError, Problem, YamlDocument, format_loc, parse_yaml, read_yaml, validate

log = logging.getLogger(__name__)


def _from_document(
    document: YamlDocument, live_labels: frozenset[str], known_labels: frozenset[str] | None, scorer: str
) -> RuleSet:
    if not isinstance(document.data, dict):
        raise ConfigError([document.problem((), "a rules file is a mapping with at least a 'rules' list")])
    file = validate(document, RulesFile)
    try:
        rules = compile_rules(file, live_labels, document.path, known_labels)
    except CompileProblems as exc:
        raise ConfigError([document.problem(loc, message) for loc, message in exc.problems]) from exc
    uses = tuple(
        LabelUse(label, rule_id, f"{document.path}:{document.line_of(loc)}: {format_loc(loc)}")
        for loc, label, rule_id in label_uses(file)
    )
    rules = replace(rules, label_uses=uses)
    return replace(rules, warnings=rules.unfireable(live_labels, scorer))


def parse_rules(
    text: str,
    live_labels: frozenset[str],
    path: str = "<string>",
    known_labels: frozenset[str] | None = None,
    scorer: str = "",
) -> RuleSet:
    """See `load_rules`."""
    return _from_document(parse_yaml(text, path), live_labels, known_labels, scorer)


def load_rules(
    path: Path, live_labels: frozenset[str], known_labels: frozenset[str] | None = None, scorer: str = ""
) -> RuleSet:
    """Read and compile a rules file; raises ConfigError listing every problem.

    `live_labels`: what the live scorer (named `scorer` in messages) produces. `known_labels`: every label some
    scorer can produce. A label in neither is an error (a typo); a known label the live scorer lacks loads, and
    the rules that need it are listed in `RuleSet.warnings` (they cannot fire). Without `known_labels`, any
    label the live scorer lacks is an error.
    """
    return _from_document(read_yaml(path), live_labels, known_labels, scorer)


@dataclass(frozen=True, slots=True)
class ReloadResult:
    ok: bool
    rules: RuleSet
    problems: tuple[Problem, ...] = ()

    @property
    def warnings(self) -> tuple[str, ...]:
        """The rules in force that cannot fire with the live scorer (see `RuleSet.warnings`)."""
        return self.rules.warnings


class RulesHolder:
    """The rules in force. `warnings` lists the rules that load but cannot fire with the live scorer."""

    def __init__(
        self,
        path: Path,
        live_labels: frozenset[str],
        rules: RuleSet,
        known_labels: frozenset[str] | None = None,
        scorer: str = "",
    ) -> None:
        self.path = path
        self.live_labels = live_labels
        self.known_labels = known_labels
        self.scorer = scorer
        self._rules = rules

    @classmethod
    def load(
        cls, path: Path, live_labels: frozenset[str], known_labels: frozenset[str] | None = None, scorer: str = ""
    ) -> RulesHolder:
        """See `load_rules`. Raises ConfigError."""
        rules = load_rules(path, live_labels, known_labels, scorer)
        return cls(path, live_labels, rules, known_labels, scorer)

    @property
    def current(self) -> RuleSet:
        return self._rules

    @property
    def warnings(self) -> tuple[str, ...]:
        """`path:line: key: 'threat' is not produced by the live scorer (...): rule 'threats' cannot fire`, one
        per rule that cannot fire; empty when every rule can."""
        return self._rules.warnings

    def set_live(self, live_labels: frozenset[str], scorer: str = "") -> tuple[str, ...]:
        """Once the scorer is open: judge the rules (these and later reloads) by what it really produces.

        Refuses nothing (the rules are already in force); returns the new `warnings`.
        """
        self.known_labels = (self.known_labels or frozenset()) | self.live_labels  # accepted before: still valid
        self.live_labels = live_labels
        self.scorer = scorer
        self._rules = replace(self._rules, warnings=self._rules.unfireable(live_labels, scorer))
        return self._rules.warnings

    def for_guild(self, guild_id: int) -> RuleSet:
        """The rules file alone (no runtime exemptions): for the CLI and dry runs."""
        return self._rules

    def reload(self) -> ReloadResult:
        try:
            fresh = load_rules(self.path, self.live_labels, self.known_labels, self.scorer)
        except ConfigError as exc:
            log.warning("rules reload failed, keeping the previous rules: %s", exc)
            return ReloadResult(False, self._rules, tuple(exc.problems))
        self._rules = fresh
        log.info("rules reloaded from %s: %d rules", self.path, len(fresh.rules))
        for warning in fresh.warnings:
            log.warning("rules: %s", warning)
        return ReloadResult(True, fresh)
