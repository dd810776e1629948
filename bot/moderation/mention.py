"""Use or mention: someone who quotes a word to report it, or discusses a word, is not using it.

`review_mentions` is a pure function of (decision, the message's readings, the rule set). When the deciding rule
removes or restricts and the matched word (or, for a score rule, the message) sits in a frame of mention, the
removal becomes a flag for a moderator, with a reason saying which frame was seen:

- quotation: every use of the word is inside quotes ("...", “...”, '...', `...`, «...»);
- reporting: a reporting verb introduces it ("called me X", "said X", "keeps typing X", "calling everyone a X"; not
  "I'm calling you a X");
- metalinguistic: the word is talked about ("the word X", "the term X", "X comes from", "X means");
- addressed to moderators ("mods", "@moderators", "can a mod look"), which supports the other frames.

An unframed use anywhere in the message ("'idiot' is what you are, idiot") keeps the rule's actions. A rule
with `mentions: enforce` in the rules file turns this off.
"""

from __future__ import annotations

import functools
import re

from bot.moderation.normalize import tokens
from bot.moderation.rules.model import Rule, RuleSet
from bot.moderation.rules.words import WordMatcher
from bot.records import Action, ActionKind, Decision, NormalizedText, RuleHit

MENTION_NOTE = "use/mention"

_QUOTED = re.compile(
    r"\"[^\"\n]{1,300}\"|“[^”\n]{1,300}”|„[^“”\n]{1,300}[“”]|«[^»\n]{1,300}»|`[^`\n]{1,300}`"
    r"|(?<![^\W_])'[^'\n]{1,300}'(?![^\W_])|‘[^’\n]{1,300}’"
)
# Words right before a listed word that report or discuss it rather than use it.
_CUES_BEFORE = (
    ("called", "me"), ("calling", "me"), ("call", "me"), ("called", "him"), ("called", "her"), ("called", "them"),
    ("called", "us"), ("called", "my"), ("called",), ("calls", "me"), ("calls",), ("calling",),
    ("said",), ("says",), ("saying",), ("say",), ("wrote",), ("writes",), ("typed",), ("typing",),
    ("posted",), ("posting",), ("posts",), ("yelled",), ("shouted",), ("used",), ("uses",), ("using",),
    ("word",), ("words",), ("term",), ("terms",), ("slur",), ("slurs",), ("insult",), ("spelled",),
    ("spell",), ("meaning", "of"), ("origin", "of"), ("etymology", "of"), ("history", "of"), ("use", "of"),
    ("called", "you"), ("calls", "you"),
)
# What may stand between a cue and the word: "called me a X", "the word X".
_FILLERS = frozenset((
    "a", "an", "the", "me", "him", "her", "them", "us", "it", "that", "this", "my", "his", "their", "our"
))
_CUES_AFTER = (
    ("comes", "from"), ("came", "from"), ("means",), ("meant",), ("derives",), ("is", "a", "slur"),
    ("is", "offensive"), ("is", "a", "word"), ("is", "an", "insult"), ("was", "used"), ("has", "been"),
    ("originally",), ("in", "greek"), ("in", "latin"),
)
_REPORTING = frozenset((
    "called", "calling", "calls", "call", "said", "says", "saying", "wrote", "typed", "posted", "yelled", "shouted",
    "told", "keeps", "kept", "dmed", "dm'd", "messaged", "whispered", "reported", "report"
))
_METALINGUISTIC = re.compile(
    r"\b(?:the|that|this) (?:word|term|slur|insult|phrase|expression)\b|\betymology\b|\bcomes from\b|"
    r"\bderived from\b|\bis a slur\b|\bmeans\b|\bmeaning of\b|"
    # a word spoken of as a word ("considered a medical term", "an old word"), or the title of a work
    r"\b(?:an?|the) (?:\w+ ){0,2}(?:word|term|slur|expression)\b|\btitled?\b|\btitle of\b|\bnamed\b",
    re.IGNORECASE,
)
_MODERATORS = re.compile(r"(?:^|[\s@,.!?(])(?:mods?|moderators?|admins?|staff)\b", re.IGNORECASE)
_LOOKBACK = 3
_CALL_VERBS = frozenset(("call", "calls", "called", "calling"))
_ADDRESSEE = frozenset(("you", "u", "ya", "yourself", "yall", "y'all", "ye"))
_FIRST_PERSON = frozenset(("i", "we", "im"))  # "I'm", "I'd" are two tokens each, the first "i"
# Before a verb of calling, words that make it no report: "so-called", passives, "call" as a noun.
_NOT_A_REPORT = frozenset((
    "so", "it", "its", "s", "is", "was", "be", "been", "being", "are", "were", "good", "bad", "great", "a", "the",
    "close", "tough", "right", "wrong", "your", "my", "his", "her", "their", "our", "judgement", "judgment",
))
_REMOVING = frozenset({ActionKind.DELETE, ActionKind.WARN, ActionKind.TIMEOUT, ActionKind.KICK, ActionKind.BAN})


def _rule(rules: RuleSet, rule_id: str) -> Rule | None:
    for rule in (*rules.rules, *(rule for profile in rules.profiles for rule in profile.rules)):
        if rule.id == rule_id:
            return rule
    return None


@functools.lru_cache(maxsize=256)
def _matcher(term: str) -> WordMatcher:
    """One matcher per listed word, built once (a preview replays thousands of removals), with a small memo."""
    return WordMatcher.build([term], memo_generation=512)


def _unquoted(text: str) -> tuple[str, list[str]]:
    quoted = [match.group(0) for match in _QUOTED.finditer(text)]
    return _QUOTED.sub(" \u2063 ", text), quoted  # a marker token keeps the words around a quote apart


def _called(words: list[str], start: int) -> bool:
    """ "calling everyone a X", "he called the mayor an X", "stop calling people X": a verb of calling, then whom
    (one word, or two after "the"/"my"), then the word; not "calling you a X", and not "I'm calling Zoe a X" (said
    in the first person, calling is using)."""
    for cue in range(max(0, start - 5), start - 1):
        if words[cue] not in _CALL_VERBS:
            continue
        between = words[cue + 1:start]
        named = [word for word in between if word not in _FILLERS]
        if len(named) != 1 or named[0] in _ADDRESSEE or len(between) > 3:
            continue
        if _FIRST_PERSON.intersection(words[max(0, cue - 4):cue]):
            continue  # "I'm calling Zoe a X", "I'd call him an X", "I have the right to call him an X"
        if cue > 0 and words[cue - 1] in _NOT_A_REPORT:
            continue  # "so-called president, this X", "it's called negotiating, X", "good call, X"
        return True
    return False


def _cued(words: list[str], start: int, end: int) -> bool:
    if _called(words, start):
        return True
    before = words[max(0, start - _LOOKBACK - 2):start]
    for cue in _CUES_BEFORE:
        for offset in range(len(before) - len(cue) + 1):
            between = before[offset + len(cue):]
            if tuple(before[offset:offset + len(cue)]) == cue and len(between) <= 2 and _FILLERS.issuperset(between):
                return True
    after = words[end:end + 3]
    return any(tuple(after[:len(cue)]) == cue for cue in _CUES_AFTER)


def frames(text: str, term: str | None) -> list[str]:
    """The frames of mention around `term` in `text` (or around the message, for None); [] when it is used.

    With a term: empty unless every occurrence of it is quoted or cued. Without one (a score rule): the message
    must quote something and report it, discuss a word, or speak to the moderators.
    """
    rest, quoted = _unquoted(text)
    found: list[str] = []
    to_mods = bool(_MODERATORS.search(rest))
    words = tokens(rest)
    reporting = any(word in _REPORTING for word in words)
    metalinguistic = bool(_METALINGUISTIC.search(rest))
    if term is None:
        if not quoted and not metalinguistic:
            return []
        if quoted and not (reporting or metalinguistic or to_mods):
            return []
    else:
        matcher = _matcher(term)
        in_quotes = sum(1 for span in quoted if matcher.spans(tokens(span)))
        bare = matcher.spans(words)
        if not in_quotes and not bare:
            return []  # the word is only in another reading: nothing to judge the frame by
        if any(not _cued(words, start, end) for start, end, _ in bare):
            return []
        if in_quotes and not bare and not (reporting or metalinguistic or to_mods):
            # A quoted word alone ("you are a 'moron'") is scare quotes, not a report.
            return []
        if bare:
            found.append("discussed" if metalinguistic else "reported")
    if quoted:
        found.append("quoted")
    if reporting and "reported" not in found:
        found.append("reported")
    if metalinguistic and "discussed" not in found:
        found.append("discussed")
    if to_mods:
        found.append("addressed to moderators")
    return found


def review_mentions(decision: Decision, text: NormalizedText, rules: RuleSet) -> Decision:
    """Turn a removal into a flag when the deciding rule's word (or high score) is mentioned, not used."""
    if decision.rule_id is None or not (decision.kinds & _REMOVING):
        return decision
    rule = _rule(rules, decision.rule_id)
    if rule is None or not rule.mention_review:
        return decision
    hit = next((hit for hit in decision.hits if hit.rule_id == decision.rule_id), None)
    if hit is None:
        return decision
    seen = frames(text.clean, hit.term)
    if not seen:
        return decision
    subject = f"{hit.term!r}" if hit.term else "the message"
    was = ", ".join(str(action) for action in decision.actions)
    note = RuleHit(
        decision.rule_id, hit.variant,
        f"{MENTION_NOTE}: {subject} is {' and '.join(seen)}, so it may be reported or discussed rather than used;"
        f" flagged for review instead of: {was}",
    )
    return Decision(
        actions=(Action(ActionKind.FLAG),),
        rule_id=decision.rule_id,
        hits=(*decision.hits, note),
        shadow_hits=decision.shadow_hits,
        shadow_actions=decision.shadow_actions,
        strike=False,
        escalation=None,
        user_message=None,
        exempt_reason=decision.exempt_reason,
    )
