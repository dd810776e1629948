"""What Extractor.from_file / from_bytes make of awkward input, on real files in tmp_path."""

from __future__ import annotations

import gzip
import random
import shutil
from pathlib import Path

import pytest

from bot.digest.extract import ExtractionError, Extractor
from tests.digest.samples import FIXTURES, shared_pages

PAGES = shared_pages()


def _random_bytes(size: int, seed: int = 12) -> bytes:
    return random.Random(seed).randbytes(size)


@pytest.mark.parametrize("name", ["notes.txt", "page.html", "article"])
def test_random_bytes_are_refused_whatever_the_name(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(_random_bytes(20_000))
    with pytest.raises(ExtractionError) as caught:
        Extractor().from_file(path)
    assert str(caught.value).startswith(f"{path}: binary data, not text or HTML")
    assert "\n" not in str(caught.value)


def test_text_with_a_nul_byte_is_binary_and_a_utf16_text_is_not(tmp_path: Path) -> None:
    text = (FIXTURES / "furniture.txt").read_text(encoding="utf-8")
    nul = tmp_path / "nul.txt"
    nul.write_bytes(text.encode() + b"\0trailer")
    with pytest.raises(ExtractionError, match="binary data"):
        Extractor().from_file(nul)
    wide = tmp_path / "wide.txt"
    wide.write_text(text, encoding="utf-16")  # NUL bytes everywhere, but a byte-order mark says what it is
    assert Extractor().from_file(wide).paragraphs == Extractor().from_file(FIXTURES / "furniture.txt").paragraphs


@pytest.mark.parametrize(("header", "kind"), [
    (b"%PDF-1.7\n", "a PDF document"), (b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"PK\x03\x04", "a ZIP archive"),
])
def test_known_binary_formats_are_named(tmp_path: Path, header: bytes, kind: str) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(header + b"plain enough text afterwards " * 50)
    with pytest.raises(ExtractionError, match=f"article.txt: {kind}"):
        Extractor().from_file(path)


def test_a_gzipped_html_file_is_read_like_the_html_file(tmp_path: Path) -> None:
    html = (FIXTURES / "article.html").read_bytes()
    plain, packed = tmp_path / "story.html", tmp_path / "story.html.gz"
    plain.write_bytes(html)
    packed.write_bytes(gzip.compress(html))
    extractor = Extractor()
    from_gz, from_html = extractor.from_file(packed), extractor.from_file(plain)
    assert from_gz.paragraphs == from_html.paragraphs
    assert from_gz.title == "Harbour council approves new ferry link"
    assert from_gz.source == "story.html.gz"


@pytest.mark.skipif(not PAGES, reason="../shared/data/extraction/html is absent")
def test_a_real_html_gz_page_gives_its_article_text(tmp_path: Path) -> None:
    page = PAGES[-1]
    copy = tmp_path / page.name
    shutil.copyfile(page, copy)
    unpacked = tmp_path / page.name.removesuffix(".gz")
    unpacked.write_bytes(gzip.decompress(page.read_bytes()))
    extractor = Extractor()
    article = extractor.from_file(copy)
    assert len(article.body) > 500 and "<" not in article.title
    assert article.paragraphs == extractor.from_file(unpacked).paragraphs


def test_damaged_and_nested_gzip_say_so(tmp_path: Path) -> None:
    html = (FIXTURES / "article.html").read_bytes()
    cut = tmp_path / "cut.html.gz"
    cut.write_bytes(gzip.compress(html)[:200])
    with pytest.raises(ExtractionError, match=r"cut.html.gz: damaged gzip data"):
        Extractor().from_file(cut)
    twice = tmp_path / "twice.html.gz"
    twice.write_bytes(gzip.compress(gzip.compress(html)))
    with pytest.raises(ExtractionError, match=r"twice.html.gz: gzip data inside gzip data"):
        Extractor().from_file(twice)


def test_a_directory_and_a_missing_file_are_named(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError) as caught:
        Extractor().from_file(tmp_path)
    assert str(caught.value) == f"{tmp_path} is a directory (give a file, an http(s) URL, or - for stdin)"
    with pytest.raises(ExtractionError, match=r"missing\.txt: no such file"):
        Extractor().from_file(tmp_path / "missing.txt")


def test_a_binary_http_body_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError, match=r"^https://news.example/a: binary data, not text or HTML"):
        Extractor().from_bytes(_random_bytes(5000), "https://news.example/a", "text/html")
    with pytest.raises(ExtractionError, match="a PDF document"):
        Extractor().from_bytes(b"%PDF-1.4\n" + _random_bytes(5000), "https://news.example/b", "application/pdf")


def test_a_gzip_http_body_and_an_octet_stream_page_are_read_as_html() -> None:
    html = (FIXTURES / "article.html").read_bytes()
    expected = Extractor().from_bytes(html, "https://news.example/a", "text/html").paragraphs
    assert Extractor().from_bytes(gzip.compress(html), "https://news.example/a", "text/html").paragraphs == expected
    assert Extractor().from_bytes(html, "https://news.example/a", "application/octet-stream").paragraphs == expected
