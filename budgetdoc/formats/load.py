"""YAML → :class:`~budgetdoc.model.document.Project`, keeping the line and column of every value.

The only module that sees raw YAML. Loading is strict: no anchors, aliases, merge
keys or tags, no duplicate keys, bounded size, depth and number of values, and every
scalar is kept as the text that was typed (YAML 1.1's ``no`` → False, ``010`` → 8 or
``1:20`` → 80 never happen): the model's field types decide what a value means.

Every way a file can be wrong ends in :class:`LoadError`, whose problems say where
and what in Korean; nothing else escapes.

Longer than most modules: positions, the YAML safety limits and the Korean messages for every
way a file can be wrong are one job: turning bytes into a Project or saying why not.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from budgetdoc.errors import EXIT_PROBLEMS, EXIT_USAGE, BudgetdocError
from budgetdoc.formats.reading import MAX_DATA, TOO_BIG, UNREADABLE, Refused, read_file
from budgetdoc.model import labels
from budgetdoc.model.document import Document, Path, Problem, Project, SourceMap, path_str
from budgetdoc.names import shown_path

MAX_BYTES = MAX_DATA
MAX_DEPTH = 40
MAX_NODES = 50_000
MAX_PROBLEMS = 100
MAX_SHOWN = 40


class LoadError(BudgetdocError):
    """A file that could not be turned into a project; ``problems`` says why, all at once.

    Exit 2 when the file itself cannot be read (:data:`UNREADABLE`), else 1.
    """

    def __init__(self, problems: list[Problem], partial: Document | None = None) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
        self.partial = partial  # the project with its empty text fields filled in, for the checks (see provisional)
        self.unreadable = any(p.rule in UNREADABLE for p in problems)  # the file itself, not its content
        self.exit_code = EXIT_USAGE if self.unreadable else EXIT_PROBLEMS


@dataclass
class _Raw:
    problems: list[Problem]
    values: dict[Path, tuple[int, int]]
    keys: dict[Path, tuple[int, int]]


def _shown(text: str) -> str:
    """``text`` on one line and cut short, for a message."""
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"


# --------------------------------------------------------------------------- characters

# Outside YAML's printable set, plus NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR, which
# YAML counts as line breaks but editors do not (so every line number after them would
# be wrong), and lone surrogates, which cannot be written out as UTF-8 again.
# Control characters, YAML's extra line breaks, lone surrogates, non-characters, and the
# bidirectional overrides that can make printed text read differently from the data.
_BAD_CHAR = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
_BREAK = re.compile(r"\r\n|\r|\n")
_CHAR_NAMES = {0: "NUL", 0x1B: "ESC", 0x7F: "DEL", 0x85: "NEL", 0x2028: "LINE SEPARATOR", 0x2029: "PARAGRAPH SEPARATOR"}


def _char(c: str) -> str:
    code = ord(c)
    name = _CHAR_NAMES.get(code)
    return f"U+{code:04X}" + (f"({name})" if name else "")


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _BREAK.finditer(text)]


def _position(starts: list[int], index: int) -> tuple[int, int]:
    """1-based line and column of character ``index``; CRLF, CR and LF each end a line."""
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= index:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1, index - starts[lo] + 1


def _bad_characters(text: str, file: str) -> list[Problem]:
    if not _BAD_CHAR.search(text):
        return []
    starts = _line_starts(text)
    problems = []
    for m in itertools.islice(_BAD_CHAR.finditer(text), MAX_PROBLEMS + 1):
        line, col = _position(starts, m.start())
        problems.append(
            Problem(file, line, col, "yaml-character", f"쓸 수 없는 문자 {_char(m.group())}이(가) 있습니다")
        )
    return _limited(problems, len(_BAD_CHAR.findall(text)) if len(problems) > MAX_PROBLEMS else None)


# --------------------------------------------------------------------------- composing


class _Stop(Exception):
    """Composing stops at once: too deep or too many values."""

    def __init__(self, mark: yaml.Mark, rule: str, message: str) -> None:
        self.mark, self.rule, self.message = mark, rule, message


def _parser(text: str) -> Any:
    """Libyaml's event parser when available (fast; it does not recurse), else PyYAML's."""
    if yaml.__with_libyaml__:
        from yaml._yaml import CParser  # the C parser, where PyYAML was built with it

        return CParser(text)
    return yaml.SafeLoader(text)


class _Composer:
    """Builds nodes from parser events, refusing what a data file must not use.

    Anchors, aliases and tags are recorded as problems; nesting deeper than
    ``MAX_DEPTH`` or more than ``MAX_NODES`` values stop at once (libyaml's own
    composer would overflow the C stack, and a huge flow list would take seconds).
    """

    def __init__(self, text: str) -> None:
        self.parser = _parser(text)
        self.found: list[tuple[yaml.Mark, str, str]] = []
        self.count = 0

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
        self.count += 1
        if self.count > MAX_NODES:
            raise _Stop(event.start_mark, "file-size", f"값이 너무 많습니다 (최대 {MAX_NODES:,}개)")
        if isinstance(event, yaml.AliasEvent):
            self.found.append((event.start_mark, "yaml-alias", f"별칭(*{_shown(event.anchor)})은 쓸 수 없습니다"))
            return yaml.ScalarNode("", "", event.start_mark, event.end_mark)
        if depth > MAX_DEPTH:
            raise _Stop(event.start_mark, "yaml-depth", f"중첩이 너무 깊습니다 (최대 {MAX_DEPTH}단계)")
        if event.anchor is not None:
            self.found.append((event.start_mark, "yaml-anchor", f"앵커(&{_shown(event.anchor)})는 쓸 수 없습니다"))
        if event.tag is not None and event.tag != "!":
            tag = _shown(event.tag.replace("tag:yaml.org,2002:", "!!", 1))
            self.found.append((event.start_mark, "yaml-tag", f"태그 {tag}은(는) 쓸 수 없습니다"))
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


_NODE_KINDS = {yaml.ScalarNode: "값", yaml.SequenceNode: "목록", yaml.MappingNode: "하위 항목들"}


_QUOTES = str.maketrans("", "", "'\"‘’“”")


def _same_key(key: str) -> str:
    """A key as compared for duplicates: ``'2021 '``, ``"２０２１"`` and ``2021`` are one key.

    Unicode normalisation (NFKC: full-width digits, composed and decomposed 한글), no
    spaces and no quote marks.
    """
    return "".join(unicodedata.normalize("NFKC", key).translate(_QUOTES).split())


def _convert(node: yaml.Node, path: Path, raw: _Raw, file: str) -> Any:
    raw.values[path] = _pos(node.start_mark)
    if isinstance(node, yaml.ScalarNode):
        if node.style is None and node.value in ("", "~", "null", "Null", "NULL"):
            return None
        _check_escapes(node, raw, file, path)
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), raw, file) for i, item in enumerate(node.value)]
    result: dict[str, Any] = {}
    seen: dict[str, str] = {}  # key as compared → key as written
    for key_node, value_node in node.value:
        line, col = _pos(key_node.start_mark)
        if not isinstance(key_node, yaml.ScalarNode):
            raw.problems.append(
                Problem(
                    file,
                    line,
                    col,
                    "yaml-key",
                    f"키는 이름 하나여야 하는데 {_NODE_KINDS[type(key_node)]}이(가) 있습니다",
                    path_str(path),
                )
            )
            continue
        key = key_node.value
        if key == "<<" and key_node.style is None:
            raw.problems.append(Problem(file, line, col, "yaml-merge", "병합 키(<<)는 쓸 수 없습니다", path_str(path)))
            continue
        same = seen.get(_same_key(key))
        if same is not None:
            first = raw.keys[(*path, same)]
            written = "" if same == key else f" '{_shown(same)}'"
            raw.problems.append(
                Problem(
                    file,
                    line,
                    col,
                    "yaml-duplicate-key",
                    f"키 '{_shown(key)}'가 두 번 있습니다: {first[0]}행{written}과(와) {line}행 — 하나로 합치세요",
                    path_str((*path, key)),
                )
            )
            continue
        seen[_same_key(key)] = key
        _check_escapes(key_node, raw, file, (*path, key))
        raw.keys[(*path, key)] = (line, col)
        result[key] = _convert(value_node, (*path, key), raw, file)
    return result


def _check_escapes(node: yaml.ScalarNode, raw: _Raw, file: str, path: Path) -> None:
    """Characters written as escapes (``"\\x07"``, ``"\\0"``) are refused like typed ones."""
    m = _BAD_CHAR.search(node.value)
    if m:
        line, col = _pos(node.start_mark)
        raw.problems.append(
            Problem(
                file,
                line,
                col,
                "yaml-character",
                f"값에 쓸 수 없는 문자 {_char(m.group())}이(가) 있습니다",
                path_str(path),
            )
        )


# --------------------------------------------------------------------------- syntax messages

_TAB = "들여쓰기나 키 앞에는 탭 문자를 쓸 수 없습니다 — 공백으로 바꾸세요"
_QUOTE = "따옴표가 닫히지 않았습니다"
_SYNTAX: list[tuple[str, str, str]] = [
    # (pattern on "context | problem" as libyaml or PyYAML words it, rule, Korean message)
    (r"tab character|character '\\t'", "yaml-syntax", _TAB),
    (
        r"mapping values are not allowed",
        "yaml-syntax",
        "여기에는 ':'로 키와 값을 나눌 수 없습니다 — 들여쓰기를 확인하고, 값에 ': '가 들어 있으면 값을 따옴표로 감싸세요",
    ),
    (
        r"sequence entries are not allowed",
        "yaml-syntax",
        "여기에는 목록 항목 '- '를 쓸 수 없습니다 — 들여쓰기를 확인하고, 값이 '-'로 시작하면 따옴표로 감싸세요",
    ),
    (r"mapping keys are not allowed", "yaml-syntax", "여기에는 '? '를 쓸 수 없습니다 — 값이면 따옴표로 감싸세요"),
    (r"',' or '\]'", "yaml-syntax", "{opened}목록 '['이 닫히지 않았거나 항목 사이에 쉼표가 없습니다"),
    (r"',' or '\}'", "yaml-syntax", "{opened}중괄호 '{{'이 닫히지 않았거나 항목 사이에 쉼표가 없습니다"),
    (
        r"could not find expected ':'",
        "yaml-syntax",
        "키 뒤에 ':'가 없습니다 — 줄이 이어지는 값이면 들여쓰기를 확인하세요",
    ),
    (
        r"expected key|block mapping \| expected <block end>",
        "yaml-syntax",
        "키가 있어야 할 자리입니다 — 들여쓰기를 확인하고, 따옴표로 감싼 값 뒤에 글자가 더 있으면 값 전체를 따옴표로 감싸세요",
    ),
    (
        r"expected '-' indicator|block collection \| expected <block end>",
        "yaml-syntax",
        "목록 항목 '- '가 있어야 할 자리입니다 — 들여쓰기를 확인하세요",
    ),
    (r"node content", "yaml-syntax", "값이 있어야 할 자리입니다 — 쉼표가 겹쳤거나 괄호의 짝이 맞지 않습니다"),
    (r"unexpected end of stream|unexpected document (indicator|separator)", "yaml-syntax", _QUOTE),
    (
        r"unknown escape character",
        "yaml-syntax",
        "큰따옴표 안에 알 수 없는 역슬래시 이스케이프가 있습니다 — 역슬래시(\\)를 그대로 쓰려면 작은따옴표로 감싸세요",
    ),
    (
        r"invalid Unicode character escape",
        "yaml-character",
        "큰따옴표 안의 \\u 이스케이프가 쓸 수 없는 문자를 가리킵니다",
    ),
    (r"hexa?decimal number", "yaml-syntax", "큰따옴표 안의 \\x, \\u, \\U 뒤에는 16진수가 와야 합니다"),
    (r"alphabetic or numeric character", "yaml-syntax", "'&'나 '*'로 시작하는 값은 따옴표로 감싸세요"),
    (
        r"tag handle|tag URI|expected URI|expected '>'",
        "yaml-tag",
        "태그(!)는 쓸 수 없습니다 — '!'로 시작하는 값은 따옴표로 감싸세요",
    ),
    (
        r"document start",
        "yaml-documents",
        "파일에는 YAML 문서가 하나만 있어야 합니다 — 문서 끝('...') 뒤에 내용이 있습니다",
    ),
    (r"maximum nesting depth", "yaml-depth", f"중첩이 너무 깊습니다 (최대 {MAX_DEPTH}단계)"),
    (r"indentation indicator", "yaml-syntax", "여러 줄 값('|', '>') 뒤의 들여쓰기 숫자는 1~9여야 합니다"),
    (r"YAML directive|incompatible YAML", "yaml-syntax", "%YAML 지시어가 잘못되었습니다 — 지우세요"),
]
_SYNTAX_RE = [(re.compile(pattern), rule, message) for pattern, rule, message in _SYNTAX]


def _line(text: str, number: int) -> str:
    """Line ``number`` (1-based) of ``text``, counted as libyaml counts them."""
    lines = _BREAK.split(text, maxsplit=number)
    return lines[number - 1] if number <= len(lines) else ""


def _open_quote(text: str, line: int) -> tuple[int, int, str, int] | None:
    """The quote left open that made the error at ``line``: (line, column, quote, closing line).

    A quoted value that runs over a line break and ends on (or just before) the line of
    the error is almost always a quote that was meant to close on its own line: the
    value swallowed the lines up to the next quote mark, and the error shows there.
    """
    near = _line(text, line) + _line(text, line - 1) if line > 1 else _line(text, line)
    if len(text) > 256 * 1024 or not ("'" in near or '"' in near):
        return None  # the pure-Python scanner below is for data files of ordinary size
    found = None
    try:
        for count, token in enumerate(yaml.scan(text, Loader=yaml.SafeLoader)):
            if token.start_mark.line + 1 > line or count > MAX_NODES:
                break
            if isinstance(token, yaml.ScalarToken) and token.style in ("'", '"'):
                start, end = token.start_mark, token.end_mark
                if end.line > start.line and end.line + 1 >= line - 1:
                    found = (start.line + 1, start.column + 1, token.style, end.line + 1)
    except yaml.YAMLError:
        pass
    return found


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    """Libyaml's (or PyYAML's) English syntax error as one Korean problem."""
    problem, context = exc.problem or "", exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    line, col = _pos(mark) if mark else (1, 1)
    open_quote = _open_quote(text, line)
    if open_quote is not None:
        at, column, quote, closed = open_quote
        other = '큰따옴표(")' if quote == "'" else "작은따옴표(')"
        return Problem(
            file,
            at,
            column,
            "yaml-syntax",
            f"따옴표({quote})가 이 줄에서 닫히지 않아 {closed}행의 따옴표까지 한 값으로 읽혔습니다 — "
            f"따옴표를 닫거나, 값 안에 {quote}가 있으면 값 전체를 {other}로 감싸세요",
        )
    before = _line(text, line)[: col - 1].strip()
    if re.search("mapping values|expected ':'", problem) and len(before) > 1024 and ": " not in before:
        return Problem(file, line, col, "yaml-syntax", "키가 너무 깁니다 (최대 1,024자)")
    for pattern, rule, message in _SYNTAX_RE:
        if pattern.search(f"{context} | {problem}"):
            if message == _QUOTE and exc.context_mark is not None:
                line, col = _pos(exc.context_mark)  # where the quote opens
            if "{opened}" in message:
                opened = "{}행 {}열에서 연 ".format(*_pos(exc.context_mark)) if exc.context_mark else ""
                message = message.format(opened=opened)
            return Problem(file, line, col, rule, message)
    if "cannot start any token" in problem:
        c = _line(text, line)[col - 1 : col]
        if c == "\t":
            return Problem(file, line, col, "yaml-syntax", _TAB)
        if c:
            return Problem(file, line, col, "yaml-syntax", f"'{c}'(으)로 시작하는 값은 따옴표로 감싸세요")
    original = f"{context}: {problem}" if context else problem
    return Problem(file, line, col, "yaml-syntax", f"YAML 문법 오류 ({original or exc})")


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap, list[Problem]]:
    """Compose ``text`` strictly into plain dicts/lists/str with positions.

    Raises :class:`LoadError` when the text cannot be composed at all.
    """
    bad = _bad_characters(text, file)
    if bad:
        raise LoadError(bad)
    composer = _Composer(text)
    try:
        node = composer.single()
    except _Stop as exc:
        line, col = _pos(exc.mark)
        raise LoadError([Problem(file, line, col, exc.rule, exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        raise LoadError([_syntax_problem(exc, text, file)]) from None
    except yaml.YAMLError as exc:  # a reader error: characters are checked above, so hardly ever
        raise LoadError([Problem(file, 1, 1, "yaml-syntax", f"YAML 문법 오류 ({exc})")]) from None
    finally:
        del composer.parser
    raw = _Raw([], {}, {})
    for mark, rule, message in composer.found:
        line, col = _pos(mark)
        raw.problems.append(Problem(file, line, col, rule, message))
    data = None if node is None else _convert(node, (), raw, file)
    if data is None:
        raw.problems.append(Problem(file, 1, 1, "yaml-empty", "빈 파일입니다"))
        return None, SourceMap(file), raw.problems
    return data, SourceMap(file, raw.values, raw.keys), raw.problems


def decode(data: bytes, file: str) -> str:
    """UTF-8 (with or without a BOM) → text; anything else is unreadable."""
    if len(data) > MAX_BYTES:  # bytes read elsewhere (a git revision's blob)
        raise LoadError([Problem(file, 1, 1, *TOO_BIG)])
    head = data[:256]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head.count(0) * 4 > len(head):
        raise LoadError(
            [
                Problem(
                    file, 1, 1, "encoding", "UTF-16이나 UTF-32로 저장된 파일 또는 이진 파일입니다 — UTF-8로 저장하세요"
                )
            ]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = len(data[: exc.start].rsplit(b"\n", 1)[-1].decode("utf-8", "replace")) + 1
        raise LoadError(
            [Problem(file, line, col, "encoding", f"UTF-8이 아닌 바이트 0x{data[exc.start]:02X}가 있습니다")]
        ) from None


# --------------------------------------------------------------------------- shape

_TYPE_NAMES = {dict: "하위 항목들", list: "목록", str: "값 하나", type(None): "빈 값"}


def _kind(value: object) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


#: Every section of the form, in the order of the form: what it is called on the form,
#: whether it may be written empty (when it does not apply), and a one-line example.
SECTIONS: dict[Path, tuple[str, bool, str]] = {
    ("overview",): (
        "□ 사업개요",
        False,
        "overview: {account: 일반회계, period: {kind: 연례반복}, summary: [사업 내용], funding: {city: 263698}}",
    ),
    ("contacts",): (
        "□ 사업 담당자",
        False,
        "contacts: {office: 균형발전본부, department: 균형발전정책과, director: {name: 김기봉, phone: 2133-8608}, …}",
    ),
    ("budget",): ("□ 예산 총괄", False, "budget: {items: [{name: 사무관리비, previous: 10500, current: 6623}]}"),
    ("description",): ("3 사업설명", True, "description: {purpose: [], legal_basis: [], content: [], history: []}"),
    ("description", "purpose"): ("사업목적", True, "purpose: []"),
    ("description", "legal_basis"): ("사업근거", True, "legal_basis: []"),
    ("description", "content"): ("사업내용", True, "content: []"),
    ("description", "history"): ("추진경위", True, "history: []"),
    ("schedule",): ("□ 추진일정", True, "schedule: {rows: []}"),
    ("schedule", "rows"): ("추진일정의 행", True, "rows: []"),
    ("effects",): ("4 사업효과", True, "effects: {achievements: {}, expected: []}"),
    ("effects", "achievements"): ("□ 최근 3년 추진실적", True, "achievements: {}"),
    ("effects", "expected"): ("□ 향후 기대효과", True, "expected: []"),
    ("settlement",): ("5 최근 3년 결산 현황", True, "settlement: []"),
}

_EMPTY: dict[Path, object] = {
    ("description",): {},
    ("schedule",): {},
    ("effects",): {},
    ("effects", "achievements"): {},
}


def keep_sections(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (a project as plain values) with every section of the form present.

    A section that is missing or ``None`` is written explicitly empty (``settlement: []``,
    ``schedule: {rows: []}``), so a document serialised from it loads again. Sections that
    cannot be empty (사업개요, 담당자, 예산) are left as they are.
    """
    out = dict(data)
    for path, (_, may_be_empty, _) in SECTIONS.items():
        if not may_be_empty:
            continue
        parent: dict[str, Any] = out
        for key in path[:-1]:
            value = parent.get(str(key))
            value = dict(value) if isinstance(value, dict) else {}
            parent[str(key)] = value
            parent = value
        if parent.get(str(path[-1])) is None:
            empty = _EMPTY.get(path, [])
            parent[str(path[-1])] = dict(empty) if isinstance(empty, dict) else []
    return out


# One-line examples of the right shape, by the last key of the path.
_EXAMPLES = {
    "fiscal_year": "fiscal_year: 2024",
    "title": "title: 지역균형발전 추진",
    "period": "period: {kind: 계속, start: 2024, end: 2027}",
    "funding": "funding: {national: 0, city: 263698, district: 0, other: 0}",
    "conventions": "conventions: {rate_decimals: 1}",
    "total": "total: {previous: 13500, current: 263698}",
    "items": "items: [{name: 사무관리비, previous: 10500, current: 6623}]",
    "basis": "basis: [{label: 여비, formula: 50,000,000원, amount: 50000}]",
    "parts": "parts: [{label: 회의 참석수당, formula: 150,000원*17명*2회, amount: 5100}]",
    "rows": "rows: [{step: 위원회 운영, period: 2024.01~2024.12, amount: 6623}]",
    **{key: f"{key}: [첫째 항목, 둘째 항목]" for key in ("summary", "purpose", "legal_basis", "content", "history")},
    "expected": "expected: [첫째 항목, 둘째 항목]",
    "achievements": "achievements: {2021: [첫째 항목], 2022: [첫째 항목], 2023: [첫째 항목]}",
    "settlement": "settlement: [{year: 2020, final_budget: 13500, carried_in: 0, change: 0, spent: 3772, carried_out: 0}]",
}
_PERSONS = ("director", "team_leader", "officer")
_PERSON_TEXT = re.compile(r"^(?P<name>\S+)\s+(?P<phone>[0-9()][0-9()\-]*[0-9])$")


def _example(path: Path, value: object) -> str:
    """A one-line example of what ``path`` should hold, built from the value where it can be."""
    if not path:
        return ""
    key = next((p for p in reversed(path) if isinstance(p, str)), "")
    if key in _PERSONS:
        m = _PERSON_TEXT.match(value.strip()) if isinstance(value, str) else None
        if m:
            name, phone = m.group("name"), m.group("phone")
        elif isinstance(value, str) and value.strip() and not any(c.isdigit() for c in value):
            name, phone = value.strip(), "2133-8625"
        else:
            name, phone = "김승연", "2133-8625"
        return f"{key}: {{name: {_shown(name)}, phone: {_shown(phone)}}}"
    if isinstance(path[-1], int) and key in _EXAMPLES:
        return "- " + _EXAMPLES[key].split(": [", 1)[1].rstrip("]")
    if key in _EXAMPLES:
        return _EXAMPLES[key]
    if tuple(path) in SECTIONS:
        return SECTIONS[tuple(path)][2]
    return ""


def _with_example(message: str, path: Path, value: object) -> str:
    example = _example(path, value)
    return f"{message} — 예: {example}" if example else message


# The form's Korean labels, as people type them for keys, and the key each one means
# (the first one the record at that place has).
KOREAN_KEYS: dict[str, tuple[str, ...]] = {
    "회계연도": ("fiscal_year",),
    "연도": ("fiscal_year", "year"),
    "사업명": ("title",),
    "제목": ("title",),
    "사업개요": ("overview",),
    "기본현황": ("overview",),
    "회계": ("account",),
    "사업기간": ("period",),
    "사업내용": ("summary", "content"),
    "사업비": ("total", "funding"),
    "국비": ("national",),
    "시비": ("city",),
    "구비": ("district",),
    "기타": ("other",),
    "사업담당자": ("contacts",),
    "담당자": ("contacts",),
    "실국": ("office",),
    "부서명": ("department",),
    "부서": ("department",),
    "과장": ("director",),
    "팀장": ("team_leader",),
    "주무관": ("officer",),
    "이름": ("name",),
    "성명": ("name",),
    "전화": ("phone",),
    "전화번호": ("phone",),
    "예산": ("budget",),
    "예산총괄": ("budget",),
    "과목": ("items", "name"),
    "계": ("total",),
    "합계": ("total",),
    "전년도예산액": ("previous",),
    "예산액": ("current", "amount"),
    "당해연도예산액": ("current",),
    "증감": ("change",),
    "증감률": ("rate",),
    "산출근거": ("basis",),
    "산식": ("formula",),
    "금액": ("amount",),
    "사업설명": ("description",),
    "사업목적": ("purpose",),
    "사업근거": ("legal_basis",),
    "추진경위": ("history",),
    "추진일정": ("schedule",),
    "사업추진절차": ("step",),
    "추진기간": ("period",),
    "예산집행금액": ("amount",),
    "추진세부내용": ("detail",),
    "사업효과": ("effects",),
    "추진실적": ("achievements",),
    "최근3년추진실적": ("achievements",),
    "기대효과": ("expected",),
    "향후기대효과": ("expected",),
    "결산": ("settlement",),
    "결산현황": ("settlement",),
    "최종예산": ("final_budget",),
    "전년이월": ("carried_in",),
    "예산변경": ("change",),
    "예산현액": ("available",),
    "집행액": ("spent",),
    "차년이월": ("carried_out",),
    "집행잔액": ("balance",),
}


def _english_key(key: str, fields: list[str]) -> str | None:
    """The English key a Korean label of the form means at this place (``국비`` → ``national``)."""
    label = re.sub(r"[\s·ㆍ.\[\]()（）□○]|\(A\)|\(B\)", "", unicodedata.normalize("NFKC", key))
    for candidate in KOREAN_KEYS.get(label, ()):
        if candidate in fields:
            return candidate
    return None


def _record(annotation: Any) -> type[BaseModel] | None:
    """The record type inside ``annotation``, through ``X | None``, ``list[X]``, ``dict[K, X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _record(arg)
        if found is not None:
            return found
    return None


def _fields_at(path: Path) -> list[str]:
    """Field names of the record that ``path`` points into (for suggestions)."""
    record: type[BaseModel] | None = Project
    for part in path:
        if isinstance(part, int):
            continue  # an item of a list: same record
        info = record.model_fields.get(part) if record else None
        record = _record(info.annotation) if info else None
    return list(record.model_fields) if record else []


def _shown_path(path: Path) -> str:
    return path_str(tuple(_shown(p) if isinstance(p, str) else p for p in path))


def _shape_problem(err: Any, source: SourceMap) -> Problem:
    """One pydantic error as a problem at the line of the value (or key) it is about."""
    kind = err["type"]
    loc = tuple(err["loc"])
    # pydantic marks an error about a mapping's key with a last "[key]"; a key the user
    # wrote as "[key]" is just a key (an extra one names itself last).
    is_key = kind != "extra_forbidden" and len(loc) > 1 and loc[-1] == "[key]"
    path: Path = loc[:-1] if is_key else loc
    value = err.get("input")
    field = labels.with_label(_shown_path(path))  # as printed, with the form's label; long keys cut short
    line, col = source.keys[path] if is_key and path in source.keys else source.where(path)

    def problem(rule: str, message: str) -> Problem:
        return Problem(source.file, line, col, rule, message, path_str(path))

    if kind == "extra_forbidden":
        key = str(path[-1])
        line, col = source.keys.get(path, (line, col))
        fields = _fields_at(path[:-1])
        english = _english_key(key, fields)
        if english is not None:
            return problem("unknown-key", f"키는 영어로 적습니다: '{_shown(key)}' 대신 '{english}'(이)라고 적으세요")
        # A one-letter key is too short to guess from ('d' is not a typo of 'id').
        near = difflib.get_close_matches(key, fields, n=1, cutoff=0.6) if len(key) > 1 else []
        hint = f" — '{near[0]}'을(를) 뜻했나요?" if near else ""
        return problem("unknown-key", f"알 수 없는 키 '{_shown(key)}'{hint}")
    if kind == "missing":
        parent = path[:-1]
        line, col = source.keys.get(parent) or source.where(parent)
        if tuple(path) in SECTIONS:
            name, may_be_empty, example = SECTIONS[tuple(path)]
            where = f"'{_shown_path(parent)}' 아래에" if parent else "파일 최상위에"
            how = "해당 없으면 비워서라도 적으세요" if may_be_empty else "적어야 합니다"
            return problem(
                "missing-section", f"'{name}' 부분({path_str(path)})이 {where} 없습니다 — {how}, 예: {example}"
            )
        where = f"'{_shown_path(parent)}'에" if parent else "최상위에"
        return problem(
            "missing-field", _with_example(f"필수 항목 '{path[-1]}'이(가) {where} 없습니다", parent or path, None)
        )
    if value is None:
        return problem("missing-field", f"'{field}' 값이 비어 있습니다")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        now = (
            "한 줄로 적지 말고"
            if isinstance(value, str)
            else "목록으로 적지 말고"
            if isinstance(value, list)
            else f"{_kind(value)}(으)로 적지 말고"
        )
        return problem("wrong-type", _with_example(f"'{field}'은(는) {now} '키: 값'으로 나누어 적으세요", path, value))
    if kind == "list_type":
        return problem(
            "wrong-type",
            _with_example(
                f"'{field}'은(는) 목록('- '로 시작하는 줄들)으로 적으세요 (지금은 {_kind(value)})", path, value
            ),
        )
    if isinstance(value, (dict, list)) and kind in ("amount", "rate", "integer", "text"):
        return problem("wrong-type", f"'{field}': {err['msg']}")  # types.parse_*_field names both kinds
    if isinstance(value, (dict, list)) and kind != "too_short":
        return problem("wrong-type", f"'{field}'에는 값 하나만 적으세요 (지금은 {_kind(value)})")
    if kind == "literal_error":
        expected = str(err.get("ctx", {}).get("expected", "")).replace(" or ", ", ")
        return problem(
            "invalid-value", f"'{field}'에 '{_shown(str(value))}'은(는) 쓸 수 없습니다 (가능한 값: {expected})"
        )
    if kind in ("too_short", "string_too_short"):
        return problem("missing-field", f"'{field}'이(가) 비어 있습니다")
    if kind in ("greater_than_equal", "less_than_equal"):
        ctx = err.get("ctx", {})
        bound = f"{ctx['ge']} 이상이어야" if "ge" in ctx else f"{ctx.get('le')} 이하여야"
        return problem("invalid-value", f"'{field}' 값 {_shown(str(value))}은(는) {bound} 합니다")
    if kind in ("amount", "rate", "integer", "text"):  # our own messages (types.parse_*_field)
        return problem("invalid-value", f"'{field}': {err['msg']}")
    return problem("invalid-value", f"'{field}' 값이 올바르지 않습니다 ({err['msg']})")


def _shape_problems(exc: ValidationError, source: SourceMap) -> list[Problem]:
    return [_shape_problem(err, source) for err in exc.errors(include_url=False)]


PLACEHOLDER = "(빈 칸)"


def provisional(data: dict[str, Any], exc: ValidationError) -> Project | None:
    """The project with each empty or missing text field filled by a placeholder, or None.

    A blank 부서명 says nothing about the numbers: with it filled in, the checks can still
    report every wrong sum at once, instead of after the blank is fixed. Only when every
    problem is such a gap (a number that is missing or wrong stays a problem) is there one.
    """
    filled = copy.deepcopy(data)
    for err in exc.errors(include_url=False):
        if err["type"] != "missing" and err.get("input") not in (None, ""):
            return None  # a value that is there but wrong: it stays the problem
        parent: Any = filled
        *head, last = err["loc"]
        try:
            for key in head:
                parent = parent[key]
            parent[last] = PLACEHOLDER
        except (KeyError, IndexError, TypeError):
            return None
    try:
        return Project.model_validate(filled)
    except ValidationError:
        return None


def _limited(problems: list[Problem], total: int | None = None) -> list[Problem]:
    """In file order, at most ``MAX_PROBLEMS``, then one line saying how many there are in all."""
    problems = sorted(problems, key=lambda p: (p.line, p.column))
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = problems[MAX_PROBLEMS]
    return problems[:MAX_PROBLEMS] + [
        Problem(
            rest.file,
            rest.line,
            rest.column,
            "too-many-problems",
            f"문제가 너무 많아 처음 {MAX_PROBLEMS}개만 보였습니다 (모두 {total or len(problems):,}개)",
        )
    ]


def load_text(text: str, file: str) -> Document:
    """Load one document from its text; raises :class:`LoadError` with every problem found."""
    data, source, problems = parse_yaml(text, file)
    if data is not None and not isinstance(data, dict):
        problems.append(
            Problem(
                file,
                1,
                1,
                "wrong-type",
                f"파일에는 'fiscal_year: 2024'처럼 '키: 값' 줄들을 적어야 하는데 {_kind(data)}만 있습니다",
            )
        )
    partial = None
    if isinstance(data, dict):
        try:
            project = Project.model_validate(data)
        except ValidationError as exc:
            # A refused alias or tag already explains the value at its position.
            refused = {(p.line, p.column) for p in problems}
            if not problems and (filled := provisional(data, exc)) is not None:
                partial = Document(filled, source)
            problems.extend(p for p in _shape_problems(exc, source) if (p.line, p.column) not in refused)
    if problems:
        raise LoadError(_limited(problems), partial)
    return Document(project, source)


_display = shown_path


def load(path: str | os.PathLike[str], display: str | None = None, within: str | None = None) -> Document:
    """Load one YAML file, read by :func:`~budgetdoc.formats.reading.read_file`; raises :class:`LoadError`.

    With ``within`` (a folder), a file that resolves to somewhere outside it is not read:
    a link in a data folder must not pull in files from elsewhere on disk. A file whose
    name is not UTF-8 is not read: its outputs and its entry in the manifest could not be
    named. The commands load their data files through :meth:`budgetdoc.formats.sources.Source.load`.
    """
    file = _display(display or os.fspath(path))
    try:
        data = read_file(path, within=within)
    except Refused as exc:
        raise LoadError([Problem(file, 1, 1, exc.rule, exc.message)]) from None
    return load_text(decode(data, file), file)
