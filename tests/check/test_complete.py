"""Incomplete documents never get through: every section required, truncated imports refused.

Also the keys that mean the same, the formulas as budget staff write them, the blame of
the odd one out and the messages for people who do not know YAML (issue 13, items 1–5).
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REFERENCE_TEXT, REFERENCE_YAML
from docgen import form as document
from docgen import text

from budgetdoc.check.rules import check
from budgetdoc.formats import legacy
from budgetdoc.formats.load import SECTIONS, LoadError, keep_sections, load_text
from budgetdoc.model import formula, numbers
from generate import cli

REFERENCE = REFERENCE_YAML.read_text(encoding="utf-8")
SEEDS = range(12)


def messages(source: str, file: str = "x.yaml") -> list[str]:
    """Every problem of ``source`` (load problems, else check problems), as printed."""
    try:
        doc = load_text(source, file)
    except LoadError as exc:
        return [str(p) for p in exc.problems]
    return [str(p) for p in check(doc)]


def where(source: str, needle: str) -> tuple[int, int]:
    """1-based (line, column) of the text after ``»`` in ``needle``."""
    before, after = needle.split("»")
    index = source.index(before + after) + len(before)
    return source.count("\n", 0, index) + 1, index - (source.rfind("\n", 0, index) + 1) + 1


def without(source: str, path: tuple[str | int, ...]) -> str:
    """``source`` with the block of the key at ``path`` (a top-level key or one level under it) cut out."""
    lines = source.split("\n")
    indent = "  " * (len(path) - 1)
    key = str(path[-1])
    start = next(
        i
        for i, line in enumerate(lines)
        if line.startswith(f"{indent}{key}:")
        and (len(path) == 1 or any(lines[j].startswith(f"{path[0]}:") for j in range(i)))
        and (len(path) == 1 or _parent(lines, i) == path[0])
    )
    end = start + 1
    while end < len(lines) and (lines[end].startswith(indent + " ") or lines[end].startswith(indent + "-")):
        end += 1
    return "\n".join(lines[:start] + lines[end:])


def _parent(lines: list[str], i: int) -> str:
    for j in range(i - 1, -1, -1):
        if lines[j] and not lines[j].startswith(" "):
            return lines[j].split(":")[0]
    return ""


# --------------------------------------------------------------------------- 1. sections

EMPTY_SECTIONS = [path for path, (_, may_be_empty, _) in SECTIONS.items() if may_be_empty]


def section_message(path: tuple[str | int, ...]) -> str:
    name, may_be_empty, example = SECTIONS[path]
    where_ = f"'{path[0]}' 아래에" if len(path) > 1 else "파일 최상위에"
    how = "해당 없으면 비워서라도 적으세요" if may_be_empty else "적어야 합니다"
    dotted = ".".join(str(p) for p in path)
    return f"missing-section: '{name}' 부분({dotted})이 {where_} 없습니다 — {how}, 예: {example}"


@pytest.mark.parametrize("path", list(SECTIONS), ids=lambda p: ".".join(map(str, p)))
def test_deleting_any_section_of_the_reference_fails_check_naming_it(path: tuple[str, ...], tmp_path: Path) -> None:
    source = without(REFERENCE, path)
    file = tmp_path / "ref.yaml"
    file.write_text(source, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(file)])
    assert result.exit_code == 1
    parent_line = 2 if len(path) == 1 else where(source, f"»{path[0]}:")[0]
    parent_col = 1
    assert result.stdout.splitlines() == [f"{file}:{parent_line}:{parent_col}: {section_message(path)}"]


def test_the_section_messages_read_as_the_form_names_them() -> None:
    assert section_message(("settlement",)) == (
        "missing-section: '5 최근 3년 결산 현황' 부분(settlement)이 파일 최상위에 없습니다 "
        "— 해당 없으면 비워서라도 적으세요, 예: settlement: []"
    )
    assert section_message(("schedule",)) == (
        "missing-section: '□ 추진일정' 부분(schedule)이 파일 최상위에 없습니다 "
        "— 해당 없으면 비워서라도 적으세요, 예: schedule: {rows: []}"
    )
    assert section_message(("effects", "achievements")) == (
        "missing-section: '□ 최근 3년 추진실적' 부분(effects.achievements)이 'effects' 아래에 없습니다 "
        "— 해당 없으면 비워서라도 적으세요, 예: achievements: {}"
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_deleting_any_section_of_a_generated_document_fails(seed: int) -> None:
    data = document(seed)
    for path in SECTIONS:
        cut = keep_sections(data) if len(path) > 1 else dict(data)
        if len(path) == 1:
            del cut[path[0]]
        else:
            cut[path[0]] = {k: v for k, v in cut[path[0]].items() if k != path[1]}
        found = messages(legacy.dump(cut))
        assert [m.split(": ", 1)[1] for m in found] == [section_message(path)], (seed, path)


def test_explicitly_empty_sections_load_warn_and_print_none(renderer) -> None:
    source = REFERENCE
    for old, new in [
        (REFERENCE[REFERENCE.index("schedule:") : REFERENCE.index("effects:")], "schedule: {rows: []}\n"),
        (REFERENCE[REFERENCE.index("  achievements:") : REFERENCE.index("  expected:")], "  achievements: {}\n"),
        (REFERENCE[REFERENCE.index("settlement:") :], "settlement: []\n"),
        (REFERENCE[REFERENCE.index("  legal_basis:") : REFERENCE.index("  content:")], "  legal_basis: []\n"),
    ]:
        source = source.replace(old, new)
    doc = load_text(source, "x.yaml")
    assert [str(p) for p in check(doc)] == [
        f"x.yaml:{where(source, 'rows: »[]')[0]}:{where(source, 'rows: »[]')[1]}: schedule-budget: 경고: "
        "추진일정이 비어 있어(해당 없음) 예산 총괄 계 (B) 263,698천원과 대조하지 않았습니다",
        f"x.yaml:{where(source, 'achievements: »{}')[0]}:{where(source, 'achievements: »{}')[1]}: years: 경고: "
        "추진실적이 비어 있어(해당 없음) 2021~2023년 추진실적 연도를 확인하지 않았습니다",
        f"x.yaml:{where(source, 'settlement: »[]')[0]}:{where(source, 'settlement: »[]')[1]}: years: 경고: "
        "결산 현황이 비어 있어(해당 없음) 2020~2022년 결산 연도와 금액을 확인하지 않았습니다",
    ]
    html = renderer.html(doc.project)
    # 사업근거, 추진일정, 추진실적 and 결산 each print 해당 없음; nothing else does.
    assert html.count("해당 없음") == 4
    for section in ("s3", "s4", "s5"):
        assert "해당 없음" in html.split(f'id="{section}"', 1)[1]
    assert "해당 없음" not in renderer.html(load_text(REFERENCE, "x.yaml").project)


@pytest.mark.parametrize("seed", SEEDS)
def test_keep_sections_round_trips_a_document_with_empty_sections(seed: int) -> None:
    doc = load_text(text(document(seed, empty=True)), "x.yaml")
    dumped = doc.project.model_dump(mode="json", exclude_defaults=True)
    # A writer that drops what is empty loses the sections that do not apply ...
    dropped = {
        k: ({kk: vv for kk, vv in v.items() if vv} if isinstance(v, dict) else v) for k, v in dumped.items() if v
    }
    assert "settlement" not in dropped and "rows" not in dropped["schedule"]
    with pytest.raises(LoadError):
        load_text(legacy.dump(dropped), "y.yaml")
    again = load_text(legacy.dump(keep_sections(dropped)), "y.yaml")  # ... keep_sections writes them back
    assert again.project == doc.project
    assert again.project.settlement == [] and again.project.schedule.rows == []


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_documents_are_complete_and_clean(seed: int) -> None:
    found = check(load_text(text(document(seed)), "x.yaml"))
    assert [p for p in found if p.severity == "error"] == []
    # A warning only where a section was written empty, saying which.
    assert all("비어 있어(해당 없음)" in p.message for p in found)


# --------------------------------------------------------------------------- 1. truncated imports

REFERENCE_LINES = REFERENCE_TEXT.read_text(encoding="utf-8").split("\n")


def _last_line(n: int) -> int:
    return max(i for i in range(1, n + 1) if REFERENCE_LINES[i - 1].strip())


def cuts() -> list[int]:
    """Every cut of the reference text at a line boundary before its end, from the title on."""
    last = _last_line(len(REFERENCE_LINES))
    return [n for n in range(1, last) if REFERENCE_LINES[n - 1].strip()]


def test_the_cuts_cover_every_section_boundary_the_middle_of_the_basis_and_the_first_settlement_row() -> None:
    heads = [
        i + 1 for i, line in enumerate(REFERENCE_LINES) if line.strip() and legacy._heading(legacy._Line(i + 1, line))
    ]
    assert len(heads) == 16
    assert {_last_line(h - 1) for h in heads[1:]} <= set(cuts())  # just before each heading
    assert {41, 44} <= set(cuts())  # inside 산출근거 (between its ○ and - lines)
    assert REFERENCE_LINES[98].startswith("2020\t") and 99 in cuts()  # after the first 결산 row


@pytest.mark.parametrize("n", cuts())
def test_every_truncation_of_the_reference_is_refused_at_the_line_where_it_ends(n: int) -> None:
    source = "\n".join(REFERENCE_LINES[:n]) + "\n"
    with pytest.raises(legacy.LegacyError) as info:
        legacy.import_text(source, "doc.txt")
    problems = info.value.problems
    end = _last_line(n)
    truncated = [p for p in problems if p.rule == "legacy-truncated"]
    assert len(truncated) == 1, [str(p) for p in problems]
    assert truncated[0].line == end
    assert f"{end}행에서 끝났습니다" in truncated[0].message


def test_truncation_messages() -> None:
    def first(n: int) -> str:
        with pytest.raises(legacy.LegacyError) as info:
            legacy.import_text("\n".join(REFERENCE_LINES[:n]) + "\n", "doc.txt")
        return next(str(p) for p in info.value.problems if p.rule == "legacy-truncated")

    assert first(47) == (
        "doc.txt:46:1: legacy-truncated: 문서가 46행에서 끝났습니다 — '3 사업설명' 부분부터 없습니다 (잘린 문서가 아닌지 확인하세요)"
    )
    assert first(42) == (
        "doc.txt:42:1: legacy-truncated: 문서가 42행에서 끝났습니다 — '3 사업설명' 부분부터 없습니다 (잘린 문서가 아닌지 확인하세요)"
    )
    assert first(81) == (
        "doc.txt:80:1: legacy-truncated: 문서가 80행에서 끝났습니다 — '4 사업효과' 부분부터 없습니다 (잘린 문서가 아닌지 확인하세요)"
    )
    assert first(99) == (
        "doc.txt:99:1: legacy-truncated: 문서가 결산 현황 99행에서 끝났습니다 — 2021, 2022년 행이 없습니다 "
        "(잘린 문서가 아닌지 확인하세요)"
    )


def test_sections_that_do_not_apply_import_as_empty() -> None:
    source = "\n".join(REFERENCE_LINES)
    start = source.index("연도\t최종예산")
    yaml_text, _ = legacy.import_text(source[:start] + "해당 없음\n", "doc.txt")
    doc = load_text(yaml_text, "doc.yaml")
    assert doc.project.settlement == []
    assert "settlement: []" in yaml_text


@pytest.mark.parametrize("n", [21, 42, 81, 93, 99])
def test_import_of_a_truncated_text_exits_1_and_writes_nothing(n: int, tmp_path: Path) -> None:
    src = tmp_path / "doc.txt"
    src.write_text("\n".join(REFERENCE_LINES[:n]) + "\n", encoding="utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(REFERENCE, encoding="utf-8")
    for out, force in ((tmp_path / "new.yaml", []), (good, ["--force"])):
        result = CliRunner().invoke(cli, ["import", str(src), "-o", str(out), *force])
        assert result.exit_code == 1
        assert f"{src}:{_last_line(n)}: 문서가" in result.stderr
    assert not (tmp_path / "new.yaml").exists()
    assert good.read_text(encoding="utf-8") == REFERENCE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.txt", "good.yaml"]


def test_import_never_replaces_an_existing_file_without_force(tmp_path: Path) -> None:
    out = tmp_path / "out.yaml"
    out.write_text("keep me\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(REFERENCE_TEXT), "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"{out}: 이미 있는 파일이라 덮어쓰지 않습니다 (덮어쓰려면 --force)\n아무것도 쓰지 않았습니다.\n"
    )
    assert out.read_text(encoding="utf-8") == "keep me\n"
    result = CliRunner().invoke(cli, ["import", str(REFERENCE_TEXT), "-o", str(out), "--force"])
    assert result.exit_code == 0
    assert load_text(out.read_text(encoding="utf-8"), "out.yaml").project.title == "지역균형발전 추진"


def test_import_of_a_folder_replaces_nothing_without_force(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(REFERENCE_TEXT.read_text(encoding="utf-8"), encoding="utf-8")
    (src / "b.txt").write_text(REFERENCE_TEXT.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "b.yaml").write_text("keep me\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(src), "-o", str(out)])
    assert result.exit_code == 2
    assert sorted(p.name for p in out.iterdir()) == ["b.yaml"]
    assert (out / "b.yaml").read_text(encoding="utf-8") == "keep me\n"


# --------------------------------------------------------------------------- 2. keys that mean the same


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("2021", "'2021 '"),
        ("2021", '" 2021"'),
        ("2021", "２０２１"),
        ("'2021'", "\"'2021'\""),
    ],
)
def test_year_keys_that_mean_the_same_are_a_duplicate_with_both_lines(first: str, second: str) -> None:
    source = REFERENCE.replace("    2022:\n", f"    {second}:\n").replace("    2021:\n", f"    {first}:\n")
    line1, line2 = where(source, f"    »{first}:")[0], where(source, f"    »{second}:")[0]
    shown = second.strip("'\"") if second.startswith(("'", '"')) and second != "\"'2021'\"" else second
    if second == "\"'2021'\"":
        shown = "'2021'"
    first_shown = first.strip("'")
    written = "" if first_shown == shown else f" '{first_shown}'"
    assert messages(source) == [
        f"x.yaml:{line2}:5: yaml-duplicate-key: 키 '{shown}'가 두 번 있습니다: {line1}행{written}과(와) {line2}행 — 하나로 합치세요"
    ]


def test_names_that_differ_only_by_unicode_normalisation_are_one_key() -> None:
    composed = "사업"  # NFC
    decomposed = "\u1109\u1161\u110b\u1165\u11b8"  # the same syllables, NFD
    assert composed != decomposed
    source = REFERENCE.replace("    2021:\n", f"    {composed}:\n").replace("    2022:\n", f"    {decomposed}:\n")
    found = messages(source)
    dup = [m for m in found if "yaml-duplicate-key" in m]
    line1, line2 = where(source, f"    »{composed}:")[0], where(source, f"    »{decomposed}:")[0]
    assert dup == [
        f"x.yaml:{line2}:5: yaml-duplicate-key: 키 '{decomposed}'가 두 번 있습니다: {line1}행 '{composed}'과(와) "
        f"{line2}행 — 하나로 합치세요"
    ]


# --------------------------------------------------------------------------- 3. formulas

FORMULAS = [
    ("2,800,000천원×2%", Fraction(56_000_000), True),
    ("2,800,000천원×0.02", Fraction(56_000_000), True),
    ("2,268,600원x1명x12월x1.045", Fraction(28_448_244), True),
    ("150,000원*17명*2회", Fraction(5_100_000), True),
    ("1,001원×1.5", Fraction(3003, 2), True),
    ("350,000×3기", Fraction(1_050_000), False),
    ("12.5명*1,000원", Fraction(12_500), True),
    ("(1,000원+500원)×50%", Fraction(750), True),
]


@pytest.mark.parametrize(("text", "value", "has_won"), FORMULAS)
def test_formulas_as_budget_staff_write_them(text: str, value: Fraction, has_won: bool) -> None:
    result = formula.evaluate_formula(text)
    assert (result.value, result.has_won) == (value, has_won)
    assert isinstance(result.value, Fraction)


@pytest.mark.parametrize(
    ("won", "rounding", "thousand"),
    [
        (Fraction(28_448_244), "exact", None),
        (Fraction(28_448_244), "floor", 28_448),
        (Fraction(28_448_244), "ceil", 28_449),
        (Fraction(28_448_244), "half-up", 28_448),
        (Fraction(28_448_500), "half-up", 28_449),
        (Fraction(2_999_999, 2), "half-up", 1_500),  # 1,499,999.5원
        (Fraction(1_499_499), "half-up", 1_499),
        (Fraction(56_000_000), "exact", 56_000),
    ],
)
def test_the_documents_rounding_decides_the_thousand_amount(won: Fraction, rounding: str, thousand: int | None) -> None:
    assert numbers.won_to_thousand(won, rounding) == thousand


def basis_line(formula: str, amount: int) -> str:
    """The reference with the 국외업무여비 line's formula and amount replaced."""
    return REFERENCE.replace(
        "          formula: 50,000,000원\n          amount: 50000",
        f'          formula: "{formula}"\n          amount: {amount}',
    )


def test_a_percent_is_a_factor_not_a_count() -> None:
    source = basis_line("2,500,000천원×2%", 50000)
    assert messages(source) == []
    source = basis_line("2,500,000천원×2%", 50001)
    line, col = where(source, "amount: »50001")
    assert messages(source) == [
        f"x.yaml:{line}:{col}: basis-formula: 2,500,000천원×2% = 50,000천원인데 50,001천원으로 적혀 있습니다"
    ]


def with_rounding(source: str, rounding: str) -> str:
    return source.replace(
        "title: 지역균형발전 추진", f"title: 지역균형발전 추진\nconventions: {{formula_rounding: {rounding}}}"
    )


def test_a_decimal_factor_needs_the_documents_rounding() -> None:
    source = basis_line("2,268,600원x1명x12월x1.045", 50000)
    line, col = where(source, 'formula: »"2,268,600')
    assert messages(source) == [
        f"x.yaml:{line}:{col}: basis-formula: 2,268,600원x1명x12월x1.045 = 28,448,244원은 천원 단위로 나누어떨어지지 "
        "않습니다: 내림이면 28,448천원, 올림이면 28,449천원인데 50,000천원으로 적혀 있습니다"
    ]
    rounded = with_rounding(source, "half-up")
    line, col = where(rounded, "amount: »50000\n    - name: 시책")
    assert messages(rounded) == [
        f"x.yaml:{line}:{col}: basis-formula: 2,268,600원x1명x12월x1.045 = 28,448천원인데 50,000천원으로 적혀 있습니다"
    ]


def test_the_rounding_advice_names_only_the_modes_that_make_the_line_hold() -> None:
    """28,448,244원 stated as 28,449천원 holds only when rounded up: the advice says ceil, never half-up."""
    source = basis_line("2,268,600원x1명x12월x1.045", 28449).replace("50,000 ", "28,449 ")
    line, col = where(source, 'formula: »"2,268,600')
    found = [m for m in messages(source) if "basis-formula" in m]
    assert found == [
        f"x.yaml:{line}:{col}: basis-formula: 2,268,600원x1명x12월x1.045 = 28,448,244원은 천원 단위로 나누어떨어지지 "
        "않습니다: 적힌 28,449천원은 올림(ceil)으로 맞습니다 (conventions: {formula_rounding: ceil})"
    ]
    half_up = with_rounding(source, "half-up")
    line, col = where(half_up, "amount: »28449")
    assert [m for m in messages(half_up) if "basis-formula" in m] == [
        f"x.yaml:{line}:{col}: basis-formula: 2,268,600원x1명x12월x1.045 = 28,448천원인데 28,449천원으로 적혀 있습니다"
        " — 올림(ceil)으로는 맞습니다 (conventions: {formula_rounding: ceil})"
    ]
    assert [m for m in messages(with_rounding(source, "ceil")) if "basis-formula" in m] == []


def test_rounding_advice_that_would_break_another_line_is_not_given() -> None:
    """Two lines: one holds only rounded down, the other only rounded up; no mode is advised."""
    source = basis_line("2,268,600원x1명x12월x1.045", 28449).replace(
        "formula: 150,000원*17명*2회\n              amount: 5100",
        "formula: 150,001원*17명*2회\n              amount: 5100",
    )
    found = [m.split(": ", 2)[2] for m in messages(source) if "basis-formula" in m]
    assert found == [
        "150,001원×17명×2회 = 5,100,034원은 천원 단위로 나누어떨어지지 않습니다: 적힌 5,100천원은 내림(floor) 또는 "
        "반올림(half-up)으로는 맞지만, 그렇게 바꾸면 이 문서의 다른 산출근거 줄이 맞지 않습니다",
        "2,268,600원x1명x12월x1.045 = 28,448,244원은 천원 단위로 나누어떨어지지 않습니다: 적힌 28,449천원은 "
        "올림(ceil)으로는 맞지만, 그렇게 바꾸면 이 문서의 다른 산출근거 줄이 맞지 않습니다",
    ]


def test_a_unit_less_formula_off_by_a_thousand_says_won_is_missing() -> None:
    source = basis_line("50,000×1기", 50000)  # meant 50,000천원, computed as 50,000원 = 50천원
    line, col = where(source, "amount: »50000\n    - name: 시책")
    assert messages(source) == [
        f"x.yaml:{line}:{col}: basis-formula: 50,000×1기 = 50천원인데 50,000천원으로 적혀 있습니다 — 산식의 금액에 "
        "단위 '원'이 없어 1,000배 차이가 납니다: 금액 뒤에 '원'(또는 '천원')을 붙이세요 (예: 350,000원×3기)"
    ]
    # With 원 written, the same mistake gets no hint: the unit is there.
    source = basis_line("50,000원×1기", 50000)
    assert "'원'이 없어" not in " ".join(messages(source))


@pytest.mark.parametrize("seed", SEEDS)
def test_percent_and_decimal_formulas_in_generated_documents(seed: int) -> None:
    data = document(seed)
    item = next(i for i in data["budget"]["items"] if i["basis"])
    line = item["basis"][0]
    # The same amount written as a percentage of a 천원 total and as a decimal factor.
    amount = line["amount"]
    for written in (f"{amount * 50:,}천원×2%", f"{amount * 50:,}천원×0.02", f"{amount * 4:,}천원×25%"):
        line.pop("parts", None)
        line["formula"] = written
        assert [m for m in messages(text(data)) if "basis" in m] == [], (seed, written)


# --------------------------------------------------------------------------- 4. blame the odd one out


def test_a_lone_basis_line_that_disagrees_with_its_agreeing_subject_is_blamed() -> None:
    source = basis_line("50,900,000원", 50900)  # B 50,000 agrees with 계 (B), 사업비 and 추진일정
    line, col = where(source, "amount: »50900")
    found = check(load_text(source, "x.yaml"))
    assert [(str(p), p.expected, p.actual) for p in found] == [
        (
            f"x.yaml:{line}:{col}: basis-item: ○ '여비' 금액은 '국외업무여비' 예산액 (B) 50,000천원인데 50,900천원으로 "
            "적혀 있습니다 (예산액 (B)는 예산 총괄 계 (B), 사업비, 추진일정과 맞습니다)",
            50000,
            50900,
        )
    ]


def test_city_off_by_district_is_blamed_not_the_total_that_agrees_with_the_budget() -> None:
    source = REFERENCE.replace("    city: 263698\n    district: null", "    city: 264698\n    district: 1000")
    line, col = where(source, "city: »264698")
    found = check(load_text(source, "x.yaml"))
    assert [(str(p), p.expected, p.actual) for p in found] == [
        (
            f"x.yaml:{line}:{col}: funding-total: 시비는 사업비 263,698 − 국비 0 = 263,698천원인데 264,698천원으로 "
            "적혀 있습니다 (사업비 (당해년도)는 예산 총괄 계 (B)와 맞습니다) — 예산 외인 구비 1,000천원이 더해진 것 같습니다",
            263698,
            264698,
        )
    ]


def blamed(source: str) -> list[tuple[str, str, object, object]]:
    return [
        (p.rule, p.field, p.expected, p.actual) for p in check(load_text(source, "x.yaml")) if p.severity == "error"
    ]


def test_a_subjects_b_that_disagrees_with_its_basis_its_change_and_the_total_is_blamed_alone() -> None:
    source = REFERENCE.replace("      current: 50000\n      change: 50000", "      current: 50500\n      change: 50000")
    assert blamed(source) == [("basis-item", "budget.items[2].current", 50000, 50500)]


def test_a_schedule_row_that_disagrees_with_its_agreeing_total_is_blamed() -> None:
    source = REFERENCE.replace("      amount: 263698\n      detail", "      amount: 263699\n      detail")
    assert blamed(source) == [("schedule-total", "schedule.rows[0].amount", 263698, 263699)]


def test_a_part_without_a_formula_that_breaks_an_agreeing_line_is_blamed() -> None:
    source = REFERENCE.replace(
        "              formula: 761,500원*2회\n              amount: 1523", "              amount: 1524"
    )
    assert blamed(source) == [("basis-parts", "budget.items[1].basis[0].parts[1].amount", 1523, 1524)]


# Every rule linking three or more cells, with one cell wrong and the others agreeing:
# the problem is at the wrong cell, with the value the others give.
THREE_CELL_RULES = [
    (("rate: 1853}", "rate: 1850}"), "budget-rate", "budget.total.rate", 1853, 1850),
    (("      change: -3877", "      change: -3876"), "budget-diff", "budget.items[1].change", -3877, -3876),
    (("total: {previous: 13500,", "total: {previous: 13501,"), "budget-total", "budget.total.previous", 13500, 13501),
    (("  total: 263698\n  funding", "  total: 263699\n  funding"), "funding-total", "overview.total", 263698, 263699),
    (
        ("carried_in: 279576, change: 0, available: 293076", "carried_in: 279576, change: 0, available: 293077"),
        "settlement-available",
        "settlement[0].available",
        293076,
        293077,
    ),
    (
        ("spent: 3772, carried_out: 0, balance: 9728", "spent: 3772, carried_out: 0, balance: 9729"),
        "settlement-balance",
        "settlement[1].balance",
        9728,
        9729,
    ),
    (
        (
            "              formula: 150,000원*17명*2회\n              amount: 5100",
            "              formula: 150,000원*17명*2회\n              amount: 5101",
        ),
        "basis-formula",
        "budget.items[1].basis[0].parts[0].amount",
        5100,
        5101,
    ),
]


@pytest.mark.parametrize(
    ("edit", "rule", "field", "expected", "actual"), THREE_CELL_RULES, ids=[r[1] for r in THREE_CELL_RULES]
)
def test_every_rule_of_three_or_more_cells_blames_the_odd_one(
    edit: tuple[str, str], rule: str, field: str, expected: int, actual: int
) -> None:
    assert REFERENCE.count(edit[0]) == 1
    assert blamed(REFERENCE.replace(*edit)) == [(rule, field, expected, actual)]


@pytest.mark.parametrize("seed", SEEDS)
def test_blame_on_generated_documents(seed: int) -> None:
    data = document(seed, empty=False)
    k, item = next((n, i) for n, i in enumerate(data["budget"]["items"]) if i["basis"])
    item["basis"] = [{"label": "사업 항목", "amount": item["current"] + 9}]  # a lone ○ line, 9천원 over (B)
    assert blamed(text(data)) == [
        ("basis-item", f"budget.items[{k}].basis[0].amount", item["current"], item["current"] + 9)
    ]


# --------------------------------------------------------------------------- 5. messages


@pytest.mark.parametrize(
    ("korean", "english", "parent"),
    [
        ("국비", "national", "funding"),
        ("시비", "city", "funding"),
        ("구비", "district", "funding"),
        ("기 타", "other", "funding"),
    ],
)
def test_korean_labels_as_keys_get_the_english_key(korean: str, english: str, parent: str) -> None:
    source = REFERENCE.replace(
        f"    {english}: null" if english != "city" else "    city: 263698",
        f"    {korean}: 0" if english != "city" else f"    {korean}: 263698",
    )
    line, col = where(source, f"    »{korean}:")
    found = messages(source)
    assert (
        f"x.yaml:{line}:{col}: unknown-key: 키는 영어로 적습니다: '{korean}' 대신 '{english}'(이)라고 적으세요" in found
    )


def test_korean_section_labels_get_the_english_key() -> None:
    source = REFERENCE.replace("settlement:\n", "결산 현황:\n")
    found = messages(source)
    line, col = where(source, "»결산 현황:")
    assert (
        f"x.yaml:{line}:{col}: unknown-key: 키는 영어로 적습니다: '결산 현황' 대신 'settlement'(이)라고 적으세요"
        in found
    )


def test_wrong_shapes_say_what_to_write_with_an_example() -> None:
    source = REFERENCE.replace("  period:\n    kind: 연례반복", "  period: 계속 2024~2027").replace(
        "  officer: {name: 김승연, phone: 2133-8625}", "  officer: 백승민 2133-3927"
    )
    found = messages(source)
    assert found == [
        f"x.yaml:{where(source, 'period: »계속')[0]}:{where(source, 'period: »계속')[1]}: wrong-type: "
        "'overview.period'은(는) 한 줄로 적지 말고 '키: 값'으로 나누어 적으세요 — 예: period: {kind: 계속, start: 2024, end: 2027}",
        f"x.yaml:{where(source, 'officer: »백승민')[0]}:{where(source, 'officer: »백승민')[1]}: wrong-type: "
        "'contacts.officer'은(는) 한 줄로 적지 말고 '키: 값'으로 나누어 적으세요 — 예: officer: {name: 백승민, phone: 2133-3927}",
    ]
    assert not any(word in m for m in found for word in ("매핑", "글이"))


def test_a_rate_that_differs_only_by_decimals_points_at_rate_decimals() -> None:
    source = REFERENCE.replace("rate: -37", "rate: -36.9")
    line, col = where(source, "rate: »-36.9")
    assert messages(source) == [
        f"x.yaml:{line}:{col}: budget-rate: '사무관리비' 증감률은 △37인데 △36.9(으)로 적혀 있습니다 — 소수 자릿수만 "
        "다릅니다: 증감률을 소수 1자리로 적으려면 conventions: {rate_decimals: 1}를 적으세요 (지금은 0자리)"
    ]
    assert messages(
        source.replace("title: 지역균형발전 추진", "title: 지역균형발전 추진\nconventions: {rate_decimals: 1}")
    ) == [
        m
        for m in messages(
            source.replace("title: 지역균형발전 추진", "title: 지역균형발전 추진\nconventions: {rate_decimals: 1}")
        )
        if "'계'" in m or "rate: 1" in m
    ]
    # A rate wrong beyond its decimals gets no such hint.
    assert "rate_decimals" not in " ".join(messages(REFERENCE.replace("rate: -37", "rate: -35.9")))


@pytest.mark.parametrize(
    ("old", "new", "needle", "quote", "closes"),
    [
        (
            "      - \"'23년 제1차 심의회 개최('23.8.)\"",
            "      - \"'23년 제1차 심의회 개최('23.8.)",
            "      - »\"'23년 제1차",
            '"',
            115,
        ),
        (
            "      - \"'23년 제1차 심의회 개최('23.8.)\"",
            "      - '23년 제1차 심의회 개최",
            "      - »'23년 제1차",
            "'",
            115,
        ),
        ("title: 지역균형발전 추진", 'title: "지역균형발전 추진', 'title: »"지역', '"', 114),
        ("  account: 일반회계", "  account: '일반회계", "  account: »'일반", "'", 106),
    ],
)
def test_an_unclosed_quote_is_reported_where_it_opens(old: str, new: str, needle: str, quote: str, closes: int) -> None:
    source = REFERENCE.replace(old, new)
    line, col = where(source, needle)
    other = '큰따옴표(")' if quote == "'" else "작은따옴표(')"
    assert messages(source) == [
        f"x.yaml:{line}:{col}: yaml-syntax: 따옴표({quote})가 이 줄에서 닫히지 않아 {closes}행의 따옴표까지 한 값으로 "
        f"읽혔습니다 — 따옴표를 닫거나, 값 안에 {quote}가 있으면 값 전체를 {other}로 감싸세요"
    ]


def test_rates_stay_decimal() -> None:
    assert numbers.change_rate(10500, 6623, 1) == Decimal("-36.9")
    assert re.fullmatch(r"△\d+", numbers.rate_text(numbers.change_rate(10500, 6623)))


@pytest.mark.parametrize(
    ("formula", "messages_after"),
    [
        ("2,500,000천원×2%", []),
        ("47,846,890원×1.045", ["basis-formula"]),  # 50,000,000.05원: not a whole 천원 without a rounding
    ],
)
def test_imported_formulas_with_percent_and_decimals(formula: str, messages_after: list[str]) -> None:
    source = REFERENCE_TEXT.read_text(encoding="utf-8").replace("○ 여비 50,000,000원", f"○ 여비 {formula}")
    yaml_text, _ = legacy.import_text(source, "doc.txt")
    assert f"formula: {formula}" in yaml_text
    assert [p.rule for p in check(load_text(yaml_text, "doc.yaml"))] == messages_after


@pytest.mark.parametrize(
    ("written", "label", "text"),
    [
        ("여비 경정 (25,000,000원×3회) - 기정 25,000,000원", "여비", "경정 (25,000,000원×3회) - 기정 25,000,000원"),
        ("여비 (12,500,000원×4 회)", "여비", "(12,500,000원×4 회)"),
        ("여비 150,000,000원 X 4/12월", "여비", "150,000,000원 X 4/12월"),
        ("여비 600,000,000원 ÷ 12월", "여비", "600,000,000원 ÷ 12월"),
        ("여비 경정 25,000,000 X 2회", "여비", "경정 25,000,000 X 2회"),
        ("여비 12,500,000원 × 2명 × 200 %", "여비", "12,500,000원 × 2명 × 200 %"),
    ],
)
def test_imported_formulas_in_every_form(written: str, label: str, text: str) -> None:
    """``import`` splits label and formula by the same grammar, and the document checks clean."""
    source = REFERENCE_TEXT.read_text(encoding="utf-8").replace("○ 여비 50,000,000원", f"○ {written}")
    yaml_text, _ = legacy.import_text(source, "doc.txt")
    doc = load_text(yaml_text, "doc.yaml")
    line = doc.project.budget.items[2].basis[0]
    assert (line.label, line.formula, line.amount) == (label, text, 50_000)
    assert [p.rule for p in check(doc)] == []


def test_an_imported_reduction_line_keeps_its_triangle() -> None:
    source = REFERENCE_TEXT.read_text(encoding="utf-8").replace(
        "○ 여비 50,000,000원\t=\t50,000천원",
        "○ 여비 50,000,000원\t=\t50,000천원\n\t○ 증액 1,000,000원\t=\t1,000천원\n"
        "\t○ 감액 (86,666원×8명×12월)- 9,319,936원\t=\t△1,000천원",
    )
    assert source.count("감액") == 1
    yaml_text, _ = legacy.import_text(source, "doc.txt")
    doc = load_text(yaml_text, "doc.yaml")
    lines = doc.project.budget.items[2].basis
    assert [(b.label, b.formula, b.amount) for b in lines[1:]] == [
        ("증액", "1,000,000원", 1000),
        ("감액", "(86,666원×8명×12월)- 9,319,936원", -1000),
    ]
    assert [p.rule for p in check(doc)] == []
