"""The duration syntax used in rules files, settings and commands: `30s`, `10m`, `1h`, `7d`, `2w`, `1h30m`."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)\s*([smhdw])")
_WHOLE = re.compile(r"^\s*(?:\d+\s*[smhdw]\s*)+$")


class DurationError(ValueError):
    pass


def parse_duration(text: str) -> timedelta:
    """Parse `1h30m`; raise DurationError with the accepted syntax for anything else."""
    if not isinstance(text, str) or not _WHOLE.match(text.strip().lower()):
        raise DurationError(
            f"invalid duration {text!r}: use a number and a unit s, m, h, d or w, like 10m, 1h or 1h30m"
        )
    seconds = sum(int(count) * _UNITS[unit] for count, unit in _PART.findall(text.lower()))
    if seconds <= 0:
        raise DurationError(f"invalid duration {text!r}: must be longer than zero")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """`timedelta(hours=25)` -> `1d1h`: the inverse of `parse_duration`."""
    seconds = int(value.total_seconds())
    parts: list[str] = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
