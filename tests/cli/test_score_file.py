"""`modbot score --file`: many messages through the same path as `score TEXT`, a JSON line each, in order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.app import App
from bot.cli.main import _register, cli
from bot.cli.score import judge_batches
from bot.settings import load_settings

_register()

MESSAGES = ["have a nice day", "you are a complete 1d10t", 'Someone called me "slurword", can a mod look?',
            "what a m o r o n"]


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "rules.yaml").write_text(Path("config/rules.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    # detoxify is configured but its checkpoint is missing: the offline fallback scores, as in CI
    (folder / "settings.yaml").write_text(f"scoring:\n  checkpoint: {tmp_path / 'none.ckpt'}\n", encoding="utf-8")
    return folder


def run(config_dir: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config_dir), "score", *args], input=stdin,
                                catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_one_message_per_line_gives_the_same_fields_as_score_json(config_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "reported.txt"
    path.write_text("\n".join(MESSAGES) + "\n", encoding="utf-8")
    code, out, _ = run(config_dir, "--file", str(path), "--json")
    results = lines(out)
    assert code == 0 and [r["text"] for r in results] == MESSAGES
    code, single, _ = run(config_dir, "--json", MESSAGES[1])
    assert code == 0 and lines(single)[0] == results[1]
    assert results[1]["rule"] == "insults" and results[2]["decision"] == ["flag"]
    primary = {"name": "primary", "text": "what a moron", "scored": "what a moron"}
    assert primary in results[3]["readings"]  # type: ignore[operator]


def test_csv_with_a_text_column(config_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    path.write_text('id,body\n1,"hello, world"\n2,"you idiot"\n3,"multi\nline"\n', encoding="utf-8")
    code, out, _ = run(config_dir, "--file", str(path), "--text-column", "body", "--json")
    assert code == 0 and [r["text"] for r in lines(out)] == ["hello, world", "you idiot", "multi\nline"]
    assert [r["rule"] for r in lines(out)][1] == "insults"


def test_jsonl_from_stdin_in_input_order(config_dir: Path) -> None:
    texts = [f"message number {index}" for index in range(150)]  # more than one batch
    stdin = "".join(json.dumps({"text": text, "id": i}) + "\n" for i, text in enumerate(texts))
    code, out, _ = run(config_dir, "--file", "-", "--json", stdin=stdin)
    assert code == 0 and [r["text"] for r in lines(out)] == texts


def test_plain_output_is_a_line_per_message(config_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "m.txt"
    path.write_text("have a nice day\nyou idiot\n", encoding="utf-8")
    code, out, _ = run(config_dir, "--file", str(path))
    assert code == 0 and out.splitlines() == ["allow\thave a nice day", "delete, warn [insults]\tyou idiot"]


@pytest.mark.parametrize(
    ("name", "content", "args", "message"),
    [
        ("missing.csv", None, (), "no such file"),
        ("a.csv", "id,body\n1,x\n", (), "no column 'text' in the header (id, body)"),
        ("a.jsonl", '{"text": "ok"}\nnot json\n', (), "a.jsonl:2: not a JSON object"),
        ("a.jsonl", '{"body": "ok"}\n', (), "a.jsonl:1: no string field 'text'"),
        ("a.txt", "hello\n", ("--text-column", "x"), "--text-column needs a CSV"),
    ],
)
def test_unreadable_input_is_one_line_and_exit_2(
    config_dir: Path, tmp_path: Path, name: str, content: str | None, args: tuple[str, ...], message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, _, err = run(config_dir, "--file", str(path), *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_text_and_file_together_is_a_usage_error(config_dir: Path, tmp_path: Path) -> None:
    code, _, err = run(config_dir, "hello", "--file", str(tmp_path / "x.txt"))
    assert code == 2 and "either TEXT or --file" in err


def test_score_json_explains_a_word_rule_and_the_fallbacks_score_rule(config_dir: Path) -> None:
    code, out, _ = run(config_dir, "--json", "you are a complete 1d10t")
    why = lines(out)[0]["explanation"]
    assert code == 0 and isinstance(why, dict)
    assert (why["kind"], why["span"], why["term"], why["reading"]) == ("word", "1d10t", "idiot", "primary")
    assert why["text"] == 'word list insults: "1d10t" in reading primary (as "idiot")'

    code, out, _ = run(config_dir, "--json", "fuck this shit, you worthless people")
    result = lines(out)[0]
    why = result["explanation"]
    assert code == 0 and result["rule"] == "profanity" and isinstance(why, dict)
    assert why["method"] == "word-weights" and why["model"]["fallback"] is True  # never shown as detoxify's
    assert [word for word, _ in why["contributions"][:2]] == ["fuck", "shit"]
    assert why["text"].startswith("profanity 1.00: \"fuck\" +") and "FALLBACK profanity-check" in why["text"]


def test_score_text_prints_why_and_no_explain_leaves_it_out(config_dir: Path) -> None:
    code, out, _ = run(config_dir, "what a m o r o n")
    assert code == 0 and 'why:      word list insults: "m o r o n" in reading primary (as "moron")' in out
    code, out, _ = run(config_dir, "--json", "--no-explain", "what a m o r o n")
    assert code == 0 and lines(out)[0]["explanation"] is None
    code, out, _ = run(config_dir, "--json", "have a nice day")
    assert code == 0 and lines(out)[0]["explanation"] is None  # allowed: nothing to explain


def test_a_homograph_is_scored_in_the_sense_a_reader_sees(config_dir: Path) -> None:
    texts = ["I hoe the garden every spring", "stop being a hoe", "Dick Van Dyke was brilliant in that film",
             "you are a dick"]
    code, out, _ = run(config_dir, "--file", "-", "--json", stdin="\n".join(texts) + "\n")
    results = lines(out)
    assert code == 0 and [r["decision"] for r in results] == [["allow"], ["delete", "warn"], ["allow"],
                                                              ["delete", "warn"]]
    assert results[0]["readings"] == [{"name": "primary", "text": texts[0], "scored": "I weed the garden every spring"}]
    assert results[1]["readings"] == [{"name": "primary", "text": texts[1], "scored": texts[1]}]


async def test_results_come_a_batch_at_a_time_in_input_order(config_dir: Path, tmp_path: Path) -> None:
    settings = load_settings(config_dir, {}).model_copy(update={"database": tmp_path / "cases.db"})
    texts = [f"message number {index}" for index in range(10)] + ["you idiot"]
    async with App.open(settings) as app:
        chunks = [chunk async for chunk in judge_batches(app.dry_pipeline(), texts, 0, batch=4)]
    assert [len(chunk) for chunk in chunks] == [4, 4, 3]  # `score --file` prints each as it is done
    assert [result["text"] for chunk in chunks for result in chunk] == texts
    assert chunks[-1][-1]["rule"] == "insults"


def test_score_text_says_what_the_model_scored_when_a_homograph_was_read(config_dir: Path) -> None:
    code, out, _ = run(config_dir, "I hoe the garden every spring")
    assert code == 0 and "scored as: I weed the garden every spring  (primary reading)" in out
