"""The typed records of one budget project explanation (사업설명서).

Every amount is an ``int`` in 천원; rates are ``Decimal``. Nothing here reads files:
``load.py`` turns YAML into these records, keeping the source position of every value
in a separate :class:`SourceMap`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from budgetdoc.model.types import Amount, OptText, Rate, Text, Year, parse_year_field


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class Conventions(_Record):
    """Document-level choices that change how the arithmetic is checked."""

    rate_decimals: Annotated[int, BeforeValidator(parse_year_field), Field(ge=0, le=4)] = Field(
        0, description="증감률 소수 자릿수 (기본 0)"
    )
    formula_rounding: Literal["exact", "floor", "ceil", "half-up"] = Field(
        "exact", description="산출근거 원→천원 환산 방식"
    )
    settlement_balance: Literal["available-spent-carried", "available-spent"] = Field(
        "available-spent-carried",
        description="집행잔액 = 예산현액 − 집행액 − 차년이월 (기본) 또는 예산현액 − 집행액",
    )


class Period(_Record):
    """사업기간: the checked kind, with start and end years where the kind has them."""

    kind: Text = Field(description="연례반복, 계속, 한시 …")
    start: Year | None = None
    end: Year | None = None


class Funding(_Record):
    """사업비 funding split in 천원; an empty cell is ``null``."""

    national: Amount | None = Field(None, description="국비")
    city: Amount | None = Field(None, description="시비")
    district: Amount | None = Field(None, description="구비 (예산 외)")
    other: Amount | None = Field(None, description="기타 (예산 외)")


class Overview(_Record):
    """기본 현황: 회계, 사업기간, 총사업비 등."""

    account: Text = Field(description="회계: 일반회계, 특별회계명 또는 기금명")
    period: Period
    summary: list[Text] = Field(default_factory=list, description="사업내용 ○ 항목")
    total: Amount | None = Field(None, description="사업비 (당해년도), 생략하면 계산")
    funding: Funding = Funding()


class Person(_Record):
    """담당자: 이름과 전화번호."""

    name: Text
    phone: OptText = ""


class Contacts(_Record):
    """실·국, 부서와 담당자."""

    office: Text = Field(description="실·국")
    department: Text = Field(description="부서명")
    director: Person = Field(description="과장")
    team_leader: Person = Field(description="팀장")
    officer: Person = Field(description="주무관")


class BasisPart(_Record):
    """A ``-`` line of 산출근거: part of the ○ line above it."""

    label: Text
    formula: Text | None = Field(None, description="원 단위 산식, 예: 150,000원*17명*2회")
    amount: Amount | None = Field(None, description="천원, 생략하면 산식으로 계산")


class BasisLine(_Record):
    """A ``○`` line of 산출근거."""

    label: Text
    formula: Text | None = None
    amount: Amount | None = None
    parts: list[BasisPart] = Field(default_factory=list)


class BudgetItem(_Record):
    """One 과목 (expense category) of 예산 총괄, with its 산출근거."""

    name: Text
    previous: Amount = Field(description="전년도 예산액 (A)")
    current: Amount = Field(description="당해연도 예산액 (B)")
    change: Amount | None = Field(None, description="증감 (B-A), 생략하면 계산")
    rate: Rate | None = Field(None, description="(B-A)*100/A, 생략하면 계산")
    basis: list[BasisLine] = Field(default_factory=list, description="산출근거")


class BudgetTotal(_Record):
    """The stated 계 row of 예산 총괄; any value left out is computed."""

    previous: Amount | None = None
    current: Amount | None = None
    change: Amount | None = None
    rate: Rate | None = None


class Budget(_Record):
    """예산 설명: 총괄과 과목별 예산, 그 산출근거."""

    total: BudgetTotal | None = None
    items: list[BudgetItem] = Field(min_length=1)


class Description(_Record):
    """사업설명: 사업목적, 사업내용, 근거 법령."""

    purpose: list[Text] = Field(description="사업목적 (해당 없으면 [])")
    legal_basis: list[Text] = Field(description="사업근거 (해당 없으면 [])")
    content: list[Text] = Field(description="사업내용 (해당 없으면 [])")
    history: list[Text] = Field(description="추진경위 (해당 없으면 [])")


class ScheduleRow(_Record):
    """추진일정의 한 단계: 기간과 금액."""

    step: Text = Field(description="사업추진절차")
    period: OptText = Field("", description="추진기간")
    amount: Amount = Field(description="예산집행금액 (천원)")
    detail: OptText = Field("", description="추진세부내용")


class Schedule(_Record):
    """추진일정: 단계들과 그 계."""

    total: Amount | None = Field(None, description="계, 생략하면 계산")
    rows: list[ScheduleRow] = Field(description="추진일정 행 (해당 없으면 [])")


class Effects(_Record):
    """사업효과: 기대효과와 최근 3년 추진실적."""

    achievements: dict[Year, list[Text]] = Field(description="최근 3년 추진실적 (해당 없으면 {})")
    expected: list[Text] = Field(description="향후 기대효과 (해당 없으면 [])")


class SettlementRow(_Record):
    """최근 3년 결산 현황의 한 해."""

    year: Year
    final_budget: Amount = Field(description="최종예산")
    carried_in: Amount = Field(description="전년이월")
    change: Amount = Field(description="예산변경")
    available: Amount | None = Field(None, description="예산현액, 생략하면 계산")
    spent: Amount = Field(description="집행액")
    carried_out: Amount = Field(description="차년이월")
    balance: Amount | None = Field(None, description="집행잔액, 생략하면 계산")


class Draft(_Record):
    """Marks a next-year draft made by ``rollover``: ``check`` warns until a person removes it."""

    source: OptText = Field("", description="초안을 만든 원본 문서")
    todo: list[Text] = Field(default_factory=list, description="사람이 확인하거나 써야 할 것")


class Project(_Record):
    """One budget project explanation: the whole form."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        title="사업설명서",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    fiscal_year: Year
    title: Text
    id: Text | None = Field(
        None, description="사업의 고정 식별자: 파일 이름이나 위치가 바뀌어도 같은 사업으로 봅니다 (diff)"
    )
    draft: Draft | None = Field(None, description="rollover가 만든 다음 연도 초안: 확인을 마치면 이 항목을 지웁니다")
    conventions: Conventions = Conventions()
    overview: Overview
    contacts: Contacts
    budget: Budget
    description: Description
    schedule: Schedule
    effects: Effects
    settlement: list[SettlementRow] = Field(description="최근 3년 결산 현황 (해당 없으면 [])")


Path = tuple[str | int, ...]


def path_str(path: Path) -> str:
    """``("budget", "items", 1, "amount")`` → ``budget.items[1].amount``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True)
class SourceMap:
    """Where each value of a YAML file stands: path → (line, column), 1-based."""

    file: str
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    sheet: str = ""  # for a workbook: the sheet, and (line, column) are the row and column of a cell

    def where(self, path: Path) -> tuple[int, int]:
        """Position of the value at ``path``, or of its nearest ancestor present in the file."""
        p = tuple(path)
        while p:
            if p in self.values:
                return self.values[p]
            p = p[:-1]
        return self.values.get((), (1, 1))

    def has(self, path: Path) -> bool:
        """True when the YAML stated a value at ``path``."""
        return tuple(path) in self.values


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document, compiler style."""

    file: str
    line: int
    column: int
    rule: str
    message: str
    field: str = ""
    severity: Literal["error", "warning"] = "error"
    expected: int | str | None = None
    actual: int | str | None = None
    sheet: str = ""  # a problem in a workbook: the sheet; line and column are the cell's row and column

    @property
    def cell(self) -> str:
        """The cell of a workbook problem (``C7``), or ``""``."""
        return cell_name(self.line, self.column) if self.sheet else ""

    @property
    def where(self) -> str:
        """``file:line:column``, or ``FILE.xlsx!시트!C7`` for a workbook."""
        if self.sheet:
            return f"{self.file}!{self.sheet}!{self.cell}"
        return f"{self.file}:{self.line}:{self.column}"

    def __str__(self) -> str:
        sev = "" if self.severity == "error" else "경고: "
        message = self.message.replace("\r", "\\r").replace("\n", "\\n")
        return f"{self.where}: {self.rule}: {sev}{message}"


def cell_name(row: int, column: int) -> str:
    """Row 7, column 3 → ``C7``."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


@dataclass(frozen=True)
class Document:
    """A loaded project with the positions of its values.

    ``notes`` are warnings the reading itself gave (a workbook's numbers typed as text),
    reported with the checks' problems.
    """

    project: Project
    source: SourceMap
    notes: tuple[Problem, ...] = ()
