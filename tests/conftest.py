"""Test-wide guards: no network, no model downloads, quiet transformers.

The Hugging Face variables must be set before anything imports transformers or huggingface_hub:
they are read once, at import.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import AsyncIterator, Iterator
from typing import Any

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["TRANSFORMERS_VERBOSITY"] = "error"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="modbot-hf-"))
os.environ.setdefault("TORCH_HOME", tempfile.mkdtemp(prefix="modbot-torch-"))
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise RuntimeError(f"tests must not use the network (tried to connect to {address!r})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    yield


from bot.storage import Database  # noqa: E402
from tests.support import StaticScorer  # noqa: E402


@pytest.fixture
def static_scorer() -> StaticScorer:
    return StaticScorer()


@pytest.fixture
async def db(tmp_path: Any) -> AsyncIterator[Database]:
    """A real, migrated SQLite database in the test's own folder."""
    async with Database.open(tmp_path / "modbot.db") as opened:
        yield opened
