"""`modbot backtest` on bad input: one line naming the file (and line), exit 2, before any scoring; and on good
input, the live bot's decisions (the use/mention review included)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import _register, cli

_register()

RULES = (Path(__file__).resolve().parents[2] / "config" / "rules.yaml").read_text(encoding="utf-8")
GOOD = b"text,label\nwhat a lovely day,0\nyou are a fucking idiot,1\nthanks for the article,0\nthis is shit,1\n"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "rules.yaml").write_text(RULES, encoding="utf-8")
    # the detoxify checkpoint is missing, as in CI: the profanity-check fallback scores
    (folder / "settings.yaml").write_text(f"scoring:\n  checkpoint: {tmp_path / 'none.ckpt'}\n", encoding="utf-8")
    return folder


def backtest(config_dir: Path, data: Path, *extra: str) -> tuple[int, str, str]:
    args = ["--config", str(config_dir), "backtest", str(data), "--text-column", "text", "--label-column", "label"]
    result = CliRunner().invoke(cli, [*args, *extra])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_limit_below_one_is_a_usage_error(tmp_path: Path, config_dir: Path, limit: str) -> None:
    data = tmp_path / "good.csv"
    data.write_bytes(GOOD)
    code, out, err = backtest(config_dir, data, "--limit", limit)
    assert code == 2 and out == ""
    assert f"Invalid value for '--limit': {limit} is not in the range x>=1" in err


def test_limit_one_scores_one_row(tmp_path: Path, config_dir: Path) -> None:
    data = tmp_path / "good.csv"
    data.write_bytes(GOOD)
    code, out, _ = backtest(config_dir, data, "--limit", "1")
    assert code == 0 and out.startswith("1 rows, 0 labelled positive")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("latin1.csv", b"text,label\nhello,0\ncaf\xe9 au lait,1\n",
                     ":3: not UTF-8 text (byte 0xe9 at column 4); save the file as UTF-8", id="not-utf8"),
        pytest.param("header.csv", b"text,label\n", ": no data rows after the header", id="header-only"),
        pytest.param("empty.csv", b"", ": the file is empty; expected a header row naming the columns", id="empty"),
        pytest.param("quote.csv", b'text,label\nhello,0\n"never closed,1\nbye,0\n',
                     ":3: a quoted field is never closed", id="unclosed-quote"),
        pytest.param("short.csv", b"text,label\nhello,0\njust text\n", ":3: 1 field, but the header has 2",
                     id="short-row"),
        pytest.param("label.csv", b"text,label\nhello,maybe\n",
                     ":2: label 'maybe' is not 0/1, true/false or a probability", id="bad-label"),
        pytest.param("columns.csv", b"body,label\nhello,0\n", ":1: no column 'text'; columns are body, label",
                     id="missing-column"),
    ],
)
def test_bad_csv_is_one_line_naming_file_and_line(
    tmp_path: Path, config_dir: Path, name: str, content: bytes, message: str
) -> None:
    data = tmp_path / name
    data.write_bytes(content)
    code, out, err = backtest(config_dir, data)
    assert code == 2 and out == ""
    assert err.splitlines() == [f"{data}{message}"]


def test_bad_gzip_members_are_named_too(tmp_path: Path, config_dir: Path) -> None:
    inside = tmp_path / "latin1.csv.gz"
    inside.write_bytes(gzip.compress(b"text,label\nna\xefve,0\n"))
    code, _, err = backtest(config_dir, inside)
    assert code == 2
    assert err.splitlines() == [f"{inside}:2: not UTF-8 text (byte 0xef at column 3); save the file as UTF-8"]
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(b"text,label\nhello,0\n")  # not gzip at all
    code, _, err = backtest(config_dir, broken)
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith(f"{broken}: cannot read it: ")


def test_a_utf8_bom_is_not_part_of_the_first_column(tmp_path: Path, config_dir: Path) -> None:
    data = tmp_path / "bom.csv"
    data.write_bytes(b"\xef\xbb\xbf" + GOOD)
    code, out, _ = backtest(config_dir, data)
    assert code == 0 and out.startswith("4 rows, 2 labelled positive")


def test_plot_into_a_missing_folder_is_refused_before_the_data_is_read(tmp_path: Path, config_dir: Path) -> None:
    data = tmp_path / "header.csv"
    data.write_bytes(b"text,label\n")  # would fail too, but the plot path is checked first
    plot = tmp_path / "no-such-folder" / "sweep.png"
    code, out, err = backtest(config_dir, data, "--plot", str(plot))
    assert code == 2 and out == ""
    assert err.splitlines() == [f"{plot}: folder {plot.parent} does not exist"]


@pytest.mark.parametrize("name", ["sweep.bmp", "sweep"])
def test_plot_with_an_unknown_suffix_is_refused(tmp_path: Path, config_dir: Path, name: str) -> None:
    data = tmp_path / "good.csv"
    data.write_bytes(GOOD)
    code, _, err = backtest(config_dir, data, "--plot", str(tmp_path / name))
    assert code == 2 and len(err.splitlines()) == 1
    assert "cannot tell the image format" in err and ".png, .svg, .pdf, .jpg" in err
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize(
    ("name", "magic"),
    [("sweep.jpg", b"\xff\xd8\xff"), ("sweep.SVG", b"<?xml"), ("sweep.pdf", b"%PDF")],
)
def test_plot_is_drawn_in_the_format_its_suffix_names(tmp_path: Path, config_dir: Path, name: str,
                                                      magic: bytes) -> None:
    data = tmp_path / "good.csv"
    data.write_bytes(GOOD)
    plot = tmp_path / name
    code, out, _ = backtest(config_dir, data, "--plot", str(plot))
    assert code == 0 and f"sweep drawn to {plot}" in out
    assert plot.read_bytes().startswith(magic)


def test_a_reported_word_counts_as_flagged_like_the_live_bot(tmp_path: Path, config_dir: Path) -> None:
    data = tmp_path / "reports.csv"
    data.write_text('text,label\n"mods, he keeps calling people ""idiot"" in the thread",0\nyou idiot,1\n',
                    encoding="utf-8")
    code, out, _ = backtest(config_dir, data, "--json")
    tiers = {row["tier"]: row["predicted"] for row in json.loads(out.splitlines()[-1])["tiers"]}
    assert code == 0 and tiers == {"any action": 2, "removed": 1, "flagged only": 1}
