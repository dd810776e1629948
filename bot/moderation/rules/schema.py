"""The rules file as written by moderators, validated with pydantic. See README "Rules file".

This layer checks shape and values (durations, actions, regex safety, templates). `compile.py`
turns the validated file into the engine's `RuleSet`; `loader.py` adds file/line to every problem.
"""

from __future__ import annotations

import string
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from bot.durations import parse_duration
from bot.moderation.rules.regexes import check_pattern
from bot.records import HEAT_KINDS, Action, ActionKind


def _duration_text(value: str) -> str:
    parse_duration(value)  # raises ValueError: "invalid duration ..."
    return value


DurationText = Annotated[str, AfterValidator(_duration_text)]  # a window as the file writes it ("24h", "10m")

TEMPLATE_FIELDS = frozenset({"rule", "description", "labels", "user", "channel", "appeal"})
MAX_TIMEOUT = timedelta(days=28)  # Discord refuses longer timeouts ("communication disabled until")
MAX_SLOWMODE = timedelta(hours=6)  # Discord's largest slowmode delay


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _parse_action(value: Any) -> Action:
    """`delete`, `timeout 1h`, or `{timeout: 1h}`: a message rule's action (never a heat rule's)."""
    action = _parse_any_action(value)
    if action.kind in HEAT_KINDS:
        raise ValueError(f"{action.kind.value!r} acts on a thread: it belongs under heat[].actions, not here")
    return action


def _parse_heat_action(value: Any) -> Action:
    """`slowmode 30s`, `lock 2h` or `lock`: what a heat rule does to a thread."""
    action = _parse_any_action(value)
    if action.kind not in HEAT_KINDS:
        raise ValueError(f"heat rules take 'slowmode <delay>' or 'lock [duration]', not {action.kind.value!r}")
    if action.kind is ActionKind.SLOWMODE and action.duration is not None and action.duration > MAX_SLOWMODE:
        raise ValueError(f"{str(action)!r}: Discord caps slowmode at 6h; use 6h or less")
    return action


def _parse_any_action(value: Any) -> Action:
    if isinstance(value, Action):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((name, arg),) = value.items()
        value = f"{name} {arg}"
    if not isinstance(value, str):
        raise ValueError(f"an action is a name like 'delete' or 'timeout 1h', not {value!r}")
    name = value.strip().split(" ", 1)[0].lower()
    if name not in {kind.value for kind in ActionKind}:
        choices = ", ".join(kind.value for kind in ActionKind)
        raise ValueError(f"unknown action {name!r}; choose from {choices}")
    try:
        action = Action.parse(value)
    except ValueError as exc:
        raise ValueError(str(exc)) from exc
    if action.kind is ActionKind.TIMEOUT and action.duration is not None and action.duration > MAX_TIMEOUT:
        raise ValueError(
            f"{value.strip()!r}: Discord caps timeouts at 28 days; use 28d or less, or 'ban'"
        )
    return action


ActionSpec = Annotated[Action, BeforeValidator(_parse_action)]
HeatActionSpec = Annotated[Action, BeforeValidator(_parse_heat_action)]


def _check_template(value: str | None) -> str | None:
    if value is None:
        return value
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
    except ValueError as exc:
        raise ValueError(f"bad message template: {exc}") from exc
    unknown = {name for name in fields if name not in TEMPLATE_FIELDS}
    if unknown or any(not name for name in fields):
        raise ValueError(
            f"unknown template field(s) {sorted(unknown) or ['{}']}; use {sorted(TEMPLATE_FIELDS)}"
        )
    return value


class ScoreBand(_Strict):
    """Fires when `min <= score(label) < max`."""

    label: str
    min: float = Field(default=0.0, ge=0.0, le=1.0)
    max: float = Field(default=1.0, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> ScoreBand:
        if self.min >= self.max and not (self.min == self.max == 1.0):
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        return self


class Condition(_Strict):
    """What makes a rule fire: exactly one of a score band, a word list, or regexes."""

    score: ScoreBand | None = None
    words: tuple[str, ...] | None = None
    word_list: str | None = None  # name of an entry in `word_lists`
    regex: tuple[str, ...] | None = None

    @field_validator("regex")
    @classmethod
    def _safe_regexes(cls, patterns: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for pattern in patterns or ():
            check_pattern(pattern)
        return patterns

    @field_validator("words")
    @classmethod
    def _non_empty_words(cls, words: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if words is not None and any(not word.strip() for word in words):
            raise ValueError("word lists cannot contain empty entries")
        return words

    @model_validator(mode="after")
    def _exactly_one(self) -> Condition:
        given = [
            name for name in ("score", "words", "word_list", "regex") if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of score, words, word_list or regex"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class RuleSpec(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
    description: str = ""
    when: Condition
    actions: tuple[ActionSpec, ...] = Field(min_length=1)
    priority: int = 0
    mode: Literal["enforce", "shadow"] = "enforce"
    strike: bool | None = None  # default: true when the rule removes or restricts
    message: str | None = None
    enabled: bool = True
    # flag: a word that is quoted, reported or discussed (see bot/moderation/mention.py) is only flagged
    mentions: Literal["flag", "enforce"] = "flag"

    @field_validator("message")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        return _check_template(value)


class Override(_Strict):
    """A profile's change to one rule."""

    min: float | None = Field(default=None, ge=0.0, le=1.0)
    max: float | None = Field(default=None, ge=0.0, le=1.0)
    actions: tuple[ActionSpec, ...] | None = None
    mode: Literal["enforce", "shadow"] | None = None
    enabled: bool | None = None


class ProfileSpec(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    channels: tuple[int, ...] = ()
    articles: tuple[int, ...] = ()
    overrides: dict[str, Override] = Field(default_factory=dict)


class EscalationSpec(_Strict):
    strikes: int = Field(ge=1)
    within: DurationText
    actions: tuple[ActionSpec, ...] = Field(min_length=1)


class HeatWhen(_Strict):
    """When a thread is heated: at least `min_messages` judged within `within`, and `removed_share` of them removed."""

    removed_share: float
    within: DurationText
    min_messages: int = Field(default=10, ge=1)

    @field_validator("removed_share")
    @classmethod
    def _share(cls, value: float) -> float:
        if not 0.0 < value <= 1.0:
            raise ValueError("must be between 0 and 1 (a share of the messages, like 0.25)")
        return value


class HeatSpec(_Strict):
    """A heat rule: when a thread's window is this heated, slow it down or lock it."""

    when: HeatWhen
    actions: tuple[HeatActionSpec, ...] = Field(min_length=1)


class ExemptSpec(_Strict):
    roles: tuple[int, ...] = ()
    users: tuple[int, ...] = ()
    channels: tuple[int, ...] = ()


class RulesFile(_Strict):
    version: Literal[1] = 1
    appeal: str = "If you think this was a mistake, use the Appeal button or write to the moderators."
    message: str = (
        'Your message broke the rule "{rule}" ({labels}). {appeal}'
    )
    exempt: ExemptSpec = ExemptSpec()
    allow: tuple[str, ...] = ()  # words and phrases never matched by word lists
    word_lists: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    rules: tuple[RuleSpec, ...] = Field(min_length=1)
    profiles: tuple[ProfileSpec, ...] = ()
    escalation: tuple[EscalationSpec, ...] = ()
    heat: tuple[HeatSpec, ...] = ()

    @field_validator("message")
    @classmethod
    def _template(cls, value: str) -> str:
        _check_template(value)
        return value
