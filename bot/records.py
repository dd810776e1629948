"""Domain records shared by both pipelines.

Every record is a frozen dataclass: values, not objects with behaviour. They cross package
boundaries (scoring -> moderation -> storage -> discord_adapter) without dragging imports along.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from bot.durations import format_duration, parse_duration


class ActionKind(enum.StrEnum):
    ALLOW = "allow"
    FLAG = "flag"
    DELETE = "delete"
    WARN = "warn"
    TIMEOUT = "timeout"
    KICK = "kick"
    BAN = "ban"
    SLOWMODE = "slowmode"  # heat control only: a thread's slowmode, `duration` the delay between messages
    LOCK = "lock"  # heat control only: lock a thread, for `duration` (None: until a moderator unlocks it)


# The actions only heat rules (`heat:` in the rules file) take: they act on a thread, not on a member.
HEAT_KINDS: frozenset[ActionKind] = frozenset({ActionKind.SLOWMODE, ActionKind.LOCK})


# Order used when several actions are carried out: remove the message first, tell the user,
# then restrict them. A ban after a kick is pointless; the enforcer skips what a stronger action covers.
ACTION_ORDER: tuple[ActionKind, ...] = (
    ActionKind.FLAG,
    ActionKind.DELETE,
    ActionKind.WARN,
    ActionKind.TIMEOUT,
    ActionKind.KICK,
    ActionKind.BAN,
    ActionKind.SLOWMODE,
    ActionKind.LOCK,
)


@dataclass(frozen=True, slots=True)
class Action:
    kind: ActionKind
    duration: timedelta | None = None  # a timeout's length, a slowmode's delay, a lock's length (None: no end)

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
        if kind is ActionKind.SLOWMODE:
            if not rest.strip():
                raise ValueError("slowmode takes the delay between messages, like 'slowmode 30s'")
            return cls(kind, parse_duration(rest))
        if kind is ActionKind.LOCK:
            return cls(kind, parse_duration(rest) if rest.strip() else None)
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
    # What the model scores, one per reading: the reading with each homograph in an ordinary slot shown in that
    # sense ("I hoe the garden" -> "I weed the garden", bot/moderation/senses.py). Empty: the readings themselves.
    model_inputs: tuple[str, ...] = ()

    def model_texts(self) -> tuple[str, ...]:
        """The texts the model scores, one per reading of `[clean, *alternatives]`."""
        return self.model_inputs or (self.clean, *self.alternatives)

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
    condition: Literal["score", "word", "pattern"] | None = None  # what kind of `when:` fired (None: a note)
    label: str | None = None  # score rules: the label and the score that reached the bound
    score: float | None = None
    reading: int | None = None  # the reading (of `[clean, *alternatives]`) it fired on; None: the raw text


class ExplanationKind(enum.StrEnum):
    SCORE = "score"  # a score rule: the words that raised the score most
    WORD = "word"  # a word list: the span that matched and the reading it matched in
    PATTERN = "pattern"  # a regex: likewise


class ExplanationMethod(enum.StrEnum):
    OCCLUSION = "occlusion"  # each word removed in turn, the variants scored in one batch: delta in score
    WORD_WEIGHTS = "word-weights"  # a linear model's own per-word weights (tf-idf x coefficient, margin units)
    MATCH = "match"  # a word or pattern rule: nothing was scored


EXPLANATION_SHOWN = 3  # contributions a one-line explanation shows


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a case's rule fired. Stored beside the case (not part of its hash chain; see bot/storage/explanations.py).

    `model` names the model whose scores (or weights) the contributions come from: a fallback says so, and its
    weights are never shown as detoxify's."""

    kind: ExplanationKind
    rule_id: str
    method: ExplanationMethod
    label: str | None = None  # score rules
    score: float | None = None
    contributions: tuple[tuple[str, float], ...] = ()  # (word, delta), largest first
    model: ModelInfo | None = None
    span: str | None = None  # word/pattern rules: the text as written that matched
    term: str | None = None  # ... and what it read as (the listed word, the pattern's match)
    reading: str | None = None  # "raw", "primary", "leet-numbers", ...

    def model_text(self) -> str:
        if self.model is None:
            return ""
        text = f"{self.model.name} {self.model.version}".strip()
        return f"FALLBACK {text}" if self.model.fallback else text

    def describe(self, shown: int = EXPLANATION_SHOWN) -> str:
        """`toxicity 0.93: "idiot" +0.61, "worthless" +0.22 [occlusion, detoxify/original ...]`, or
        `word list slurs: "ѕӏυr" in reading primary (as "slur")`."""
        if self.kind is ExplanationKind.SCORE:
            words = ", ".join(f'"{word}" {delta:+.2f}' for word, delta in self.contributions[:shown])
            head = f"{self.label} {self.score:.2f}" if self.score is not None else f"{self.label}"
            how = "occlusion" if self.method is ExplanationMethod.OCCLUSION else "linear word weights"
            return f"{head}: {words or 'no single word stands out'} [{how}, {self.model_text() or 'unknown model'}]"
        what = "word list" if self.kind is ExplanationKind.WORD else "pattern"
        where = "in the raw text" if self.reading in (None, "raw") else f"in reading {self.reading}"
        text = f'{what} {self.rule_id}: "{self.span}" {where}'
        if self.term and self.span and self.term.casefold() != self.span.casefold():
            text += f' (as "{self.term}")'
        return text


def explanation_to_json(explanation: Explanation) -> dict[str, Any]:
    model = explanation.model
    return {
        "kind": explanation.kind.value,
        "rule": explanation.rule_id,
        "method": explanation.method.value,
        "label": explanation.label,
        "score": explanation.score,
        "contributions": [[word, round(delta, 4)] for word, delta in explanation.contributions],
        "model": None if model is None else {
            "name": model.name, "version": model.version, "fallback": model.fallback, "note": model.note,
        },
        "span": explanation.span,
        "term": explanation.term,
        "reading": explanation.reading,
        "text": explanation.describe(),
    }


def explanation_from_json(data: Mapping[str, Any]) -> Explanation:
    """Inverse of `explanation_to_json` (the `text` key is derived, so it is ignored)."""
    model = data.get("model")
    return Explanation(
        kind=ExplanationKind(data["kind"]),
        rule_id=str(data["rule"]),
        method=ExplanationMethod(data["method"]),
        label=data.get("label"),
        score=data.get("score"),
        contributions=tuple((str(word), float(delta)) for word, delta in data.get("contributions") or ()),
        model=None if model is None else ModelInfo(
            str(model["name"]), str(model["version"]), bool(model["fallback"]), str(model.get("note") or "")
        ),
        span=data.get("span"),
        term=data.get("term"),
        reading=data.get("reading"),
    )


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
    explanation: Explanation | None = None  # why the rule fired; stored beside the case, outside its hash chain


def case_to_json(case: Case) -> dict[str, Any]:
    """A case as plain JSON types: for `modbot cases --format json` and exports."""
    return {
        "id": case.id,
        "guild_id": case.guild_id,
        "number": case.number,
        "created_at": case.created_at.isoformat(),
        "user_id": case.user_id,
        "channel_id": case.channel_id,
        "message_id": case.message_id,
        "actor": case.actor.value,
        "actor_id": case.actor_id,
        "rule": case.rule_id,
        "actions": [str(action) for action in case.actions],
        "reason": case.reason,
        "text": case.text,
        "scores": dict(case.scores),
        "model": case.model_name,
        "model_version": case.model_version,
        "model_fallback": case.model_fallback,
        "variant": case.variant.value if case.variant else None,
        "status": case.status.value,
        "notified": case.notified,
        "errors": list(case.errors),
        "applied": [kind.value for kind in case.applied],
        "reversed_by": case.reversed_by,
        "reversed_at": case.reversed_at.isoformat() if case.reversed_at else None,
        "reverse_reason": case.reverse_reason,
        "explanation": explanation_to_json(case.explanation) if case.explanation else None,
    }


@dataclass(frozen=True, slots=True)
class ModerationOutcome:
    event: MessageEvent
    normalized: NormalizedText
    scores: Scores
    decision: Decision
    case: Case | None
    enforcement: Enforcement
    duplicate: bool = False


# -- Heat control: timed undos of a thread's slowmode or lock (bot/moderation/timed.py) ---------------------------


HEAT_USER_ID = 0  # a heat case's user: nobody (it acts on a thread); no member's history or strikes count it


class TimedKind(enum.StrEnum):
    UNLOCK = "unlock"  # unlock the thread
    SLOWMODE_RESET = "slowmode_reset"  # set the thread's slowmode back to `value` seconds


@dataclass(frozen=True, slots=True)
class TimedAction:
    """An undo of a heat case's action: run at `due_at`, or when the case is reversed (`due_at` None: only then)."""

    id: int
    guild_id: int
    case_id: int
    channel_id: int
    kind: TimedKind
    due_at: datetime | None
    value: int | None = None  # slowmode_reset: the delay the thread had before, in seconds
    done_at: datetime | None = None
    outcome: str | None = None  # "done", "reversed", "cancelled: ...", or what failed


# -- Case log: queries and notes -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseQuery:
    guild_id: int | None = None
    user_id: int | None = None
    since: datetime | None = None
    limit: int = 1000
    offset: int = 0


@dataclass(frozen=True, slots=True)
class CaseNote:
    case_id: int
    author_id: int
    body: str
    created_at: datetime


# -- Review queue --------------------------------------------------------------------------------------------------


class ReviewStatus(enum.StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REMOVED = "removed"
    TIMED_OUT = "timed_out"


@dataclass(frozen=True, slots=True)
class ReviewDraft:
    guild_id: int
    case_id: int | None
    channel_id: int
    message_id: int | None
    user_id: int
    text: str | None


@dataclass(frozen=True, slots=True)
class ReviewItem:
    id: int
    guild_id: int
    case_id: int | None
    channel_id: int
    message_id: int | None
    user_id: int
    text: str | None
    status: ReviewStatus
    review_message_id: int | None
    reviewer_id: int | None
    decided_at: datetime | None
    created_at: datetime


# -- Appeals -------------------------------------------------------------------------------------------------------


class AppealStatus(enum.StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    DENIED = "denied"


@dataclass(frozen=True, slots=True)
class Appeal:
    id: int
    case_id: int
    user_id: int
    body: str
    status: AppealStatus
    review_message_id: int | None
    reviewer_id: int | None
    outcome_note: str | None
    decided_at: datetime | None
    created_at: datetime


# -- Exemptions added at runtime -----------------------------------------------------------------------------------


class ExemptKind(enum.StrEnum):
    ROLE = "role"
    USER = "user"


# -- Feeds added at runtime ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuntimeFeed:
    url: str
    channel_id: int
    name: str | None
    guild_id: int
    added_by: int
    added_at: datetime


# -- Statistics ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatsScope:
    guild_id: int
    since: datetime
    channel_id: int | None = None  # an article's discussion thread


@dataclass(frozen=True, slots=True)
class RawStats:
    actions: dict[str, int]  # action kind -> cases that took it (shadow cases excluded)
    rules: dict[str, int]  # rule id -> cases
    judged: int  # messages judged
    acted: int  # messages whose decision was more than "allow"
    verdicts: dict[str, int]  # review status -> items decided


# -- The digest's stored state (written by storage, read by the digest) --------------------------------------------


@dataclass(frozen=True, slots=True)
class NewArticle:
    dedupe_key: str
    title: str
    link: str | None
    published: datetime | None


@dataclass(frozen=True, slots=True)
class FeedState:
    url: str
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    next_poll_at: datetime | None = None
    last_error: str | None = None
    last_polled_at: datetime | None = None
    primed: bool = False  # the first poll happened: what was there then is marked seen


@dataclass(frozen=True, slots=True)
class PostedRef:
    channel_id: int
    message_id: int
    thread_id: int | None = None


@dataclass(frozen=True, slots=True)
class StoredArticle:
    id: int
    feed_url: str | None
    dedupe_key: str
    title: str
    link: str | None
    published: datetime | None
    seen_at: datetime
    status: str  # "seen" (first poll, never posted), "pending", "posted", "skipped", "failed"
    posted: PostedRef | None = None


@dataclass(frozen=True, slots=True)
class GuildExemptions:
    """Roles and users exempted with /exempt add in one server (never in another)."""

    roles: frozenset[int] = frozenset()
    users: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Erased:
    """What `modbot purge` or `modbot forget` erased."""

    cases: int
    review_items: int
    scored_messages: int
    strikes: int = 0


@dataclass(frozen=True, slots=True)
class SuggestedScore:
    """A client's verdict on a comment (Perspective's `comments:suggestscore`): the scores it says are right.

    `text` is None when the client asked `doNotStore` or the service keeps no text; `text_sha256` is always
    there, so a verdict can still be matched to a later case about the same text.
    """

    key_id: str  # a short hash of the API key, never the key
    text: str | None
    text_sha256: str
    scores: Mapping[str, float]  # Perspective attribute -> value in [0, 1]
    languages: tuple[str, ...] = ()
    community_id: str | None = None
    client_token: str | None = None
    created_at: datetime | None = None  # set by the store


# -- The case log's hash chain ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last entry of the chain: `entries` counts cases and case events together."""

    entries: int
    hash: str

    def __str__(self) -> str:
        return f"#{self.entries} {self.hash}"

    @classmethod
    def parse(cls, text: str) -> ChainHead:
        """`N:HASH` (or `#N HASH`, as `modbot cases verify` prints it)."""
        cleaned = text.strip().lstrip("#").replace(" ", ":", 1)
        number, _, digest = cleaned.partition(":")
        digest = digest.strip().lower()
        if not number.strip().isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"{text!r} is not a chain head like 1234:<64 hex digits>")
        return cls(int(number), digest)


# -- Policy evidence: moderators' verdicts and judged messages (calibrate, rules preview) --------------------------


class VerdictSource(enum.StrEnum):
    REVIEW = "review"  # a review item's verdict: approved = the flag was wrong; removed/timed out = right
    REVERSAL = "reversal"  # the case was reversed: wrong
    APPEAL = "appeal"  # an upheld appeal: wrong


@dataclass(frozen=True, slots=True)
class CaseVerdict:
    """One moderator's judgement on an automatic case: was the rule right to fire?"""

    case_id: int
    rule_id: str
    scores: Mapping[str, float]
    correct: bool
    source: VerdictSource
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class JudgedMessage:
    """A stored judged message (scored_messages): its text is None once purged."""

    message_id: int
    guild_id: int
    channel_id: int
    user_id: int
    scored_at: datetime
    model_name: str | None
    scores: Mapping[str, float]
    decision: str  # the actions taken, as "delete,warn"
    text: str | None
