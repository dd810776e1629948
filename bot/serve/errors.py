"""Perspective's (Google APIs') error answer: `{"error": {"code", "message", "status"}}` with the HTTP status."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "INVALID_ARGUMENT",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


@dataclass  # not frozen: raising sets __traceback__ and friends
class ApiError(Exception):
    code: int
    message: str
    status: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message,
                          "status": self.status or STATUS_NAMES.get(self.code, "UNKNOWN")}}


def invalid(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT")


# Google's own wording for key problems: no key is 403, a wrong key is 400.
MISSING_KEY = ApiError(403, "The request is missing a valid API key.", "PERMISSION_DENIED")
BAD_KEY = ApiError(400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT")


def exhausted(message: str, retry_after_s: float) -> ApiError:
    return ApiError(429, message, "RESOURCE_EXHAUSTED", {"Retry-After": str(max(1, round(retry_after_s + 0.49)))})


def unavailable(message: str, retry_after_s: float) -> ApiError:
    return ApiError(503, message, "UNAVAILABLE", {"Retry-After": str(max(1, round(retry_after_s + 0.49)))})
