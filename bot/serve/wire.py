"""Perspective's request and response bodies (v1alpha1), parsed into records and built from scores.

Parsing raises `ApiError` with Perspective's status and a one-line message; it never trusts a field's type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.serve.attributes import ATTRIBUTES, base_language
from bot.serve.errors import invalid
from bot.serve.spans import Span

PROBABILITY = "PROBABILITY"


@dataclass(frozen=True, slots=True)
class RequestedAttribute:
    name: str
    threshold: float | None = None


@dataclass(frozen=True, slots=True)
class AnalyzeRequest:
    text: str
    attributes: tuple[RequestedAttribute, ...]
    languages: tuple[str, ...]
    do_not_store: bool
    span_annotations: bool
    client_token: str | None
    community_id: str | None


@dataclass(frozen=True, slots=True)
class SuggestRequest:
    text: str
    scores: Mapping[str, float]  # attribute -> the value the client says is right
    languages: tuple[str, ...]
    do_not_store: bool  # not in Perspective's suggestscore; honoured when a client sends it
    client_token: str | None
    community_id: str | None


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(f"Invalid value at '{where}': expected an object.")
    return value


def _string(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(f"Invalid value at '{where}': expected a string.")
    return value


def _bool(value: Any, where: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid(f"Invalid value at '{where}': expected a boolean.")
    return value


def _languages(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise invalid("Invalid value at 'languages': expected a list of language codes.")
    return tuple(dict.fromkeys(base_language(item) for item in value))


def _comment_text(body: Mapping[str, Any], max_bytes: int) -> str:
    comment = _object(body.get("comment"), "comment")
    text = _string(comment.get("text"), "comment.text")
    kind = _string(comment.get("type"), "comment.type")
    if kind not in (None, "PLAIN_TEXT"):
        raise invalid(f"Comment type {kind} is not supported; use PLAIN_TEXT.")
    if text is None or not text.strip():
        raise invalid("Comment must be non-empty.")
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise invalid(f"Comment text too long: {size} bytes; the maximum is {max_bytes} bytes.")
    return text


def _attribute_name(name: str) -> str:
    if name not in ATTRIBUTES:
        raise invalid(f"Unknown attribute: {name}. Known attributes: {', '.join(ATTRIBUTES)}.")
    return name


def parse_analyze(body: Any, max_comment_bytes: int) -> AnalyzeRequest:
    data = _object(body, "request")
    text = _comment_text(data, max_comment_bytes)
    requested = _object(data.get("requestedAttributes"), "requestedAttributes")
    if not requested:
        raise invalid("Request must specify at least one attribute in requestedAttributes.")
    attributes: list[RequestedAttribute] = []
    for name, spec in requested.items():
        options = _object(spec, f"requestedAttributes.{name}")
        score_type = _string(options.get("scoreType"), f"requestedAttributes.{name}.scoreType")
        if score_type not in (None, PROBABILITY):
            raise invalid(f"Score type {score_type} is not supported; use PROBABILITY.")
        threshold = options.get("scoreThreshold")
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, int | float)
                                      or not 0 <= threshold <= 1):
            raise invalid(f"Invalid value at 'requestedAttributes.{name}.scoreThreshold': expected 0..1.")
        attributes.append(RequestedAttribute(_attribute_name(name), None if threshold is None else float(threshold)))
    return AnalyzeRequest(
        text=text,
        attributes=tuple(attributes),
        languages=_languages(data.get("languages")),
        do_not_store=_bool(data.get("doNotStore"), "doNotStore"),
        span_annotations=_bool(data.get("spanAnnotations"), "spanAnnotations"),
        client_token=_string(data.get("clientToken"), "clientToken"),
        community_id=_string(data.get("communityId"), "communityId"),
    )


def parse_suggest(body: Any, max_comment_bytes: int) -> SuggestRequest:
    data = _object(body, "request")
    text = _comment_text(data, max_comment_bytes)
    given = _object(data.get("attributeScores"), "attributeScores")
    if not given:
        raise invalid("Request must specify at least one attribute in attributeScores.")
    scores: dict[str, float] = {}
    for name, spec in given.items():
        summary = _object(_object(spec, f"attributeScores.{name}").get("summaryScore"),
                          f"attributeScores.{name}.summaryScore")
        value = summary.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise invalid(f"Invalid value at 'attributeScores.{name}.summaryScore.value': expected 0..1.")
        scores[_attribute_name(name)] = float(value)
    return SuggestRequest(
        text=text,
        scores=scores,
        languages=_languages(data.get("languages")),
        do_not_store=_bool(data.get("doNotStore"), "doNotStore"),
        client_token=_string(data.get("clientToken"), "clientToken"),
        community_id=_string(data.get("communityId"), "communityId"),
    )


def _score(value: float) -> dict[str, Any]:
    return {"value": round(float(value), 6), "type": PROBABILITY}


def analyze_response(
    request: AnalyzeRequest,
    summary: Mapping[str, float],
    spans: Sequence[tuple[Span, Mapping[str, float]]],
    languages: Sequence[str],
) -> dict[str, Any]:
    """`summary` and each span's mapping: attribute -> probability."""
    scores: dict[str, Any] = {}
    for attribute in request.attributes:
        value = summary[attribute.name]
        if attribute.threshold is not None and value < attribute.threshold:
            continue  # Perspective leaves out what falls below scoreThreshold
        entry: dict[str, Any] = {"summaryScore": _score(value)}
        if request.span_annotations:
            entry["spanScores"] = [
                {"begin": span.begin, "end": span.end, "score": _score(values[attribute.name])}
                for span, values in spans
                if attribute.threshold is None or values[attribute.name] >= attribute.threshold
            ]
        scores[attribute.name] = entry
    body: dict[str, Any] = {"attributeScores": scores, "languages": list(languages)}
    if request.client_token is not None:
        body["clientToken"] = request.client_token
    return body


def suggest_response(request: SuggestRequest) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if request.client_token is not None:
        body["clientToken"] = request.client_token
    return body
