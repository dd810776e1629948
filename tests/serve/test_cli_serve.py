"""`modbot serve` as a real process: starts with the profanity-check backend on a free port, answers, stops."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.serve.support import KEY

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MODBOT_")}
    env.update({"PYTHONPATH": str(ROOT), "MODBOT_DB": str(tmp_path / "serve.db"), **extra})
    return env


def test_without_keys_it_exits_2_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "--config", str(tmp_path), "serve"], cwd=tmp_path,
                            env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: no API keys for modbot serve: set MODBOT_SERVE_KEYS (comma-separated) or serve.keys_file "
        "(one key per line) in config/settings.yaml"]


async def test_serve_answers_then_stops_on_sigterm(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(tmp_path), "serve", "--port", "0", cwd=tmp_path,
        env=_env(tmp_path, MODBOT_SCORER="profanity", MODBOT_SERVE_KEYS=KEY), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    try:
        assert process.stdout is not None
        banner = (await asyncio.wait_for(process.stdout.readline(), timeout=120)).decode()  # once the port is bound
        assert banner.startswith("modbot serve: http://127.0.0.1:"), banner
        url = banner.split()[2].removesuffix("/v1alpha1/comments:analyze")
        assert "model=profanity-check" in banner and "storage=on" in banner
        async with aiohttp.ClientSession() as session:
            body = {"comment": {"text": "what the fuck"}, "requestedAttributes": {"PROFANITY": {}}}
            async with session.post(url + "/v1alpha1/comments:analyze", params={"key": KEY}, json=body) as response:
                assert response.status == 200
                assert response.headers["X-Modbot-Model"] == "profanity-check"
                assert response.headers["X-Modbot-Model-Fallback"] == "false"  # asked for by MODBOT_SCORER
                assert (await response.json())["attributeScores"]["PROFANITY"]["summaryScore"]["value"] > 0.9
            async with session.get(url + "/healthz") as response:
                health = await response.json()
        assert health["attributes"] == ["PROFANITY"] and health["storage"] == "on"
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()
    assert b"stopping" in out
    assert (tmp_path / "serve.db").exists()
