"""The importer from the published text format: the reference, variants of it, and malformed input."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from conftest import REFERENCE_TEXT, REFERENCE_YAML, edit

from budgetdoc.check.rules import check
from budgetdoc.formats.legacy import LegacyError, import_file, import_text
from budgetdoc.formats.load import load, load_text
from budgetdoc.model.document import (
    BasisLine,
    BasisPart,
    BudgetItem,
    Funding,
    Period,
    Person,
    Problem,
    ScheduleRow,
    SettlementRow,
)

FILE = "doc.txt"


@pytest.fixture(scope="module")
def reference() -> str:
    return REFERENCE_TEXT.read_text(encoding="utf-8")


def imported(text: str):
    out, _ = import_text(text, FILE)
    return load_text(out, "doc.yaml")


def failure(text: str) -> list[str]:
    with pytest.raises(LegacyError) as info:
        import_text(text, FILE)
    assert str(info.value) == "\n".join(str(p) for p in info.value.problems)
    return [str(p) for p in info.value.problems]


# --------------------------------------------------------------------------- the reference


def test_reference_imports_to_the_shipped_data(reference):
    assert imported(reference).project == load(REFERENCE_YAML).project


def test_reference_yaml_is_laid_out_like_the_shipped_data(reference):
    out, _ = import_text(reference, FILE)
    shipped = "".join(
        line for line in REFERENCE_YAML.read_text(encoding="utf-8").splitlines(True) if not line.startswith("#")
    )
    assert out == shipped


def test_reference_checks_clean(reference):
    assert check(imported(reference)) == []


def test_sabi_typo_is_read_as_city_with_a_warning(reference):
    out, warnings = import_text(reference, FILE)
    assert warnings == [
        Problem(FILE, 12, 27, "legacy-typo", "'[사비]'는 '[시비]'의 오타로 보고 시비로 읽었습니다", severity="warning")
    ]
    assert str(warnings[0]) == "doc.txt:12:27: legacy-typo: 경고: '[사비]'는 '[시비]'의 오타로 보고 시비로 읽었습니다"
    assert load_text(out, "doc.yaml").project.overview.funding.city == 263698


def test_import_file_reads_utf8_with_bom_and_crlf(reference, tmp_path):
    path = tmp_path / "ref.txt"
    path.write_bytes(b"\xef\xbb\xbf" + reference.replace("\n", "\r\n").encode("utf-8"))
    out, warnings = import_file(path)
    assert out == import_text(reference, FILE)[0]
    assert [w.file for w in warnings] == [str(path)]


def test_import_file_leaves_unreadable_input_to_the_caller(tmp_path):
    with pytest.raises(FileNotFoundError):
        import_file(tmp_path / "missing.txt")
    (tmp_path / "latin1.txt").write_bytes("지역".encode("euc-kr"))
    with pytest.raises(UnicodeDecodeError):
        import_file(tmp_path / "latin1.txt")


def test_import_writes_nothing(reference, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    import_text(reference, str(tmp_path / "doc.txt"))
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- variants of the format


def shift_years(text: str, by: int) -> str:
    text = re.sub(r"(?<![\d,])20\d\d(?![\d,])", lambda m: str(int(m[0]) + by), text)
    return re.sub(r"'(\d\d)", lambda m: f"'{int(m[1]) + by:02d}", text)


def test_another_fiscal_year_with_all_years_shifted(reference):
    doc = imported(shift_years(reference, 1))
    p = doc.project
    assert p.fiscal_year == 2025
    assert list(p.effects.achievements) == [2022, 2023, 2024]
    assert p.effects.achievements[2024][1] == "'24년 제1차 심의회 개최('24.8.)"
    assert [s.year for s in p.settlement] == [2021, 2022, 2023]
    assert p.schedule.rows[0].period == "2025.01~2025.12"
    assert p.description.history[-1] == "제3기 서울시 균형발전위원회 구성·운영(2024년)"
    assert check(doc) == []


def test_national_and_city_funding_and_amounts_outside_the_budget(reference):
    text = edit(reference, ("[국비]\t[사비]263,698천원", "[국비]100,000천원\t[시비]163,698천원"))
    text = edit(text, ("[구비]\t[기타]", "[구비] 5,000천원\t[기타]1,200천원"))
    out, warnings = import_text(text, FILE)
    doc = load_text(out, "doc.yaml")
    assert warnings == []
    assert doc.project.overview.funding == Funding(national=100000, city=163698, district=5000, other=1200)
    assert check(doc) == []


def test_empty_funding_cells_are_null(reference):
    text = edit(
        reference, ("사업비 (당해년도)\t263,698천원\t[국비]\t[사비]263,698천원", "사업비 (당해년도)\t\t[국비]\t[시비]")
    )
    p = imported(text).project
    assert p.overview.total is None
    assert p.overview.funding == Funding()


@pytest.mark.parametrize(
    ("cell", "period"),
    [
        (
            '<input type="checkbox"/> 연례반복 <input checked="" type="checkbox"/> 계속 (2022~2026) '
            '<input type="checkbox"/> 한시',
            Period(kind="계속", start=2022, end=2026),
        ),
        (
            '<input type="checkbox"/> 연례반복\t<input type="checkbox"/> 계속\t<input checked="" type="checkbox"/> 한시 '
            "2023 ~ 2025",
            Period(kind="한시", start=2023, end=2025),
        ),
        ('<input checked="" type="checkbox"/> 계속 (2022년~2026년)', Period(kind="계속", start=2022, end=2026)),
        ('<INPUT TYPE="checkbox" CHECKED> 연례반복', Period(kind="연례반복")),
    ],
)
def test_period_is_the_checked_choice_with_its_years(reference, cell, period):
    text = edit(reference, ('<input checked="" type="checkbox"/> 연례반복', cell))
    assert imported(text).project.overview.period == period


@pytest.mark.parametrize("account", ["도시개발특별회계", "서울시 균형발전기금"])
def test_special_accounts_and_funds(reference, account):
    text = edit(reference, ("회 계\t일반회계\t\t", f"회 계\t{account}\t\t"))
    assert imported(text).project.overview.account == account


def test_summary_continues_on_rows_without_a_label(reference):
    text = edit(reference, ("운영\t\t\n사업비", "운영\t\t\n\t○ 셋째 항목 ○ 넷째 항목\t\t\n사업비"))
    assert imported(text).project.overview.summary[2:] == ["셋째 항목", "넷째 항목"]


def test_contacts_without_phone_numbers(reference):
    text = edit(reference, ("김기봉 2133-8608\t김나연 2133-8624", "김기봉\t김나연 02-2133-8624"))
    c = imported(text).project.contacts
    assert c.director == Person(name="김기봉")
    assert c.team_leader == Person(name="김나연", phone="02-2133-8624")


def test_more_budget_items(reference):
    text = edit(
        reference,
        (
            "계\t(x-) 13,500\t(x-) 263,698\t(x-) 250,198\t(x-) 1,853",
            "계\t(x-) 14,500\t(x-) 265,698\t(x-) 251,198\t(x-) 1,732",
        ),
    )
    text = edit(
        text,
        (
            "특정업무경비\t(x-) 0\t(x-) 94,800\t(x-) 94,800\t(x-) 100\n",
            "특정업무경비\t(x-) 0\t(x-) 94,800\t(x-) 94,800\t(x-) 100\n"
            "행사운영비\t(x-) 1,000\t(x-) 2,000\t(x-) 1,000\t(x-) 100\n",
        ),
    )
    text = edit(
        text,
        (
            "158명*50,000원*12\t=\t94,800천원\n",
            "158명*50,000원*12\t=\t94,800천원\n행사운영비\t○ 균형발전 포럼 개최 2,000,000원\t=\t2,000천원\n",
        ),
    )
    p = imported(text).project
    assert [i.name for i in p.budget.items][-2:] == ["특정업무경비", "행사운영비"]
    assert p.budget.items[-1] == BudgetItem(
        name="행사운영비",
        previous=1000,
        current=2000,
        change=1000,
        rate=Decimal(100),
        basis=[BasisLine(label="균형발전 포럼 개최", formula="2,000,000원", amount=2000)],
    )
    assert (p.budget.total.previous, p.budget.total.current, p.budget.total.change) == (14500, 265698, 251198)
    assert p.budget.total.rate == 1732


def test_more_circle_and_dash_lines(reference):
    text = edit(
        reference,
        (
            "761,500원*2회\t=\t1,523천원\n",
            "761,500원*2회\t=\t1,523천원\n"
            "\t- 자료집 발간 1,000원 × 500부\t=\t500천원\n"
            "\t○ 정책 토론회\t=\t1,200천원\n"
            "\t- 발제 수당 200,000원*3명\t=\t600천원\n"
            "\t\n"
            "\t- 토론 수당(4명) (100,000원+50,000원)*4명\t=\t600천원\n"
            "\t○ 예비비\t\t\n",
        ),
    )
    basis = imported(text).project.budget.items[1].basis
    assert basis[0].parts[2] == BasisPart(label="자료집 발간", formula="1,000원 × 500부", amount=500)
    assert basis[1:] == [
        BasisLine(
            label="정책 토론회",
            amount=1200,
            parts=[
                BasisPart(label="발제 수당", formula="200,000원*3명", amount=600),
                BasisPart(label="토론 수당(4명)", formula="(100,000원+50,000원)*4명", amount=600),
            ],
        ),
        BasisLine(label="예비비"),
    ]


@pytest.mark.parametrize(
    ("line", "label", "formula"),
    [
        ("회의 참석수당 150,000원*17명*2회", "회의 참석수당", "150,000원*17명*2회"),
        ("대민업무수당(5급이하 158명) 158명*50,000원*12", "대민업무수당(5급이하 158명)", "158명*50,000원*12"),
        ("기간제근로자등보수 55,275,000원", "기간제근로자등보수", "55,275,000원"),
        ("서울시 균형발전위원회 운영", "서울시 균형발전위원회 운영", None),
        ("제3기 위원회 2회", "제3기 위원회 2회", None),
        ("업무추진비 (5명) 54,000,000원", "업무추진비 (5명)", "54,000,000원"),
        ("여비 12개월 x 4,500,000원", "여비", "12개월 x 4,500,000원"),
        ("55,275,000원", "55,275,000원", None),
    ],
)
def test_formula_is_split_from_its_label(reference, line, label, formula):
    text = edit(reference, ("○ 여비 50,000,000원", f"○ {line}"))
    entry = imported(text).project.budget.items[2].basis[0]
    assert (entry.label, entry.formula, entry.amount) == (label, formula, 50000)


def test_more_schedule_rows(reference):
    text = edit(
        reference,
        (
            "서울시 균형발전위원회 운영\t2024.01~2024.12\t263,698\t지역균형발전 추진 관련 심의자문위원회 운영",
            "위원회 운영\t2024.01~2024.12\t13,698\t심의·자문\n"
            "계획 수립 용역\t2024.03~2024.10\t200,000\t\n"
            "성과 공유회\t\t50,000\t연말 개최",
        ),
    )
    s = imported(text).project.schedule
    assert s.total == 263698
    assert s.rows == [
        ScheduleRow(step="위원회 운영", period="2024.01~2024.12", amount=13698, detail="심의·자문"),
        ScheduleRow(step="계획 수립 용역", period="2024.03~2024.10", amount=200000),
        ScheduleRow(step="성과 공유회", amount=50000, detail="연말 개최"),
    ]


def test_negative_budget_change_and_carried_out(reference):
    text = edit(
        reference,
        (
            "2022\t(x-) 13,500\t(x-) 0\t(x-) 1,500\t(x-) 15,000\t(x-) 13,958",
            "2022\t(x-) 13,500\t(x-) 0\t(x-) △1,500\t(x-) 12,000\t(x-) 10,958",
        ),
    )
    text = edit(text, ("(x-) 287,958\t(x-) 0\t(x-) 5,118", "(x-) 282,958\t(x-) 5,000\t(x-) 5,118"))
    doc = imported(text)
    assert doc.project.settlement[0] == SettlementRow(
        year=2020,
        final_budget=13500,
        carried_in=279576,
        change=0,
        available=293076,
        spent=282958,
        carried_out=5000,
        balance=5118,
    )
    assert doc.project.settlement[2] == SettlementRow(
        year=2022,
        final_budget=13500,
        carried_in=0,
        change=-1500,
        available=12000,
        spent=10958,
        carried_out=0,
        balance=1042,
    )
    assert check(doc) == []


def test_rates_with_decimals_set_rate_decimals(reference):
    text = reference
    for old, new in [("(x-) 1,853", "(x-) 1,853.3"), ("(x-) △37", "(x-) △36.9"), ("(x-) 1,800", "(x-) 1,800.0")]:
        text = edit(text, (old, new))
    text = text.replace("(x-) 100\n", "(x-) 100.0\n")
    out, _ = import_text(text, FILE)
    doc = load_text(out, "doc.yaml")
    assert doc.project.conventions.rate_decimals == 1
    assert doc.project.budget.items[1].rate == Decimal("-36.9")
    assert "rate: -36.9\n" in out
    assert out.splitlines()[2:4] == ["conventions:", "  rate_decimals: 1"]
    assert check(doc) == []


def test_planted_wrong_schedule_total_is_kept_and_found(reference):
    doc = imported(edit(reference, ("계\t\t263,698\t", "계\t\t263,689\t")))
    assert doc.project.schedule.total == 263689
    [problem] = check(doc)
    assert (problem.rule, problem.expected, problem.actual) == ("schedule-total", 263698, 263689)
    assert problem.line == doc.source.where(("schedule", "total"))[0]


def test_planted_wrong_budget_total_is_kept_and_found(reference):
    doc = imported(edit(reference, ("계\t(x-) 13,500", "계\t(x-) 13,600")))
    assert doc.project.budget.total.previous == 13600
    found = [(p.rule, p.expected, p.actual, p.line) for p in check(doc) if p.rule == "budget-total"]
    assert found == [("budget-total", 13500, 13600, doc.source.where(("budget", "total", "previous"))[0])]


@pytest.mark.parametrize(
    "text",
    [
        "'23년",
        "a: b",
        "[x]",
        "{y}",
        "「z」",
        "- a",
        "#c",
        "a #b",
        "yes",
        "null",
        "~",
        "2024",
        "1:20",
        "010",
        "@x",
        "`x",
        "%x",
        "!x",
        "&x",
        "*x",
        "|x",
        ">x",
        "? x",
        '"q"',
        "a\"b'c",
        "a:",
        "a, b",
        "x\\y",
        "<<",
    ],
)
def test_any_text_loads_back_as_written(reference, text):
    src = edit(reference, ("지역균형발전 추진\n\n1", f"{text}\n\n1"))
    src = edit(src, ("김기봉 2133-8608", f"{text} 2133-8608"))
    src = edit(src, ("- 서울특별시 지역균형발전 지원 조례\n", f"- {text}\n"))
    out, _ = import_text(src, FILE)
    p = load_text(out, "doc.yaml").project
    assert (p.title, p.contacts.director.name, p.description.legal_basis) == (text, text, [text])
    assert "&" not in out.replace(text, "") and "\\u" not in out


# --------------------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "계\t(x-) 13,500",
            "계\t(x-) 13,5O0",
            "doc.txt:29:3: legacy-number: 예산 총괄 '계' 2023예산액 (A): '13,5O0'은(는) 금액이 아닙니다",
        ),
        (
            "사무관리비\t(x-) 10,500\t(x-) 6,623\t(x-) △3,877\t(x-) △37",
            "사무관리비\t(x-) 10,500\t(x-) 6,623\t(x-) △3,877\t(x-) △3l",
            "doc.txt:31:42: legacy-number: 예산 총괄 '사무관리비' (B-A)*100/A: '△3l'은(는) 증감률이 아닙니다",
        ),
        (
            "[사비]263,698천원",
            "[시비]263,6g8천원",
            "doc.txt:12:31: legacy-number: 사업비 [시비]: '263,6g8'은(는) 금액이 아닙니다",
        ),
        (
            "=\t5,100천원",
            "=\t5,1OO천원",
            "doc.txt:41:30: legacy-number: 산출근거 '회의 참석수당' 금액: '5,1OO'은(는) 금액이 아닙니다",
        ),
        (
            "150,000원*17명*2회",
            "150,O00원*17명*2회",
            "doc.txt:41:12: legacy-formula: 산출근거: 산식 '150,O00원*17명*2회' 오류: "
            "수를 읽을 수 없습니다: '150,O00원'",
        ),
        (
            "2021\t(x-) 13,500\t(x-) 0\t(x-) 0\t(x-) 13,500\t(x-) 3,772",
            "2021\t(x-) 13,500\t(x-) 0\t(x-) 0\t(x-) 13,500\t(x-) 3,77Z",
            "doc.txt:100:44: legacy-number: 결산 현황 2021 집행액: '3,77Z'은(는) 금액이 아닙니다",
        ),
        (
            "계\t\t263,698\t",
            "계\t\t263.698\t",
            "doc.txt:79:4: legacy-number: 추진일정 계: '263.698'은(는) 금액이 아닙니다",
        ),
    ],
)
def test_a_number_with_a_letter_is_an_error_on_its_line(reference, old, new, message):
    assert failure(edit(reference, (old, new))) == [message]


def test_every_problem_is_reported_at_once(reference):
    text = edit(reference, ("계\t(x-) 13,500", "계\t(x-) 13,5O0"))
    text = edit(text, ("\t(x-) 3,772\t", "\t(x-) 3,7T2\t"))
    assert failure(text) == [
        "doc.txt:29:3: legacy-number: 예산 총괄 '계' 2023예산액 (A): '13,5O0'은(는) 금액이 아닙니다",
        "doc.txt:100:44: legacy-number: 결산 현황 2021 집행액: '3,7T2'은(는) 금액이 아닙니다",
    ]


def test_missing_budget_part(reference):
    lines = reference.split("\n")
    text = "\n".join(lines[:21] + lines[47:])  # drops "2 예산 설명" … 산출근거
    assert lines[21] == "2 예산 설명" and lines[47] == "3 사업설명"
    assert failure(text) == [
        "doc.txt:22:1: legacy-missing: '□ 예산 총괄' 부분이 없습니다",
        "doc.txt:22:1: legacy-missing: '산출근거' 부분이 없습니다",
    ]


def test_missing_budget_table_only(reference):
    lines = reference.split("\n")
    text = "\n".join(lines[:23] + lines[35:])  # drops "□ 예산 총괄" and its table
    assert failure(text) == ["doc.txt:24:1: legacy-missing: '□ 예산 총괄' 부분이 없습니다"]


def test_missing_contacts(reference):
    lines = reference.split("\n")
    text = "\n".join(lines[:14] + lines[20:])
    assert failure(text) == ["doc.txt:16:1: legacy-missing: '□ 사업 담당자' 부분이 없습니다"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "(x-) △3,877\t(x-) △37",
            "(x-) △3,877",
            "doc.txt:31:1: legacy-cells: 예산 총괄 줄의 칸이 4개뿐입니다 (5칸이어야 합니다)",
        ),
        (
            "\t(x-) 0\t(x-) 1,042",
            "\t(x-) 1,042",
            "doc.txt:101:1: legacy-cells: 결산 현황 줄의 칸이 7개뿐입니다 (8칸이어야 합니다)",
        ),
        (
            "김나연 2133-8624\t김승연 2133-8625",
            "김나연 2133-8624",
            "doc.txt:18:1: legacy-cells: 사업 담당자 줄의 칸이 4개뿐입니다 (5칸이어야 합니다)",
        ),
        (
            "\t2024.01~2024.12\t263,698\t",
            " 2024.01~2024.12\t263,698\t",
            "doc.txt:80:1: legacy-cells: 추진일정 줄의 칸이 3개뿐입니다 (4칸이어야 합니다)",
        ),
    ],
)
def test_a_row_with_too_few_cells_is_an_error(reference, old, new, message):
    assert failure(edit(reference, (old, new))) == [message]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "2023예산액 (A)",
            "2022예산액 (A)",
            "doc.txt:28:5: legacy-year: 예산 총괄: (A) 연도 2022이(가) (B) 연도 2024의 전년도(2023)가 아닙니다",
        ),
        (
            "과목구분\t2024년",
            "과목구분\t2023년",
            "doc.txt:38:6: legacy-year: 산출근거: 연도 2023이(가) 예산 총괄의 (B) 연도 2024와 다릅니다",
        ),
        (
            "□ 2024년도 추진일정",
            "□ 2025년도 추진일정",
            "doc.txt:74:1: legacy-year: 추진일정: 연도 2025이(가) 예산 총괄의 (B) 연도 2024와 다릅니다",
        ),
        ("2022년도\t", "2022년\t", None),
        (
            "2022년도\t",
            "이천이십이년\t",
            "doc.txt:87:1: legacy-year: 추진실적: '이천이십이년'에서 연도를 읽을 수 없습니다",
        ),
    ],
)
def test_years_that_do_not_fit(reference, old, new, message):
    text = edit(reference, (old, new))
    if message is None:
        assert 2022 in imported(text).project.effects.achievements
    else:
        assert failure(text) == [message]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '<input checked="" type="checkbox"/> 연례반복',
            '<input type="checkbox"/> 연례반복 <input type="checkbox"/> 계속',
            "doc.txt:10:6: legacy-choice: 사업기간: 표시된(checked) 선택지가 없습니다",
        ),
        (
            "[국비]\t",
            "[도비]\t",
            "doc.txt:12:22: legacy-funding: 사업비: 알 수 없는 재원 '[도비]' (국비, 시비, 구비, 기타 중 하나)",
        ),
        ("\t[기타]", "\t[시비]", "doc.txt:13:18: legacy-duplicate: 사업비: 재원 '[시비]'이(가) 두 번 나옵니다"),
        (
            "국외업무여비\t○ 여비",
            "국외업무여비\t- 여비",
            "doc.txt:43:8: legacy-syntax: 산출근거: '-' 줄 위에 '○' 줄이 없습니다",
        ),
        (
            "국외업무여비\t○ 여비",
            "국외업무비\t○ 여비",
            "doc.txt:43:1: legacy-basis: 산출근거: 과목 '국외업무비'이(가) 예산 총괄에 없습니다",
        ),
        (
            "\t○ 업무추진비",
            "\t업무추진비",
            "doc.txt:45:2: legacy-syntax: 산출근거: 줄은 '○' 또는 '-'로 시작해야 합니다: '업무추진비 54,000,000원'",
        ),
        (
            "- 서울특별시 지역균형발전 지원 조례",
            "서울특별시 지역균형발전 지원 조례",
            "doc.txt:56:1: legacy-syntax: 사업근거: 줄은 '- '로 시작해야 합니다: '서울특별시 지역균형발전 지원 조례'",
        ),
        (
            "(단위 : 천원)\n\n연도",
            "(단위 : 원)\n\n연도",
            "doc.txt:96:1: legacy-unit: 5 최근 3년 결산 현황: 단위가 천원이 아닙니다: '원'",
        ),
        ("김기봉 2133-8608\t", "\t", "doc.txt:18:16: legacy-missing: 사업 담당자 '과장': 값이 비어 있습니다"),
        (
            "김기봉 2133-8608\t",
            " 2133-8608\t",
            "doc.txt:18:17: legacy-missing: 사업 담당자 '과장': 이름 없이 전화번호만 있습니다",
        ),
    ],
)
def test_malformed_parts(reference, old, new, message):
    assert failure(edit(reference, (old, new))) == [message]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "(x-) △3,877\t(x-) △37",
            "(x-) △3,877\t(x-) △37\t\t비고",
            "doc.txt:31:52: legacy-cells: 예산 총괄 줄에 5칸 밖의 값이 있습니다: '비고'",
        ),
        (
            "김승연 2133-8625",
            "김승연 2133-8625\t김민수 2133-8626",
            "doc.txt:18:58: legacy-cells: 사업 담당자 줄에 5칸 밖의 값이 있습니다: '김민수 2133-8626'",
        ),
        (
            "263,698천원\t[국비]",
            "263,698천원\t263,698\t[국비]",
            "doc.txt:12:22: legacy-cells: 사업비 (당해년도): 금액 칸이 2개입니다",
        ),
        (
            "여비 50,000,000원\t=\t50,000천원",
            "여비 50,000,000원\t\t50,000천원",
            "doc.txt:43:26: legacy-syntax: 산출근거: 금액은 '= 금액천원' 꼴이어야 합니다: '50,000천원'",
        ),
        (
            "여비 50,000,000원\t=\t50,000천원",
            "여비 50,000,000원\t=\t",
            "doc.txt:43:26: legacy-missing: 산출근거 '여비' 금액: 값이 비어 있습니다",
        ),
    ],
)
def test_cells_that_do_not_fit(reference, old, new, message):
    assert failure(edit(reference, (old, new))) == [message]


def test_basis_amount_may_stand_in_the_text_cell(reference):
    text = edit(reference, ("여비 50,000,000원\t=\t50,000천원", "여비 50,000,000원 = 50,000천원"))
    assert imported(text).project.budget.items[2].basis == [
        BasisLine(label="여비", formula="50,000,000원", amount=50000)
    ]


def test_an_unknown_heading_is_refused_and_its_section_is_missing(reference):
    assert failure(edit(reference, ("□ 향후 기대효과", "□ 향후 계획"))) == [
        "doc.txt:90:1: legacy-syntax: 알 수 없는 항목입니다: '□ 향후 계획'",
        "doc.txt:94:1: legacy-missing: '□ 향후 기대효과' 부분이 없습니다 (해당 없으면 제목 아래에 '해당 없음'이라고 적으세요)",
    ]


def test_an_empty_document(reference):
    assert failure("\n\n") == [
        "doc.txt:3:1: legacy-missing: 빈 문서입니다",
    ]


def test_a_document_without_a_title(reference):
    lines = reference.split("\n")
    assert failure("\n".join(lines[3:]))[0] == (
        "doc.txt:2:1: legacy-missing: 제목 줄이 없습니다 (첫 줄은 사업명이어야 합니다)"
    )


def test_a_duplicated_section(reference):
    text = edit(reference, ("□ 향후 기대효과", "□ 최근 3년 추진실적"))
    assert failure(text) == [
        "doc.txt:90:1: legacy-duplicate: '□ 최근 3년 추진실적' 부분이 두 번 나옵니다 (처음은 84행)",
        "doc.txt:94:1: legacy-missing: '□ 향후 기대효과' 부분이 없습니다 (해당 없으면 제목 아래에 '해당 없음'이라고 적으세요)",
    ]
