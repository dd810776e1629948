"""Domain records shared by both pipelines.

Every record is a frozen dataclass: values, not objects with behaviour. They cross package
boundaries (scoring -> moderation -> storage -> discord_adapter) without dragging imports along.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.durations import format_duration, parse_duration


class ActionKind(enum.StrEnum):
    ALLOW = "allow"
    FLAG = "flag"
    DELETE = "delete"
    WARN = "warn"
    TIMEOUT = "timeout"
    KICK = "kick"
    BAN = "ban"


# Order used when several actions are carried out: remove the message first, tell the user,
# then restrict them. A ban after a kick is pointless; the enforcer skips what a stronger action covers.
ACTION_ORDER: tuple[ActionKind, ...] = (
    ActionKind.FLAG,
    ActionKind.DELETE,
    ActionKind.WARN,
    ActionKind.TIMEOUT,
    ActionKind.KICK,
    ActionKind.BAN,
)


@dataclass(frozen=True, slots=True)
class Action:
    kind: ActionKind
    duration: timedelta | None = None  # timeouts only

    def __str__(self) -> str:
        if self.duration is None:
            return self.kind.value
        return f"{self.kind.value} {format_duration(self.duration)}"

    @classmethod
    def parse(cls, text: str) -> Action:
        """Inverse of `str()`: `"timeout 1h"` -> Action(TIMEOUT, 1h). Raises ValueError."""
        name, _, rest = text.strip().partition(" ")
        kind = ActionKind(name.lower())
        if kind is ActionKind.TIMEOUT:
            return cls(kind, parse_duration(rest or "1h"))
        if rest.strip():
            raise ValueError(f"{kind.value} takes no duration")
        return cls(kind)


class Actor(enum.StrEnum):
    AUTO = "auto"
    MODERATOR = "moderator"


class Variant(enum.StrEnum):
    """Which form of the text made a rule fire."""

    RAW = "raw"
    NORMALIZED = "normalized"


@dataclass(frozen=True, slots=True)
class MessageEvent:
    """A message (or an edit of one) that the moderation pipeline is asked to judge."""

    guild_id: int
    channel_id: int
    message_id: int
    author_id: int
    content: str
    created_at: datetime
    author_roles: frozenset[int] = frozenset()
    parent_channel_id: int | None = None  # the text/forum channel a thread belongs to
    author_name: str = ""
    edited: bool = False
    article_id: int | None = None


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """Which model produced a set of scores. `fallback` is true when it is not the configured model."""

    name: str  # e.g. "detoxify/original", "profanity-check"
    version: str
    fallback: bool = False
    note: str = ""  # e.g. why the fallback is live

    def describe(self) -> str:
        text = f"{self.name} {self.version}".strip()
        if self.fallback:
            text += " (FALLBACK: detoxify unavailable" + (f": {self.note}" if self.note else "") + ")"
        return text


@dataclass(frozen=True, slots=True)
class Scores:
    values: Mapping[str, float]
    model: ModelInfo
    timed_out: bool = False  # the scorer gave up; the settings decide what that means

    def get(self, label: str) -> float | None:
        return self.values.get(label)


@dataclass(frozen=True, slots=True)
class NormalizedText:
    raw: str
    clean: str  # NFKC, no format chars or zalgo marks, confusables folded, leet folded, spacing joined
    normalized: str  # `clean`, case-folded: what word lists and regexes see (plus other readings, a line each)
    alternatives: tuple[str, ...] = ()  # other plausible readings the model should also score
    names: tuple[str, ...] = ()  # what each alternative reads differently, e.g. "stretched-doubles"

    def reading_name(self, index: int) -> str:
        """Name of reading `index` of `[clean, *alternatives]` (also line `index` of `normalized`)."""
        if index <= 0:
            return "primary"
        return self.names[index - 1] if index - 1 < len(self.names) else f"alternative {index}"

    @property
    def changed(self) -> bool:
        return self.raw.casefold() != self.normalized


@dataclass(frozen=True, slots=True)
class RuleHit:
    rule_id: str
    variant: Variant
    detail: str  # human readable: "toxicity 0.93 >= 0.90", "word 'idiot'"
    term: str | None = None  # the listed word or pattern that matched (none for score rules)


@dataclass(frozen=True, slots=True)
class Decision:
    actions: tuple[Action, ...]
    rule_id: str | None = None
    hits: tuple[RuleHit, ...] = ()
    shadow_hits: tuple[RuleHit, ...] = ()
    shadow_actions: tuple[Action, ...] = ()
    strike: bool = False
    escalation: str | None = None  # e.g. "3 strikes in 1d"
    user_message: str | None = None
    exempt_reason: str | None = None

    @property
    def kinds(self) -> frozenset[ActionKind]:
        return frozenset(action.kind for action in self.actions)

    @property
    def is_allow(self) -> bool:
        return all(action.kind is ActionKind.ALLOW for action in self.actions)

    @property
    def variant(self) -> Variant | None:
        for hit in self.hits:
            if hit.rule_id == self.rule_id:
                return hit.variant
        return self.hits[0].variant if self.hits else None


@dataclass(frozen=True, slots=True)
class Enforcement:
    """What the enforcer actually managed to do on Discord."""

    applied: tuple[ActionKind, ...] = ()
    errors: tuple[str, ...] = ()  # "timeout: 403 Missing Permissions (50013)"
    notified: bool | None = None  # None: no DM was due


class CaseStatus(enum.StrEnum):
    ACTIVE = "active"
    SHADOW = "shadow"
    REVERSED = "reversed"


@dataclass(frozen=True, slots=True)
class CaseDraft:
    """A decision about to be written: everything a case holds except its number."""

    guild_id: int
    user_id: int
    channel_id: int
    message_id: int | None
    actor: Actor
    actor_id: int | None
    rule_id: str | None
    actions: tuple[Action, ...]
    reason: str
    text: str
    scores: Mapping[str, float] = field(default_factory=dict)
    model: ModelInfo | None = None
    variant: Variant | None = None
    shadow: bool = False
    strike: bool = False
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    guild_id: int
    number: int
    created_at: datetime
    user_id: int
    channel_id: int
    message_id: int | None
    actor: Actor
    actor_id: int | None
    rule_id: str | None
    actions: tuple[Action, ...]
    reason: str
    text: str | None
    scores: Mapping[str, float]
    model_name: str | None
    model_version: str | None
    model_fallback: bool
    variant: Variant | None
    status: CaseStatus
    notified: bool | None
    errors: tuple[str, ...]
    applied: tuple[ActionKind, ...]
    reversed_by: int | None = None
    reversed_at: datetime | None = None
    reverse_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ModerationOutcome:
    event: MessageEvent
    normalized: NormalizedText
    scores: Scores
    decision: Decision
    case: Case | None
    enforcement: Enforcement
    duplicate: bool = False
