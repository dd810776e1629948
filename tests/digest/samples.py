"""Where the digest tests find their files: the committed fixtures and, when present, ../shared's seed."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
SEED = Path(__file__).resolve().parents[3] / "shared" / "data" / "seed" / "article-duran-putin-nato.txt"
