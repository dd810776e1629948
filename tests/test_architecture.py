"""The layering rules of docs/architecture.md, read from every module's imports (ast), so that they stay true.

- `bot.storage` is imported only by `bot/app.py` (the composition root) and by storage itself;
- discord.py (and SimCord) only by `bot/discord_adapter/`;
- detoxify, torch, transformers, onnxruntime and friends only by `bot/scoring/`;
- nothing shipped imports the tests.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"

RULES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    # (imported top-level names, the only places allowed to import them)
    (("bot.storage",), ("bot/app.py", "bot/storage/")),
    (("discord", "simcord"), ("bot/discord_adapter/",)),
    (("detoxify", "torch", "transformers", "onnxruntime", "onnx", "tokenizers"), ("bot/scoring/",)),
    (("tests", "bench"), ()),
)


def imported_names(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def matches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations() -> list[str]:
    found: list[str] = []
    for path in sorted(BOT.rglob("*.py")):
        where = path.relative_to(BOT.parent).as_posix()
        for line, name in imported_names(path):
            for prefixes, allowed in RULES:
                if any(matches(name, prefix) for prefix in prefixes) and not any(
                    where == place or where.startswith(place) for place in allowed
                ):
                    found.append(f"{where}:{line}: imports {name} (allowed only in {', '.join(allowed) or 'tests'})")
    return found


def test_every_module_keeps_to_the_layering_rules() -> None:
    assert violations() == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import bot.storage.cases\n", True),
        ("from bot.storage import Database\n", True),
        ("from bot.storage_helpers import x\n", False),
        ("import discord\n", True),
        ("from discord.ext import commands\n", True),
    ],
    ids=["import-storage", "from-storage", "similar-name", "discord", "discord-ext"],
)
def test_the_checker_reads_both_import_forms(tmp_path: Path, source: str, expected: bool) -> None:
    module = tmp_path / "m.py"
    module.write_text(source, encoding="utf-8")
    names = [name for _, name in imported_names(module)]
    assert any(matches(name, p) for name in names for p in ("bot.storage", "discord")) is expected
