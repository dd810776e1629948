"""Reading a rules file into a RuleSet, with every problem as `file:line: key: message`.

`RulesHolder` is the running bot's handle on its rules: a reload that fails leaves the rules
it had in place and returns the problems.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.moderation.rules.compile import CompileProblems, compile_rules
from bot.moderation.rules.model import RuleSet
from bot.moderation.rules.schema import RulesFile
from bot.yamlconf import ConfigError, Problem, YamlDocument, parse_yaml, read_yaml, validate

log = logging.getLogger(__name__)


def _from_document(document: YamlDocument, known_labels: frozenset[str]) -> RuleSet:
    if not isinstance(document.data, dict):
        raise ConfigError([document.problem((), "a rules file is a mapping with at least a 'rules' list")])
    file = validate(document, RulesFile)
    try:
        return compile_rules(file, known_labels, document.path)
    except CompileProblems as exc:
        raise ConfigError([document.problem(loc, message) for loc, message in exc.problems]) from exc


def parse_rules(text: str, known_labels: frozenset[str], path: str = "<string>") -> RuleSet:
    return _from_document(parse_yaml(text, path), known_labels)


def load_rules(path: Path, known_labels: frozenset[str]) -> RuleSet:
    return _from_document(read_yaml(path), known_labels)


@dataclass(frozen=True, slots=True)
class ReloadResult:
    ok: bool
    rules: RuleSet
    problems: tuple[Problem, ...] = ()


class RulesHolder:
    def __init__(self, path: Path, known_labels: frozenset[str], rules: RuleSet) -> None:
        self.path = path
        self.known_labels = known_labels
        self._rules = rules

    @classmethod
    def load(cls, path: Path, known_labels: frozenset[str]) -> RulesHolder:
        return cls(path, known_labels, load_rules(path, known_labels))

    @property
    def current(self) -> RuleSet:
        return self._rules

    @property
    def warnings(self) -> tuple[str, ...]:
        """Problems that do not stop the rules from loading (said at start-up and in the mod log)."""
        return ()

    def for_guild(self, guild_id: int) -> RuleSet:
        """The rules file alone (no runtime exemptions): for the CLI and dry runs."""
        return self._rules

    def reload(self) -> ReloadResult:
        try:
            fresh = load_rules(self.path, self.known_labels)
        except ConfigError as exc:
            log.warning("rules reload failed, keeping the previous rules: %s", exc)
            return ReloadResult(False, self._rules, tuple(exc.problems))
        self._rules = fresh
        log.info("rules reloaded from %s: %d rules", self.path, len(fresh.rules))
        return ReloadResult(True, fresh)
