"""`modbot model info|fetch|import` through click's runner, with real settings files and a real cache dir."""

from __future__ import annotations

import functools
import http.server
import io
import json
import logging
import socket
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import model as model_cli
from bot.cli.main import cli
from bot.scoring import checkpoints
from bot.scoring.checkpoints import file_sha256
from bot.scoring.factory import open_scorer
from bot.settings import ScoringSettings
from tests.synthetic import SyntheticCheckpoint


@pytest.fixture
def runner() -> CliRunner:
    model_cli.register(cli)
    return CliRunner()


def _config(tmp_path: Path, scoring: str) -> Path:
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.yaml").write_text(f"scoring:\n{scoring}", encoding="utf-8")
    return config


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_info_with_a_checkpoint(runner: CliRunner, tmp_path: Path, original_ckpt: SyntheticCheckpoint,
                                torch_home: Path) -> None:
    config = _config(tmp_path, f"  checkpoint: {original_ckpt.path}\n")
    result = runner.invoke(cli, ["--config", str(config), "model", "info", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["model"] == "detoxify/original"
    assert report["checkpoint"] == str(original_ckpt.path)
    assert report["checkpoint_origin"] == "settings"
    assert report["fallback"] is False
    assert "toxicity" in report["labels"]
    assert report["cache_dir"] == str(torch_home / "hub" / "checkpoints")


def test_info_load_confirms_the_model(runner: CliRunner, tmp_path: Path,
                                      original_ckpt: SyntheticCheckpoint) -> None:
    config = _config(tmp_path, f"  checkpoint: {original_ckpt.path}\n  quantize: none\n")
    result = runner.invoke(cli, ["--config", str(config), "model", "info", "--load"])
    assert result.exit_code == 0, result.output
    assert "live model:  detoxify/original" in result.output
    assert "synthetic_original_tiny-" in result.output


def test_info_says_fallback_when_nothing_is_there(runner: CliRunner, tmp_path: Path, torch_home: Path) -> None:
    config = _config(tmp_path, "  allow_fallback: true\n")
    result = runner.invoke(cli, ["--config", str(config), "model", "info"])
    assert result.exit_code == 0, result.output
    assert "profanity-check  [FALLBACK: detoxify unavailable]" in result.output
    assert "modbot model fetch" in result.output


def test_info_without_fallback_exits_1(runner: CliRunner, tmp_path: Path, torch_home: Path) -> None:
    config = _config(tmp_path, "  allow_fallback: false\n")
    result = runner.invoke(cli, ["--config", str(config), "model", "info"])
    assert result.exit_code == 1
    assert "none (the bot would refuse to start)" in result.output


def test_fetch_offline_fails_clearly(runner: CliRunner, tmp_path: Path, torch_home: Path) -> None:
    config = _config(tmp_path, "  model_type: original\n")
    url = f"http://127.0.0.1:{_closed_port()}/toxic_original-c1212f89.ckpt"
    result = runner.invoke(cli, ["--config", str(config), "model", "fetch", "--url", url])
    assert result.exit_code == 1
    assert "could not download" in result.output
    assert "modbot model import PATH" in result.output
    assert "Traceback" not in result.output
    assert not list((torch_home / "hub" / "checkpoints").glob("*"))  # no partial file left behind


def test_import_checks_copies_and_warns(runner: CliRunner, tmp_path: Path, original_ckpt: SyntheticCheckpoint,
                                        torch_home: Path) -> None:
    config = _config(tmp_path, "  model_type: original\n")
    result = runner.invoke(cli, ["--config", str(config), "model", "import", str(original_ckpt.path), "--yes"])
    assert result.exit_code == 0, result.output
    assert "pickle" in result.output
    target = torch_home / "hub" / "checkpoints" / "toxic_original-c1212f89.ckpt"
    assert target.read_bytes() == original_ckpt.path.read_bytes()
    info = runner.invoke(cli, ["--config", str(config), "model", "info", "--json"])
    report = json.loads(info.output)
    assert report["checkpoint_origin"] == "cache"
    # the file now has the release name: the record beside it says whose weights they are
    sha = file_sha256(original_ckpt.path)
    assert report["imported"] is True and report["sha256"] == sha
    assert report["imported_from"] == str(original_ckpt.path.resolve())
    assert f"sha256: {sha}" in result.output
    record = json.loads((target.parent / (target.name + ".import.json")).read_text(encoding="utf-8"))
    assert record["sha256"] == sha and record["model_type"] == "original"
    text = runner.invoke(cli, ["--config", str(config), "model", "info"]).output
    assert f"live model:  detoxify/original  [IMPORTED weights, sha256 {sha[:12]}]" in text
    assert "imported:    yes, from " in text and f"sha256:      {sha}" in text
    assert f"version:     toxic_original-c1212f89 imported sha256:{sha[:12]} (not loaded)" in text


async def test_an_imported_checkpoint_is_named_imported_in_what_cases_store(
    original_ckpt: SyntheticCheckpoint, torch_home: Path
) -> None:
    target, record = checkpoints.install(original_ckpt.path, "original")
    assert record.sha256 == file_sha256(target)
    settings = ScoringSettings(quantize="none", torch_threads=1, allow_fallback=False)
    scorer = await open_scorer(settings)
    try:
        model = scorer.model  # the ModelInfo every case records
    finally:
        await scorer.close()
    assert model.name == "detoxify/original"
    assert model.version.split(" ")[1:] == ["toxic_original-c1212f89", "imported", f"sha256:{record.short}", "fp32"]
    assert f"imported sha256:{record.short}" in model.describe()
    # its ONNX export is kept apart from the release's
    assert checkpoints.checkpoint_id(target) == f"toxic_original-c1212f89-imported-{record.short}"


def test_fetching_the_release_again_drops_the_import_record(
    original_ckpt: SyntheticCheckpoint, torch_home: Path, tmp_path: Path
) -> None:
    target, _ = checkpoints.install(original_ckpt.path, "original")
    served = tmp_path / "served"
    served.mkdir()
    (served / "toxic_original-c1212f89.ckpt").write_bytes(b"release bytes")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/toxic_original-c1212f89.ckpt"
            checkpoints.download("original", url=url)
        finally:
            server.shutdown()
            thread.join()
    assert target.read_bytes() == b"release bytes"
    assert checkpoints.read_import_record(target) is None
    assert checkpoints.checkpoint_id(target) == "toxic_original-c1212f89"


def test_import_refuses_without_confirmation_and_bad_files(runner: CliRunner, tmp_path: Path,
                                                           torch_home: Path) -> None:
    config = _config(tmp_path, "  model_type: original\n")
    junk = tmp_path / "junk.ckpt"
    junk.write_bytes(b"not a checkpoint")
    declined = runner.invoke(cli, ["--config", str(config), "model", "import", str(junk)], input="n\n")
    assert declined.exit_code == 1
    bad = runner.invoke(cli, ["--config", str(config), "model", "import", str(junk), "--yes"])
    assert bad.exit_code == 1
    assert "not a readable checkpoint" in bad.output
    assert not (torch_home / "hub" / "checkpoints").exists()


def test_export_makes_the_onnx_export_and_prints_its_fidelity(
    runner: CliRunner, tmp_path: Path, original_ckpt: SyntheticCheckpoint, torch_home: Path,
    caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.scoring")
    config = _config(tmp_path, f"  checkpoint: {original_ckpt.path}\n  quantize: onnx-int8\n  torch_threads: 1\n")
    result = runner.invoke(cli, ["--config", str(config), "model", "export"])
    assert result.exit_code == 0, result.output
    assert "exporting to ONNX" not in result.stderr  # not a terminal: no progress lines
    logged = [record.getMessage() for record in caplog.records]
    assert any("step='exporting to ONNX'" in line for line in logged), logged  # the bot's first start logs them
    exported = list((torch_home / "hub" / "modbot" / "onnx").glob("*/model.int8.onnx"))
    assert len(exported) == 1
    assert str(exported[0].parent) in result.output
    figure = float(result.output.split("from fp32 ")[1].split()[0])
    assert 0.0 < figure < 0.2


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_export_progress_is_printed_on_a_terminal_only() -> None:
    terminal = _Terminal()
    show = model_cli.progress_printer(terminal)
    assert show is not None
    show("loading checkpoint")
    show("quantizing to int8")
    lines = terminal.getvalue().splitlines()
    assert [line.split("] ", 1)[1] for line in lines] == ["loading checkpoint ...", "quantizing to int8 ..."]
    assert lines[0].startswith("[") and "s]" in lines[0]
    assert model_cli.progress_printer(io.StringIO()) is None


def test_export_without_a_checkpoint_names_the_fix(runner: CliRunner, tmp_path: Path, torch_home: Path) -> None:
    config = _config(tmp_path, f"  checkpoint: {tmp_path / 'absent.ckpt'}\n")
    result = runner.invoke(cli, ["--config", str(config), "model", "export"])
    assert result.exit_code == 1
    assert "modbot model fetch" in result.output
    assert not (torch_home / "hub" / "modbot").exists()
