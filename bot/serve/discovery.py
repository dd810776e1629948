"""The discovery document (Google's REST description format) for the two methods modbot serves.

Google's client library builds its `commentanalyzer` client from it: `rootUrl` is the address the document was
fetched from, so the same document works behind any host name or load balancer.
"""

from __future__ import annotations

from typing import Any

from bot.serve.attributes import ATTRIBUTES

VERSION = "v1alpha1"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": name}


def _schemas() -> dict[str, Any]:
    score = {"id": "Score", "type": "object", "properties": {
        "value": {"type": "number", "format": "float"},
        "type": {"type": "string", "enum": ["PROBABILITY"]},
    }}
    span = {"id": "SpanScore", "type": "object", "properties": {
        "begin": {"type": "integer", "format": "int32"},
        "end": {"type": "integer", "format": "int32"},
        "score": _ref("Score"),
    }}
    attribute_scores = {"id": "AttributeScores", "type": "object", "properties": {
        "summaryScore": _ref("Score"),
        "spanScores": {"type": "array", "items": _ref("SpanScore")},
    }}
    text = {"id": "TextEntry", "type": "object", "properties": {
        "text": {"type": "string"}, "type": {"type": "string", "enum": ["PLAIN_TEXT"]},
    }}
    parameters = {"id": "AttributeParameters", "type": "object", "properties": {
        "scoreType": {"type": "string", "enum": ["PROBABILITY"]},
        "scoreThreshold": {"type": "number", "format": "float"},
    }}
    attribute_note = "One of " + ", ".join(ATTRIBUTES) + "."
    return {
        "Score": score,
        "SpanScore": span,
        "AttributeScores": attribute_scores,
        "TextEntry": text,
        "AttributeParameters": parameters,
        "AnalyzeCommentRequest": {"id": "AnalyzeCommentRequest", "type": "object", "properties": {
            "comment": _ref("TextEntry"),
            "requestedAttributes": {"type": "object", "description": attribute_note,
                                    "additionalProperties": _ref("AttributeParameters")},
            "languages": {"type": "array", "items": {"type": "string"}},
            "doNotStore": {"type": "boolean"},
            "spanAnnotations": {"type": "boolean"},
            "clientToken": {"type": "string"},
            "communityId": {"type": "string"},
            "sessionId": {"type": "string"},
        }},
        "AnalyzeCommentResponse": {"id": "AnalyzeCommentResponse", "type": "object", "properties": {
            "attributeScores": {"type": "object", "additionalProperties": _ref("AttributeScores")},
            "languages": {"type": "array", "items": {"type": "string"}},
            "clientToken": {"type": "string"},
        }},
        "SuggestCommentScoreRequest": {"id": "SuggestCommentScoreRequest", "type": "object", "properties": {
            "comment": _ref("TextEntry"),
            "attributeScores": {"type": "object", "description": attribute_note,
                                "additionalProperties": _ref("AttributeScores")},
            "languages": {"type": "array", "items": {"type": "string"}},
            "communityId": {"type": "string"},
            "clientToken": {"type": "string"},
            "sessionId": {"type": "string"},
        }},
        "SuggestCommentScoreResponse": {"id": "SuggestCommentScoreResponse", "type": "object", "properties": {
            "clientToken": {"type": "string"},
            "detectedLanguages": {"type": "array", "items": {"type": "string"}},
            "requestedLanguages": {"type": "array", "items": {"type": "string"}},
        }},
    }


def _method(name: str, request: str, response: str, description: str) -> dict[str, Any]:
    path = f"{VERSION}/comments:{name}"
    return {
        "id": f"commentanalyzer.comments.{name}",
        "path": path,
        "flatPath": path,
        "httpMethod": "POST",
        "parameters": {},
        "parameterOrder": [],
        "request": _ref(request),
        "response": _ref(response),
        "description": description,
    }


def discovery_document(root_url: str) -> dict[str, Any]:
    """`root_url` ends with a slash, e.g. "http://127.0.0.1:8080/"."""
    return {
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": f"commentanalyzer:{VERSION}",
        "name": "commentanalyzer",
        "canonicalName": "Comment Analyzer",
        "version": VERSION,
        "revision": "modbot",
        "title": "modbot serve: a Perspective API (Comment Analyzer) stand-in",
        "description": "Scores comments with modbot's local model, in Perspective API's wire format.",
        "protocol": "rest",
        "rootUrl": root_url,
        "mtlsRootUrl": root_url,
        "servicePath": "",
        "baseUrl": root_url,
        "batchPath": "batch",
        "parameters": {
            "key": {"type": "string", "location": "query", "description": "API key."},
            "alt": {"type": "string", "location": "query", "default": "json", "enum": ["json"],
                    "enumDescriptions": ["JSON"]},
            "fields": {"type": "string", "location": "query"},
            "prettyPrint": {"type": "boolean", "location": "query", "default": "true"},
            "quotaUser": {"type": "string", "location": "query"},
        },
        "schemas": _schemas(),
        "resources": {"comments": {"methods": {
            "analyze": _method("analyze", "AnalyzeCommentRequest", "AnalyzeCommentResponse",
                               "Analyzes the provided text and returns scores for the requested attributes."),
            "suggestscore": _method("suggestscore", "SuggestCommentScoreRequest", "SuggestCommentScoreResponse",
                                    "Suggest scores for a comment: stored as a verdict for calibration."),
        }}},
    }
