"""The JSON Schema and `check` agree: a corpus of mutated reference files, run through both.

Every mutation is one edit of the reference YAML. `check` is the CLI (`--format json`);
the schema side is check-jsonschema from PyPI and ajv (strict mode) from npm. Where a
schema cannot express the rule (sums, differences, rates, formulas, year sequences, a
reversed period, anchors, numbers the validator's YAML parser turns into a valid value)
the mutation says why, and the test asserts that `check` refuses it while the schema
lets it through — so the list in the README is exactly the list here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import REFERENCE_YAML, ROOT

from budgetdoc.model import schema as S

SCHEMA_FILE = ROOT / "schema" / "project.schema.json"
NODE_BIN = ROOT / ".venv" / "node" / "node_modules" / ".bin"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"

# The reasons a schema cannot give check's verdict (each is listed in the README).
SUMS = "합계·차액·증감률·산출근거 계산"
YEARS = "연도의 차례 (Y−1, Y−3..Y−1, Y−4..Y−2)"
CROSS = "두 값의 비교 (사업기간 시작 ≤ 종료)"
ANCHOR = "YAML 앵커·별칭"
LEXICAL = "검증기의 YAML 파서가 숫자로 바꾸는 표기 (6623.0, 03000, 10_500)"


@dataclass(frozen=True)
class Mutation:
    name: str
    edit: Callable[[str], str]
    valid: bool  # check's verdict
    beyond: str | None = None  # why the schema cannot give the same verdict


def sub(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert text.count(old) == 1, old
        return text.replace(old, new)

    return edit


def drop(key: str, indent: str = "") -> Callable[[str], str]:
    """Delete the block of ``key`` (at ``indent``) with everything nested under it."""

    def edit(text: str) -> str:
        lines = text.splitlines(keepends=True)
        starts = [i for i, line in enumerate(lines) if line.startswith(f"{indent}{key}:")]
        assert len(starts) == 1, key
        end = starts[0] + 1
        while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > len(indent)):
            end += 1
        return "".join(lines[: starts[0]] + lines[end:])

    return edit


def add(after: str, line: str) -> Callable[[str], str]:
    return sub(after, after + line)


TOTAL = "  total: {previous: 13500, current: 263698, change: 250198, rate: 1853}\n"
SECTIONS = [name for name in S.schema()["required"]]

MUTATIONS: list[Mutation] = [
    Mutation("reference", lambda t: t, True),
    # every section and required field left out
    *[Mutation(f"drop-{key}", drop(key), False) for key in SECTIONS],
    Mutation("drop-overview.period", drop("period", "  "), False),
    Mutation("drop-contacts.officer", drop("officer", "  "), False),
    Mutation("drop-description.purpose", drop("purpose", "  "), False),
    Mutation("drop-schedule.rows", drop("rows", "  "), False),
    Mutation("drop-effects.achievements", drop("achievements", "  "), False),
    Mutation("drop-effects.expected", drop("expected", "  "), False),
    Mutation("drop-item-current", sub("      current: 6623\n", ""), False),
    Mutation("drop-settlement-spent", sub(" spent: 3772,", ""), False),
    Mutation("drop-budget.total (computed)", sub(TOTAL, ""), True),
    # years and conventions
    Mutation("fiscal_year-1800", sub("fiscal_year: 2024", "fiscal_year: 1800"), False),
    Mutation("fiscal_year-quoted", sub("fiscal_year: 2024", 'fiscal_year: "2024"'), True),
    Mutation("fiscal_year-fullwidth", sub("fiscal_year: 2024", 'fiscal_year: "２０２４"'), False),
    Mutation("fiscal_year-text", sub("fiscal_year: 2024", "fiscal_year: 이천이십사"), False),
    Mutation("rate_decimals-7", add("title: 지역균형발전 추진\n", "conventions: {rate_decimals: 7}\n"), False),
    Mutation("rate_decimals-0-quoted", add("title: 지역균형발전 추진\n", 'conventions: {rate_decimals: "0"}\n'), True),
    Mutation("rounding-floor", add("title: 지역균형발전 추진\n", "conventions: {formula_rounding: floor}\n"), True),
    Mutation("rounding-unknown", add("title: 지역균형발전 추진\n", "conventions: {formula_rounding: 반올림}\n"), False),
    Mutation("conventions-unknown-key", add("title: 지역균형발전 추진\n", "conventions: {decimals: 1}\n"), False),
    Mutation("achievements-year-text", sub("    2021:\n", "    20x1:\n"), False),
    Mutation("achievements-year-1899", sub("    2021:\n", "    1899:\n"), False),
    Mutation("period-계속-no-years (a warning)", sub("kind: 연례반복", "kind: 계속"), True),
    Mutation("period-계속-years", sub("kind: 연례반복", "kind: 계속\n    start: 2022\n    end: 2026"), True),
    Mutation("period-start-1800", sub("kind: 연례반복", "kind: 한시\n    start: 1800\n    end: 2026"), False),
    # amounts: the forms check reads, signs and ranges
    Mutation("amount-quoted", sub("      current: 6623\n", '      current: "6623"\n'), True),
    Mutation("amount-grouped", sub("    city: 263698", "    city: 263,698"), True),
    Mutation("amount-spaces-quoted", sub("      current: 6623\n", '      current: " 6623 "\n'), True),
    Mutation("change-triangle", sub("change: -3877", "change: △3,877"), True),
    Mutation("change-minus-sign", sub("change: -3877", "change: −3,877"), True),
    Mutation("rate-triangle", sub("rate: -37", "rate: △37"), True),
    Mutation("rate-grouped", sub("      rate: 1800", "      rate: 1,800"), True),
    Mutation("rate-words", sub("rate: 1853", "rate: 약간"), False),
    Mutation("rate-bool", sub("rate: 1853", "rate: true"), False),
    Mutation(
        "settlement-change-negative",
        sub(
            "final_budget: 13500, carried_in: 279576, change: 0", "final_budget: 13505, carried_in: 279576, change: -5"
        ),
        True,
    ),
    Mutation("funding-negative", sub("    city: 263698", "    city: △263,698"), False),
    Mutation("schedule-amount-negative", sub("      amount: 263698", "      amount: -263698"), False),
    Mutation("settlement-spent-negative", sub("spent: 3772", "spent: -3772"), False),
    Mutation("amount-bad-grouping", sub("      current: 6623\n", '      current: "66,23"\n'), False),
    Mutation("amount-unit", sub("      current: 6623\n", "      current: 6623천원\n"), False),
    Mutation("amount-bool", sub("      current: 6623\n", "      current: true\n"), False),
    Mutation("amount-16-digits", sub("      current: 6623\n", "      current: 1234567890123456\n"), False),
    Mutation("amount-list", sub("      current: 6623\n", "      current: [6623]\n"), False),
    Mutation("funding-null", sub("    national: null", "    national:"), True),
    # text and shape
    Mutation("title-null", sub("title: 지역균형발전 추진", "title:"), False),
    Mutation("title-empty", sub("title: 지역균형발전 추진", 'title: ""'), False),
    Mutation("title-number", sub("title: 지역균형발전 추진", "title: 2024"), True),
    Mutation("title-list", sub("title: 지역균형발전 추진", "title: [지역, 균형]"), False),
    Mutation("phone-empty", sub("phone: 2133-8608", 'phone: ""'), True),
    Mutation(
        "officer-one-line", sub("  officer: {name: 김승연, phone: 2133-8625}", "  officer: 김승연 2133-8625"), False
    ),
    Mutation(
        "summary-mapping",
        lambda t: add("    kind: 연례반복\n", "  summary: {내용: 지역균형발전}\n")(drop("summary", "  ")(t)),
        False,
    ),
    Mutation("unknown-key", add("  account: 일반회계\n", "  colour: 파랑\n"), False),
    Mutation("typo-top-level", sub("fiscal_year: 2024", "fiscal_yaer: 2024"), False),
    Mutation("settlement-extra-key", sub("balance: 9728}", "balance: 9728, note: 없음}"), False),
    Mutation("items-empty", lambda t: add(TOTAL, "  items: []\n")(drop("items", "  ")(t)), False),
    Mutation("duplicate-key", add("title: 지역균형발전 추진\n", "title: 지역균형발전 추진\n"), False),
    # what a schema cannot say
    Mutation("total-off-by-one", sub("current: 263698, change", "current: 263699, change"), False, SUMS),
    Mutation("part-off-by-one", sub("amount: 5100", "amount: 5101"), False, SUMS),
    Mutation("rate-wrong", sub("rate: 1853", "rate: 1852"), False, SUMS),
    Mutation("settlement-year-gap", sub("{year: 2020,", "{year: 2019,"), False, YEARS),
    Mutation("fiscal_year-2025", sub("fiscal_year: 2024", "fiscal_year: 2025"), False, YEARS),
    Mutation("period-reversed", sub("kind: 연례반복", "kind: 계속\n    start: 2026\n    end: 2022"), False, CROSS),
    Mutation(
        "anchor-alias",
        lambda t: sub("  total: 263698\n  funding:", "  total: &b 263698\n  funding:")(
            sub("    city: 263698", "    city: *b")(t)
        ),
        False,
        ANCHOR,
    ),
    Mutation("amount-float", sub("      current: 6623\n", "      current: 6623.0\n"), False, LEXICAL),
    Mutation("amount-leading-zero", sub("      previous: 3000\n", "      previous: 03000\n"), False, LEXICAL),
    Mutation("amount-underscore", sub("      previous: 10500\n", "      previous: 10_500\n"), False, LEXICAL),
    Mutation("fiscal_year-float", sub("fiscal_year: 2024", "fiscal_year: 2024.0"), False, LEXICAL),
]


def test_corpus_is_large_and_distinct() -> None:
    names = [m.name for m in MUTATIONS]
    assert len(names) == len(set(names))
    assert len(MUTATIONS) - 1 >= 40
    reference = REFERENCE_YAML.read_text(encoding="utf-8")
    texts = [m.edit(reference) for m in MUTATIONS[1:]]
    assert reference not in texts and len(set(texts)) == len(texts)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("corpus")
    reference = REFERENCE_YAML.read_text(encoding="utf-8")
    files = {}
    for i, m in enumerate(MUTATIONS):
        path = folder / f"{i:02d}.yaml"
        path.write_text(m.edit(reference), encoding="utf-8")
        files[m.name] = path
    return files


@pytest.fixture(scope="module")
def check_verdicts(corpus: dict[str, Path]) -> dict[str, bool]:
    folder = next(iter(corpus.values())).parent
    run = subprocess.run(
        [sys.executable, str(ROOT / "generate.py"), "check", str(folder), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode in (0, 1), run.stderr
    bad = {Path(p["file"]).name for p in json.loads(run.stdout) if p["severity"] == "error"}
    return {name: path.name not in bad for name, path in corpus.items()}


def _check_jsonschema(files: list[Path]) -> set[str]:
    run = subprocess.run(
        [str(CHECK_JSONSCHEMA), "-o", "json", "--schemafile", str(SCHEMA_FILE), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(run.stdout)
    assert run.returncode == (0 if report["status"] == "ok" else 1), run.stderr
    return {Path(e["filename"]).name for e in report.get("errors", []) + report.get("parse_errors", [])}


@pytest.fixture(scope="module")
def schema_verdicts(corpus: dict[str, Path]) -> dict[str, bool]:
    bad = _check_jsonschema(list(corpus.values()))
    return {name: path.name not in bad for name, path in corpus.items()}


def test_shipped_schema_is_the_generated_one() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == S.schema_json()


def test_schema_uses_standard_keywords_only() -> None:
    standard = {
        "$schema", "$id", "$ref", "$defs", "title", "description", "default", "type", "properties", "required",
        "additionalProperties", "propertyNames", "items", "minItems", "minLength", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "pattern", "enum", "anyOf", "not", "if", "then",
    }  # fmt: skip
    found: set[str] = set()

    def walk(node: object, in_properties: bool = False) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if not in_properties:
                    found.add(key)
                walk(value, key in ("properties", "$defs") and not in_properties)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(S.schema())
    assert found <= standard, found - standard
    assert "ge" not in found and "le" not in found


def test_every_section_is_required() -> None:
    data = S.schema()
    assert data["required"] == [
        "fiscal_year", "title", "overview", "contacts", "budget", "description", "schedule", "effects", "settlement"
    ]  # fmt: skip
    defs = data["$defs"]
    assert defs["Description"]["required"] == ["purpose", "legal_basis", "content", "history"]
    assert defs["Schedule"]["required"] == ["rows"]
    assert defs["Effects"]["required"] == ["achievements", "expected"]


@pytest.mark.parametrize("lo,hi", [(1900, 2200), (0, 4), (7, 123), (1, 1), (0, 0), (95, 1005)])
def test_range_pattern(lo: int, hi: int) -> None:
    pattern = re.compile(rf"^{S._range_pattern(lo, hi)}$")
    for n in range(0, 1200):
        assert bool(pattern.match(str(n))) == (lo <= n <= hi), n
    assert not pattern.match(f"0{lo}")


# Sections that the loader on main did not require yet (issue 13, item 1 makes every section
# required): while check still accepts one of these, the schema must refuse it and the test is
# reported as an expected failure; once check refuses it, the plain assertion below holds.
SECTION_DROPS = {"drop-description", "drop-schedule", "drop-effects", "drop-settlement", "drop-description.purpose",
                 "drop-effects.achievements", "drop-effects.expected"}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_schema_agrees_with_check(
    mutation: Mutation, check_verdicts: dict[str, bool], schema_verdicts: dict[str, bool]
) -> None:
    if mutation.name in SECTION_DROPS and check_verdicts[mutation.name]:
        assert schema_verdicts[mutation.name] is False
        pytest.xfail("check does not require this section yet")
    assert check_verdicts[mutation.name] is mutation.valid
    if mutation.beyond is None:
        assert schema_verdicts[mutation.name] is mutation.valid
    else:
        # the schema cannot see it: check refuses, the schema lets it through
        assert (check_verdicts[mutation.name], schema_verdicts[mutation.name]) == (False, True)


def _node_tool(name: str) -> Path:
    tool = NODE_BIN / name
    if not tool.exists():
        if shutil.which("npm") is None:
            pytest.skip("npm이 없어 ajv를 설치할 수 없습니다 (./run setup이 .venv/node에 설치합니다)")
        pytest.fail(f"{tool}가 없습니다: ./run setup을 실행하세요")
    return tool


@pytest.mark.slow
def test_ajv_strict_mode_accepts_the_schema() -> None:
    ajv = _node_tool("ajv")
    run = subprocess.run(
        [str(ajv), "compile", "--spec=draft2020", "--strict=true", "-s", str(SCHEMA_FILE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "is valid" in run.stdout + run.stderr


@pytest.mark.slow
def test_ajv_agrees_with_check(corpus: dict[str, Path]) -> None:
    """ajv (strict mode, YAML read by js-yaml's core schema) gives check's verdict on every mutation it can see."""
    _node_tool("ajv")
    run = subprocess.run(
        ["node", str(ROOT / "tests" / "ajv_validate.cjs"), str(NODE_BIN.parent), str(SCHEMA_FILE)]
        + [str(path) for path in corpus.values()],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    verdicts = json.loads(run.stdout)
    wrong = [m.name for m in MUTATIONS if m.beyond is None and verdicts[str(corpus[m.name])] is not m.valid]
    assert wrong == []


# --------------------------------------------------------------------------- varied documents

AMOUNT_KEYS = {"previous", "current", "amount", "final_budget", "carried_in", "available", "spent", "carried_out"}
AMOUNT_KEYS |= {"balance", "national", "city", "district", "other", "total"}


def _as_text(node: object) -> object:
    """Every amount written as budget staff type it: ``263,698``, ``△3,877``."""
    if isinstance(node, list):
        return [_as_text(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[object, object] = {}
    for key, value in node.items():
        if isinstance(value, int) and key in AMOUNT_KEYS | {"change"}:
            out[key] = ("△" if value < 0 else "") + f"{abs(value):,}"
        else:
            out[key] = _as_text(value)
    return out


def _varied(i: int, project: dict[str, Any]) -> list[tuple[str, Any, bool]]:
    first = project["budget"]["items"][0]
    negative = json.loads(json.dumps(project))
    negative["budget"]["items"][0]["current"] = -first["current"] - 1
    unknown = json.loads(json.dumps(project))
    unknown["overview"]["비고"] = "없음"
    no_contacts = {k: v for k, v in project.items() if k != "contacts"}
    old = {**project, "fiscal_year": 1800}
    return [
        (f"{i}-as-is", project, True),
        (f"{i}-amounts-as-text", _as_text(project), True),
        (f"{i}-negative-current", negative, False),
        (f"{i}-unknown-key", unknown, False),
        (f"{i}-no-contacts", no_contacts, False),
        (f"{i}-fiscal-year-1800", old, False),
    ]


@pytest.mark.slow
def test_varied_documents_agree(tmp_path: Path) -> None:
    """Projects with 1–8 과목, special accounts and funds, 계속/한시 periods, 국비+시비, written two ways."""
    import random

    import yaml

    from bench.bench_build import synthesize

    rng = random.Random(13)
    cases = [case for i in range(1, 13) for case in _varied(i, synthesize(i, rng))]
    files = {}
    for name, project, _ in cases:
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(project, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
        files[name] = path
    accounts = {p["overview"]["account"] for name, p, _ in cases if name.endswith("-as-is")}
    kinds = {p["overview"]["period"]["kind"] for name, p, _ in cases if name.endswith("-as-is")}
    assert len(accounts) >= 2 and len(kinds) >= 2
    run = subprocess.run(
        [sys.executable, str(ROOT / "generate.py"), "check", str(tmp_path), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    bad = {Path(p["file"]).name for p in json.loads(run.stdout) if p["severity"] == "error"}
    schema_bad = _check_jsonschema(list(files.values()))
    for name, _, valid in cases:
        assert (files[name].name not in bad) is valid, name
        assert (files[name].name not in schema_bad) is valid, name
