from pathlib import Path

README = Path("README.md").read_text(encoding="utf-8")


def test_readme_rules_example_is_the_shipped_rules_file() -> None:
    intro = README.index("The complete, commented example")
    start = README.index("```yaml\n", intro) + len("```yaml\n")
    end = README.index("```", start)
    assert README[start:end] == Path("config/rules.yaml").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command() -> None:
    lines = README.splitlines()
    marker = lines.index("<!-- test-command -->")
    command = lines[marker + 2]
    assert "pytest" in command and "mypy" in command and "ruff" in command
    assert "test-command" in Path(".ci/run").read_text(encoding="utf-8")
