"""Where the digest tests find their files: the committed fixtures and, when present, ../shared's seed."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
SEED = Path(__file__).resolve().parents[3] / "shared" / "data" / "seed" / "article-duran-putin-nato.txt"
SHARED_HTML = Path(__file__).resolve().parents[3] / "shared" / "data" / "extraction" / "html"


def shared_pages() -> list[Path]:
    """The real pages (gzip-compressed HTML) in ../shared, smallest first; empty when ../shared is absent."""
    if not SHARED_HTML.is_dir():
        return []
    return sorted(SHARED_HTML.glob("*.html.gz"), key=lambda path: (path.stat().st_size, path.name))
