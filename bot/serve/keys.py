"""API keys (from MODBOT_SERVE_KEYS or a keys file, never settings.yaml) and a token bucket per key."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.serve.errors import BAD_KEY, MISSING_KEY, exhausted

KEYS_ENV = "MODBOT_SERVE_KEYS"


class KeysError(ValueError):
    """No usable keys; the message names where they come from."""


def key_id(key: str) -> str:
    """What logs, metrics and the database see instead of a key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def read_keys_file(path: Path) -> list[str]:
    """One key per line; blank lines and `#` comments are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise KeysError(f"{path}: cannot read the serve keys file ({exc.strerror}); fix serve.keys_file") from exc
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def load_keys(environ: Mapping[str, str], keys_file: Path | None) -> frozenset[str]:
    keys = [part.strip() for part in environ.get(KEYS_ENV, "").split(",") if part.strip()]
    if keys_file is not None:
        keys.extend(read_keys_file(keys_file))
    short = [key_id(key) for key in keys if len(key) < 16]
    if short:
        raise KeysError(f"serve keys must be at least 16 characters (key ids {', '.join(short)}); "
                        f"generate one with `python -c 'import secrets; print(secrets.token_urlsafe(24))'`")
    if not keys:
        raise KeysError(f"no API keys for modbot serve: set {KEYS_ENV} (comma-separated) or serve.keys_file "
                        "(one key per line) in config/settings.yaml")
    return frozenset(keys)


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class KeyRing:
    """Checks a request's key and charges its bucket: `rate` requests/s sustained, `burst` at once."""

    def __init__(self, keys: Iterable[str], rate: float, burst: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._keys = {key_id(key): key for key in keys}
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def authenticate(self, key: str | None) -> str:
        """The key's id, or Perspective's error for a missing or unknown key."""
        if not key:
            raise MISSING_KEY
        ident = key_id(key)
        known = self._keys.get(ident)
        if known is None or not hmac.compare_digest(known.encode(), key.encode()):
            raise BAD_KEY
        return ident

    def charge(self, ident: str) -> None:
        """Take one token from the key's bucket or raise 429 with the wait until the next one."""
        now = self._clock()
        bucket = self._buckets.get(ident)
        if bucket is None:
            bucket = self._buckets[ident] = _Bucket(self._burst, now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        if bucket.tokens < 1.0:
            wait = (1.0 - bucket.tokens) / self._rate
            raise exhausted(f"Quota exceeded for this API key: {self._rate:g} requests per second "
                            f"(burst {self._burst:g}).", wait)
        bucket.tokens -= 1.0


