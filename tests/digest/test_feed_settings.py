"""Feed URLs are checked when settings.yaml is loaded, through the config error path (`file:line: key: ...`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import load_settings
from bot.yamlconf import ConfigError

GOOD = "https://news.example/feed.xml"


def _write(tmp_path: Path, *urls: str) -> Path:
    lines = ["log_level: INFO", "digest:", "  poll_interval: 15m", "  feeds:"]
    for url in urls:
        lines += [f"    - url: {url!r}", "      channel_id: 42"]
    (tmp_path / "settings.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path / "settings.yaml"


@pytest.mark.parametrize(("url", "says"), [
    ("file:///srv/feeds/news.xml", "is not an http(s) URL; write it like https://example.com/feed.xml (a local file"),
    ("/srv/feeds/news.xml", "is not an http(s) URL; write it like https://example.com/feed.xml (a local file"),
    ("ftp://news.example/feed.xml", "is not an http(s) URL"),
    ("https:///feed.xml", "has no host"),
    ("http://", "has no host"),
    ("http://news.example:port/feed", "is not a valid URL"),
])
def test_a_feed_url_that_cannot_be_polled_is_a_config_error(tmp_path: Path, url: str, says: str) -> None:
    path = _write(tmp_path, GOOD, url)
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path, {})
    assert len(caught.value.problems) == 1
    line = str(caught.value)
    # the second feed's `url:` is on line 7 of the file
    assert line.startswith(f"{path}:7: digest.feeds[1].url: {url!r} "), line
    assert says in line
    assert "\n" not in line


def test_good_feed_urls_load_and_are_stripped(tmp_path: Path) -> None:
    _write(tmp_path, GOOD, "  http://127.0.0.1:8080/rss  ")
    settings = load_settings(tmp_path, {})
    assert [feed.url for feed in settings.digest.feeds] == [GOOD, "http://127.0.0.1:8080/rss"]
    assert settings.digest.max_page_bytes == 8 * 1024 * 1024


def test_max_page_bytes_is_checked_too(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("digest:\n  max_page_bytes: 100\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"settings.yaml:2: digest.max_page_bytes: Input should be greater"):
        load_settings(tmp_path, {})
