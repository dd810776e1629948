"""Settings: `config/settings.yaml`, validated once, with the environment injected (never read globally).

Secrets come only from the environment (or a `.env` file the CLI loads into that mapping) and are kept
in `SecretStr`, so they never appear in a repr, a log line or a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from bot.durations import parse_duration
from bot.yamlconf import ConfigError, Problem, read_yaml, validate


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Perspective API attributes a remote scorer may ask for (see bot/serve/attributes.py for the label map).
PerspectiveAttribute = Literal[
    "TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT", "PROFANITY", "THREAT", "SEXUALLY_EXPLICIT",
]


class RemoteScoringSettings(_Section):
    """Score through a Perspective-compatible endpoint (`modbot serve`, or another) instead of a local model."""

    url: str  # e.g. http://scorer.internal:8080 (the API root; /v1alpha1/comments:analyze is appended)
    key: SecretStr | None = None  # better: MODBOT_REMOTE_KEY in the environment (it overrides this)
    timeout: float = Field(default=5.0, gt=0, le=120)  # seconds per request; past it: Scores(timed_out=True)
    attributes: tuple[PerspectiveAttribute, ...] = (
        "TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT", "PROFANITY", "THREAT",
    )
    max_connections: int = Field(default=32, ge=1, le=1024)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("attributes")
    @classmethod
    def _attributes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("name at least one attribute")
        if len(set(value)) != len(value):
            raise ValueError("names an attribute twice")
        return value


class ScoringSettings(_Section):
    backend: Literal["detoxify", "profanity"] = "detoxify"
    model_type: Literal["original", "unbiased", "multilingual", "original-small", "unbiased-small"] = "original"
    checkpoint: Path | None = None  # a detoxify .ckpt; else the torch hub cache; else a download
    device: str = "cpu"
    allow_download: bool = False  # a first-run download; `modbot model fetch` is the explicit way
    allow_fallback: bool = True  # use profanity-check when detoxify cannot load
    quantize: Literal["none", "int8-dynamic", "onnx-int8"] = "onnx-int8"
    torch_threads: int = Field(default=2, ge=1, le=256)
    batch_size: int = Field(default=48, ge=1, le=512)
    # 0: an idle worker takes a request at once; requests that queue while it is busy still form batches.
    # Measured in bench/scoring.py (onnx-int8, 30 msgs/s): p99 39-52 ms at 0 against 88-107 ms at 5 ms.
    max_wait_ms: float = Field(default=0.0, ge=0, le=1000)
    queue_size: int = Field(default=1024, ge=1)
    timeout_s: float = Field(default=5.0, gt=0)
    on_timeout: Literal["flag", "allow"] = "flag"
    cache_size: int = Field(default=4096, ge=0)
    remote: RemoteScoringSettings | None = None  # set: score through this endpoint, load no local model


class DiscordSettings(_Section):
    guild_ids: tuple[int, ...] = ()
    moderated_channel_ids: tuple[int, ...] = ()  # text and forum channels whose threads are moderated
    mod_log_channel_id: int | None = None
    review_channel_id: int | None = None
    appeal_hint: str = "Reply with the Appeal button below, or contact the moderators."
    catchup_limit: int = Field(default=200, ge=0, le=10_000)  # messages per thread never seen before
    review_timeout: str = "1h"  # what the Timeout button in the review queue gives
    # Gateway sharding (docs/scaling.md): shard_count shards in all; this process runs shard_ids (all if empty).
    shard_count: int | None = Field(default=None, ge=1, le=65_536)
    shard_ids: tuple[int, ...] = ()

    @field_validator("review_timeout")
    @classmethod
    def _review_timeout(cls, value: str) -> str:
        parse_duration(value)
        return value

    @model_validator(mode="after")
    def _shards(self) -> DiscordSettings:
        if self.shard_ids and self.shard_count is None:
            raise ValueError("shard_ids needs shard_count (the total number of shards across all processes)")
        if len(set(self.shard_ids)) != len(self.shard_ids):
            raise ValueError("shard_ids lists a shard twice")
        if self.shard_count is not None:
            outside = [shard for shard in self.shard_ids if not 0 <= shard < self.shard_count]
            if outside:
                raise ValueError(f"shard_ids {outside} are outside 0..{self.shard_count - 1} (shard_count)")
        return self


def check_feed_url(value: str) -> str:
    """The URL, stripped, when it is an http(s) URL with a host; else ValueError saying what to write."""
    url = value.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as exc:
        raise ValueError(f"{url!r} is not a valid URL ({exc})") from exc
    if parts.scheme.lower() not in ("http", "https"):
        hint = " (a local file cannot be polled: serve it over http)" if parts.scheme in ("", "file") else ""
        raise ValueError(f"{url!r} is not an http(s) URL; write it like https://example.com/feed.xml{hint}")
    if not host:
        raise ValueError(f"{url!r} has no host; write it like https://example.com/feed.xml")
    return url


class FeedSettings(_Section):
    url: str
    channel_id: int
    name: str | None = None
    daily_cap: int = Field(default=10, ge=0)
    summary_sentences: int = Field(default=3, ge=1, le=10)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_feed_url(value)


class DigestSettings(_Section):
    feeds: tuple[FeedSettings, ...] = ()
    poll_interval: str = "15m"
    max_backoff: str = "6h"
    user_agent: str = "modbot/0.1 (+https://github.com/modbot)"
    fetch_articles: bool = True  # fetch each item's page for the full text; else use the feed's description
    fetch_timeout_s: float = Field(default=20.0, gt=0, le=300)
    max_page_bytes: int = Field(default=8 * 1024 * 1024, ge=64 * 1024, le=256 * 1024 * 1024)  # per page or feed
    discussion_rules: str = (
        "**Discussion rules** - Talk about the article, not each other. No insults, threats, slurs or "
        "harassment. Replies here are moderated automatically; moderators review what the bot flags."
    )

    @field_validator("poll_interval", "max_backoff")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class ServeSettings(_Section):
    """`modbot serve`: a Perspective-compatible HTTP scoring service. API keys never live here: they come from
    MODBOT_SERVE_KEYS (comma-separated) or `keys_file` (one key per line, relative to the config directory)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65_535)
    keys_file: Path | None = None
    max_pending: int = Field(default=256, ge=1, le=100_000)  # analyses admitted at once; beyond: 429
    max_body_bytes: int = Field(default=65_536, ge=1024, le=16 * 1024 * 1024)  # beyond: 413
    max_comment_bytes: int = Field(default=20_480, ge=1, le=1_048_576)  # Perspective's limit (UTF-8 bytes)
    max_spans: int = Field(default=64, ge=1, le=1024)  # sentences scored for spanAnnotations
    rate_per_key: float = Field(default=50.0, gt=0)  # requests/s each key may sustain; beyond: 429
    burst_per_key: int = Field(default=100, ge=1)
    retry_after_s: int = Field(default=1, ge=1, le=3600)  # the Retry-After a 429/503 carries
    answer_timeout_s: float = Field(default=10.0, gt=0, le=300)  # hard ceiling on one analysis: then 503
    storage: bool = True  # suggestscore verdicts go to the database; false: accepted, nothing stored
    store_text: bool = True  # keep a suggestion's comment text (never when the request says doNotStore)
    # Score what a reader perceives, as the bot does: evasions undone (zero-width, homoglyphs, leetspeak, spaced
    # letters...), homographs in their ordinary sense, the highest reading answering. Off (the default): the text
    # exactly as sent, as Perspective does. Leave it off behind a bot with `scoring.remote` (it sends readings).
    readings: bool = False


class Settings(_Section):
    database: Path = Path("data/modbot.db")
    rules_file: Path = Path("rules.yaml")  # relative to the config directory
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    retention: str = "90d"
    scoring: ScoringSettings = ScoringSettings()
    discord: DiscordSettings = DiscordSettings()
    digest: DigestSettings = DigestSettings()
    serve: ServeSettings = ServeSettings()
    discord_token: SecretStr | None = None  # from DISCORD_TOKEN only
    config_dir: Path = Path("config")

    @field_validator("retention")
    @classmethod
    def _retention(cls, value: str) -> str:
        parse_duration(value)
        return value

    @property
    def rules_path(self) -> Path:
        return self.rules_file if self.rules_file.is_absolute() else self.config_dir / self.rules_file

    @property
    def serve_keys_path(self) -> Path | None:
        path = self.serve.keys_file
        if path is None:
            return None
        return path if path.is_absolute() else self.config_dir / path


def load_settings(config_dir: Path, environ: Mapping[str, str]) -> Settings:
    """Read `settings.yaml` from `config_dir` (absent: defaults) and apply the environment.

    Environment: DISCORD_TOKEN, MODBOT_DB (database path), MODBOT_CHECKPOINT (detoxify checkpoint),
    MODBOT_SCORER (detoxify|profanity), MODBOT_LOG_LEVEL, MODBOT_REMOTE_KEY (scoring.remote.key).
    MODBOT_SERVE_KEYS is read by `modbot serve` itself (bot/serve/keys.py), not here.
    """
    path = config_dir / "settings.yaml"
    data: dict[str, object] = {}
    if path.exists():
        document = read_yaml(path)
        if document.data is not None and not isinstance(document.data, dict):
            raise ConfigError([document.problem((), "the file must be a mapping of settings")])
        settings = validate(document, Settings)
        data = settings.model_dump()
    data["config_dir"] = config_dir
    _check_environment(environ)
    scoring = dict(data.get("scoring") or {})  # type: ignore[call-overload]
    if environ.get("MODBOT_CHECKPOINT"):
        scoring["checkpoint"] = Path(environ["MODBOT_CHECKPOINT"])
    if environ.get("MODBOT_SCORER"):
        scoring["backend"] = environ["MODBOT_SCORER"].strip().lower()
    if environ.get("MODBOT_REMOTE_KEY") and scoring.get("remote"):
        scoring["remote"] = {**scoring["remote"], "key": SecretStr(environ["MODBOT_REMOTE_KEY"])}
    data["scoring"] = scoring
    if environ.get("MODBOT_DB"):
        data["database"] = Path(environ["MODBOT_DB"])
    if environ.get("MODBOT_LOG_LEVEL"):
        data["log_level"] = environ["MODBOT_LOG_LEVEL"].strip().upper()
    token = environ.get("DISCORD_TOKEN", "").strip()
    data["discord_token"] = SecretStr(token) if token else None
    return Settings.model_validate(data)


@dataclass(frozen=True)
class EnvironmentProblem(Problem):
    """A bad environment value: `MODBOT_SCORER='bogus': use detoxify or profanity (environment)`."""

    def __str__(self) -> str:
        return f"{self.key}: {self.message} (environment variable)"


_ENV_CHOICES = {
    "MODBOT_SCORER": ("detoxify", "profanity"),
    "MODBOT_LOG_LEVEL": ("DEBUG", "INFO", "WARNING", "ERROR"),
}


def _check_environment(environ: Mapping[str, str]) -> None:
    problems: list[Problem] = []
    for name, choices in _ENV_CHOICES.items():
        value = environ.get(name, "").strip()
        if value and value.upper() not in {choice.upper() for choice in choices}:
            problems.append(EnvironmentProblem("environment", 0, name, f"{value!r}: use one of {', '.join(choices)}"))
    for name in ("MODBOT_DB", "MODBOT_CHECKPOINT"):
        if "\x00" in environ.get(name, ""):
            problems.append(EnvironmentProblem("environment", 0, name, "contains a NUL byte: give a file path"))
    if problems:
        raise ConfigError(problems)


class SettingsHolder:
    """The settings in force: the one place a running process reads them from and replaces them through."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def current(self) -> Settings:
        return self._settings

    def replace(self, settings: Settings) -> None:
        self._settings = settings
