"""Regexes from the rules file must not be able to hang the bot.

Two guards: patterns run on RE2 (linear time, no backtracking at all), and patterns that would be
catastrophic on a backtracking engine (a repeat inside a repeat, like `(a+)+` or `(a|aa)*`) are refused
at load anyway, so a rules file stays safe if it is ever used elsewhere. RE2 has no lookarounds or
backreferences; such patterns are refused with that reason.
"""

from __future__ import annotations

import re
from re import _constants as sre_constants  # type: ignore[attr-defined]
from typing import Any

import re2

MAX_PATTERN = 500
_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT}


def _parse(pattern: str) -> Any:
    from re import _parser  # type: ignore[attr-defined]

    return _parser.parse(pattern)


def _first_literals(items: Any) -> set[int] | None:
    """The characters a branch can start with, or None when it is not a plain literal."""
    if not items:
        return None
    op, arg = items[0]
    if op is sre_constants.LITERAL:
        return {arg}
    if op is sre_constants.SUBPATTERN:
        return _first_literals(arg[-1])
    return None


def _overlapping_branch(branches: Any) -> bool:
    seen: set[int] = set()
    for branch in branches:
        first = _first_literals(branch)
        if first is None or first & seen:
            return True
        seen |= first
    return False


def _has_nested_repeat(items: Any, inside_repeat: bool) -> bool:
    """True if a repeat (or an alternation with overlapping branches) sits inside another repeat."""
    for op, arg in items:
        if op in _REPEATS:
            _, high, sub = arg
            unbounded = high is sre_constants.MAXREPEAT or high > 1
            nested = (unbounded and inside_repeat) or _has_nested_repeat(sub, inside_repeat or unbounded)
        elif op is sre_constants.SUBPATTERN:
            nested = _has_nested_repeat(arg[-1], inside_repeat)
        elif op is sre_constants.BRANCH:
            nested = (inside_repeat and _overlapping_branch(arg[1])) or any(
                _has_nested_repeat(branch, inside_repeat) for branch in arg[1]
            )
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            nested = _has_nested_repeat(arg[1], inside_repeat)
        else:
            nested = False
        if nested:
            return True
    return False


def check_pattern(pattern: str) -> None:
    """Raise ValueError if `pattern` is invalid, too long, or could backtrack catastrophically."""
    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"regex longer than {MAX_PATTERN} characters")
    try:
        parsed = _parse(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regex {pattern!r}: {exc}") from exc
    if _has_nested_repeat(parsed, inside_repeat=False):
        raise ValueError(
            f"regex {pattern!r} can backtrack catastrophically (a repeat or overlapping alternatives "
            "inside a repeat); rewrite it without the outer repeat"
        )
    try:
        re2.compile(pattern, _options())
    except re2.error as exc:
        raise ValueError(f"regex {pattern!r} is not supported (no lookarounds or backreferences): {exc}") from exc


def compile_safe(pattern: str) -> Any:
    """Compile a checked pattern on RE2, case-insensitive."""
    return re2.compile(f"(?i:{pattern})", _options())


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # errors are reported to the moderator, not printed to stderr
    return options
