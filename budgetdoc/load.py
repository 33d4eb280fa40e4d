"""YAML → :class:`~budgetdoc.model.Project`, keeping the line and column of every value.

The only module that sees raw YAML. Loading is strict: no anchors, aliases, merge
keys or tags, no duplicate keys, bounded size and depth, and every scalar is kept as
the text that was typed (YAML 1.1's ``no`` → False, ``010`` → 8 or ``1:20`` → 80 never
happen): the model's field types decide what a value means.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .model import Document, Path, Problem, Project, SourceMap, path_str

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 40
SCHEMA_COMMENT = "# yaml-language-server: $schema="


class LoadError(Exception):
    """A file that could not be turned into a project; ``problems`` says why, all at once."""

    def __init__(self, problems: list[Problem], unreadable: bool = False) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
        self.unreadable = unreadable


@dataclass
class _Raw:
    problems: list[Problem]
    values: dict[Path, tuple[int, int]]
    keys: dict[Path, tuple[int, int]]


class _TooDeep(Exception):
    def __init__(self, mark: yaml.Mark) -> None:
        self.mark = mark


def _parser(text: str) -> Any:  # noqa: ANN401
    """libyaml's event parser when available (fast; it does not recurse), else PyYAML's."""
    if yaml.__with_libyaml__:
        from yaml._yaml import CParser

        return CParser(text)
    return yaml.SafeLoader(text)


class _Composer:
    """Builds nodes from parser events, refusing what a data file must not use.

    Anchors, aliases and tags are recorded as problems; nesting deeper than
    ``MAX_DEPTH`` stops at once (libyaml's own composer would overflow the C stack).
    """

    def __init__(self, text: str) -> None:
        self.parser = _parser(text)
        self.found: list[tuple[yaml.Mark, str, str]] = []

    def single(self) -> yaml.Node | None:
        p = self.parser
        p.get_event()  # StreamStart
        node = None
        if not p.check_event(yaml.StreamEndEvent):
            p.get_event()  # DocumentStart
            node = self.node(1)
            p.get_event()  # DocumentEnd
        if not p.check_event(yaml.StreamEndEvent):
            event = p.get_event()
            self.found.append((event.start_mark, "yaml-documents", "파일에는 YAML 문서가 하나만 있어야 합니다"))
        return node

    def node(self, depth: int) -> yaml.Node:
        p = self.parser
        event = p.get_event()
        if isinstance(event, yaml.AliasEvent):
            self.found.append((event.start_mark, "yaml-alias", f"별칭(*{event.anchor})은 쓸 수 없습니다"))
            return yaml.ScalarNode("", "", event.start_mark, event.end_mark)
        if depth > MAX_DEPTH:
            raise _TooDeep(event.start_mark)
        if event.anchor is not None:
            self.found.append((event.start_mark, "yaml-anchor", f"앵커(&{event.anchor})는 쓸 수 없습니다"))
        if event.tag is not None and event.tag != "!":
            self.found.append((event.start_mark, "yaml-tag", f"태그 {event.tag}은(는) 쓸 수 없습니다"))
        if isinstance(event, yaml.ScalarEvent):
            return yaml.ScalarNode("", event.value, event.start_mark, event.end_mark, style=event.style or None)
        if isinstance(event, yaml.SequenceStartEvent):
            items = []
            while not p.check_event(yaml.SequenceEndEvent):
                items.append(self.node(depth + 1))
            p.get_event()
            return yaml.SequenceNode("", items, event.start_mark, event.end_mark)
        pairs = []
        while not p.check_event(yaml.MappingEndEvent):
            key = self.node(depth + 1)
            pairs.append((key, self.node(depth + 1)))
        p.get_event()
        return yaml.MappingNode("", pairs, event.start_mark, event.end_mark)


def _pos(mark: yaml.Mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _convert(node: yaml.Node, path: Path, raw: _Raw, file: str) -> Any:  # noqa: ANN401
    raw.values[path] = _pos(node.start_mark)
    if isinstance(node, yaml.ScalarNode):
        if node.style is None and node.value in ("", "~", "null", "Null", "NULL"):
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), raw, file) for i, item in enumerate(node.value)]
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            line, col = _pos(key_node.start_mark)
            raw.problems.append(Problem(file, line, col, "yaml-key", "키는 글이어야 합니다", path_str(path)))
            continue
        key = key_node.value
        line, col = _pos(key_node.start_mark)
        if key == "<<" and key_node.style is None:
            raw.problems.append(Problem(file, line, col, "yaml-merge", "병합 키(<<)는 쓸 수 없습니다", path_str(path)))
            continue
        if key in result:
            first = raw.keys[(*path, key)]
            raw.problems.append(
                Problem(file, line, col, "yaml-duplicate-key",
                        f"키 '{key}'가 두 번 있습니다 (처음은 {first[0]}행)", path_str((*path, key)))
            )
            continue
        raw.keys[(*path, key)] = (line, col)
        result[key] = _convert(value_node, (*path, key), raw, file)
    return result


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap, list[Problem]]:
    """Compose ``text`` strictly into plain dicts/lists/str with positions."""
    composer: _Composer | None = None
    try:
        try:
            composer = _Composer(text)
            node = composer.single()
        except _TooDeep as exc:
            line, col = _pos(exc.mark)
            raise LoadError([Problem(file, line, col, "yaml-depth", f"중첩이 너무 깊습니다 (최대 {MAX_DEPTH}단계)")]) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = _pos(mark) if mark else (1, 1)
            what = exc.problem or exc.context or "YAML 문법 오류"
            raise LoadError([Problem(file, line, col, "yaml-syntax", f"YAML 문법 오류: {what}")]) from None
        except yaml.reader.ReaderError as exc:
            line, col = _line_col(text, exc.position)
            raise LoadError(
                [Problem(file, line, col, "yaml-character", f"쓸 수 없는 문자 U+{exc.character:04X}")]
            ) from None
        except yaml.YAMLError as exc:
            raise LoadError([Problem(file, 1, 1, "yaml-syntax", f"YAML 문법 오류: {exc}")]) from None
    finally:
        if composer is not None:
            del composer.parser
    raw = _Raw([], {}, {})
    for mark, rule, message in composer.found:
        line, col = _pos(mark)
        raw.problems.append(Problem(file, line, col, rule, message))
    if node is None:
        raw.problems.append(Problem(file, 1, 1, "yaml-empty", "빈 파일입니다"))
        return None, SourceMap(file), raw.problems
    data = _convert(node, (), raw, file)
    return data, SourceMap(file, raw.values, raw.keys), raw.problems


def _line_col(text: str, index: int) -> tuple[int, int]:
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def decode(data: bytes, file: str) -> str:
    if len(data) > MAX_BYTES:
        raise LoadError(
            [Problem(file, 1, 1, "file-size", f"파일이 너무 큽니다 ({len(data):,}바이트, 최대 {MAX_BYTES:,}바이트)")],
            unreadable=True,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = len(data[: exc.start].rsplit(b"\n", 1)[-1].decode("utf-8", "replace")) + 1
        raise LoadError(
            [Problem(file, line, col, "encoding", f"UTF-8이 아닌 바이트 0x{data[exc.start]:02X}가 있습니다")],
            unreadable=True,
        ) from None
    return text


# --------------------------------------------------------------------------- shape

_TYPE_NAMES = {dict: "매핑", list: "목록", str: "글", type(None): "빈 값"}


def _kind(value: object) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the record that ``loc`` points into (for suggestions)."""
    from typing import get_args, get_origin

    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            if info is None:
                return []
            current = info.annotation
        else:
            args = [a for a in get_args(current) if a is not type(None)]
            origin = get_origin(current)
            if origin in (list, dict) and args:
                current = args[-1]
            elif args:
                current = args[0]
            else:
                return []
            # unwrap Optional[...] / Annotated
            while get_origin(current) is not None and not (
                isinstance(current, type) and issubclass(current, BaseModel)
            ) and get_origin(current) not in (list, dict):
                inner = [a for a in get_args(current) if a is not type(None)]
                if not inner:
                    break
                current = inner[0]
    while not (isinstance(current, type) and issubclass(current, BaseModel)):
        args = [a for a in __import__("typing").get_args(current) if a is not type(None)]
        if not args:
            return []
        current = args[-1] if __import__("typing").get_origin(current) in (list, dict) else args[0]
    return list(current.model_fields)


def _shape_problems(exc: ValidationError, data: Any, source: SourceMap) -> list[Problem]:
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if p != "[key]")
        path: Path = tuple(int(p) if isinstance(p, int) else str(p) for p in loc)
        kind = err["type"]
        line, col = source.where(path)
        field = path_str(path)
        if kind == "extra_forbidden":
            key = str(path[-1])
            line, col = source.keys.get(path, (line, col))
            near = difflib.get_close_matches(key, _fields_at(Project, path[:-1]), n=1, cutoff=0.6)
            hint = f" — '{near[0]}'을(를) 뜻했나요?" if near else ""
            problems.append(Problem(source.file, line, col, "unknown-key", f"알 수 없는 키 '{key}'{hint}", field))
        elif kind == "missing":
            parent = path[:-1]
            line, col = source.where(parent)
            where = f"'{path_str(parent)}'에" if parent else "최상위에"
            problems.append(Problem(source.file, line, col, "missing-field",
                                    f"필수 항목 '{path[-1]}'이(가) {where} 없습니다", field))
        elif kind in ("model_type", "dict_type", "model_attributes_type"):
            problems.append(Problem(source.file, line, col, "wrong-type",
                                    f"'{field}'은(는) 매핑이어야 하는데 {_kind(err.get('input'))}이(가) 있습니다", field))
        elif kind == "list_type":
            problems.append(Problem(source.file, line, col, "wrong-type",
                                    f"'{field}'은(는) 목록이어야 하는데 {_kind(err.get('input'))}이(가) 있습니다", field))
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            problems.append(Problem(source.file, line, col, "invalid-value",
                                    f"'{field}'에 '{err.get('input')}'은(는) 쓸 수 없습니다 (가능한 값: {expected})", field))
        elif kind == "too_short":
            problems.append(Problem(source.file, line, col, "missing-field",
                                    f"'{field}'이(가) 비어 있습니다", field))
        elif kind in ("greater_than_equal", "less_than_equal"):
            problems.append(Problem(source.file, line, col, "invalid-value",
                                    f"'{field}' 값 {err.get('input')}이(가) 범위를 벗어났습니다", field))
        else:
            problems.append(Problem(source.file, line, col, "invalid-value", f"'{field}': {err['msg']}", field))
    return problems


def load_text(text: str, file: str) -> Document:
    data, source, problems = parse_yaml(text, file)
    if data is not None and not isinstance(data, dict):
        problems.append(Problem(file, 1, 1, "wrong-type", f"파일의 최상위는 매핑이어야 하는데 {_kind(data)}이(가) 있습니다"))
    if problems:
        # Shape errors are still worth reporting alongside YAML-level ones.
        if isinstance(data, dict):
            try:
                Project.model_validate(data)
            except ValidationError as exc:
                problems.extend(_shape_problems(exc, data, source))
        raise LoadError(sorted(problems, key=lambda p: (p.line, p.column)))
    try:
        project = Project.model_validate(data)
    except ValidationError as exc:
        raise LoadError(sorted(_shape_problems(exc, data, source), key=lambda p: (p.line, p.column))) from None
    return Document(project, source)


def load(path: str | os.PathLike[str], display: str | None = None) -> Document:
    """Load one YAML file; raises :class:`LoadError` with every problem found."""
    file = display or os.fspath(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise LoadError([Problem(file, 1, 1, "unreadable", f"파일을 읽을 수 없습니다: {exc.strerror}")],
                        unreadable=True) from None
    return load_text(decode(data, file), file)
