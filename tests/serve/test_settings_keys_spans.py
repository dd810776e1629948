"""serve/shard settings (real YAML), API keys (environment or file, never settings.yaml), sentence spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.serve.errors import ApiError
from bot.serve.keys import KeyRing, KeysError, key_id, load_keys
from bot.serve.spans import sentence_spans
from bot.settings import Settings, load_settings
from bot.yamlconf import ConfigError

KEY = "k" * 20


def _settings(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> Settings:
    (tmp_path / "settings.yaml").write_text(text, encoding="utf-8")
    return load_settings(tmp_path, environ or {})


def test_serve_and_remote_settings_load(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "serve: {host: 0.0.0.0, port: 9000, keys_file: keys.txt}\n"
                         "scoring: {remote: {url: 'http://scorer:8080/', timeout: 2}}\n",
                         {"MODBOT_REMOTE_KEY": "from-the-environment"})
    assert settings.serve.port == 9000
    assert settings.serve_keys_path == tmp_path / "keys.txt"
    remote = settings.scoring.remote
    assert remote.url == "http://scorer:8080" and remote.timeout == 2
    assert remote.key.get_secret_value() == "from-the-environment"


@pytest.mark.parametrize(
    ("yaml_text", "words"),
    [
        ("serve: {keys: [abc]}\n", "keys"),  # keys never live in settings.yaml
        ("discord: {shard_ids: [0]}\n", "shard_ids needs shard_count"),
        ("discord: {shard_count: 2, shard_ids: [0, 2]}\n", "outside 0..1"),
        ("discord: {shard_count: 2, shard_ids: [1, 1]}\n", "twice"),
        ("discord: {shard_count: 0}\n", "shard_count"),
        ("scoring: {remote: {url: 'scorer:8080'}}\n", "http://"),
        ("scoring: {remote: {url: 'http://x', attributes: [TOXIC]}}\n", "attributes"),
        ("serve: {port: 70000}\n", "port"),
    ],
)
def test_bad_settings_name_the_key(tmp_path: Path, yaml_text: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _settings(tmp_path, yaml_text)
    assert words in "\n".join(str(problem) for problem in caught.value.problems)


def test_shards_validate(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "discord: {shard_count: 4, shard_ids: [2, 3]}\n")
    assert settings.discord.shard_count == 4 and settings.discord.shard_ids == (2, 3)


def test_keys_come_from_environment_and_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.txt"
    path.write_text("# site keys\n" + "f" * 20 + "\n\n", encoding="utf-8")
    assert load_keys({"MODBOT_SERVE_KEYS": f"{KEY}, {'e' * 20}"}, path) == {KEY, "e" * 20, "f" * 20}
    with pytest.raises(KeysError, match="MODBOT_SERVE_KEYS"):
        load_keys({}, None)
    with pytest.raises(KeysError, match="at least 16 characters"):
        load_keys({"MODBOT_SERVE_KEYS": "short"}, None)
    with pytest.raises(KeysError, match=r"serve\.keys_file"):
        load_keys({}, tmp_path / "absent.txt")


def test_token_bucket_refills_with_time() -> None:
    now = [0.0]
    ring = KeyRing([KEY], rate=2.0, burst=1, clock=lambda: now[0])
    ident = ring.authenticate(KEY)
    assert ident == key_id(KEY)
    ring.charge(ident)
    with pytest.raises(ApiError) as caught:
        ring.charge(ident)
    assert caught.value.code == 429 and caught.value.headers["Retry-After"] == "1"
    now[0] += 0.5
    ring.charge(ident)


def test_sentence_spans_have_exact_offsets() -> None:
    text = "  First one.Second stays glued?  \nThird line\n\n\"Quoted!\" Last"
    spans = sentence_spans(text)
    assert [span.text for span in spans] == ["First one.Second stays glued?", "Third line", "\"Quoted!\"", "Last"]
    assert all(text[span.begin:span.end] == span.text for span in spans)
    assert [span.text for span in sentence_spans("a. b. c. d.", limit=2)] == ["a.", "b. c. d."]
