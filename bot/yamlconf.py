"""Loading YAML config files with line numbers, so every error can say `file:line: key: message`.

Aliases (`&anchor` / `*alias`) are refused: they let a small file expand into a huge one
("billion laughs"), and nothing in modbot's config needs them. Files over `MAX_BYTES` are refused too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

MAX_BYTES = 1_000_000

Loc = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.key}: {self.message}"


class ConfigError(ValueError):
    """One or more problems in a config file. `str()` lists them one per line."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed in modbot config", event.start_mark
            )
        node: yaml.Node | None = super().compose_node(parent, index)
        return node


def format_loc(loc: Iterable[str | int]) -> str:
    """`("rules", 2, "actions", 0)` -> `rules[2].actions[0]`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text or "(top level)"


@dataclass(frozen=True, slots=True)
class YamlDocument:
    path: str
    data: Any
    lines: Mapping[Loc, int]

    def line_of(self, loc: Sequence[str | int]) -> int:
        """The line of the deepest key of `loc` that exists in the file."""
        parts = list(loc)
        while parts:
            line = self.lines.get(tuple(parts))
            if line is not None:
                return line
            parts.pop()
        return 1

    def problem(self, loc: Sequence[str | int], message: str) -> Problem:
        return Problem(self.path, self.line_of(loc), format_loc(loc), message)


def _index_lines(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark.line)
            child = (*loc, key)
            lines[child] = key_node.start_mark.line + 1
            _index_lines(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*loc, index)
            lines[child] = item.start_mark.line + 1
            _index_lines(item, child, lines)


def parse_yaml(text: str, path: str = "<string>") -> YamlDocument:
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise ConfigError([Problem(path, 1, "(file)", f"file is larger than {MAX_BYTES} bytes")])
    loader: _NoAliasLoader | None = None
    try:
        loader = _NoAliasLoader(text)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        message = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        raise ConfigError([Problem(path, line, "(syntax)", message)]) from exc
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise ConfigError([Problem(path, line, "(syntax)", f"character {exc.character!r} is not allowed")]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(path, 1, "(syntax)", str(exc))]) from exc
    except RecursionError as exc:
        raise ConfigError([Problem(path, 1, "(syntax)", "nested too deeply")]) from exc
    finally:
        if loader is not None:
            loader.dispose()
    lines: dict[Loc, int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    return YamlDocument(path, data, lines)


def read_yaml(path: Path) -> YamlDocument:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ConfigError([Problem(str(path), 1, "(file)", f"cannot read: {exc.strerror}")]) from exc
    if size > MAX_BYTES:
        raise ConfigError([Problem(str(path), 1, "(file)", f"file is larger than {MAX_BYTES} bytes")])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(str(path), 1, "(file)", f"cannot read: {exc}")]) from exc
    return parse_yaml(text, str(path))


def validation_problems(document: YamlDocument, error: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for item in error.errors():
        # pydantic adds union member names and "function-after" markers to locations; keep real keys.
        loc = [part for part in item["loc"] if isinstance(part, int) or part in _all_keys(document)]
        message = item["msg"].removeprefix("Value error, ")
        problems.append(document.problem(loc, message))
    return problems


def _all_keys(document: YamlDocument) -> set[str]:
    return {part for loc in document.lines for part in loc if isinstance(part, str)}


def validate(document: YamlDocument, model: type[ModelT]) -> ModelT:
    data = {} if document.data is None else document.data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(validation_problems(document, exc)) from exc
