"""``diff`` for the council's reviewers: renames without ids, what changed besides the money, versions named
for people, bad versions explained, and the 신구대비표 (.xlsx) whose totals are the report's."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import random
import re
import shutil
import stat
import subprocess
from pathlib import Path

import docgen
import openpyxl
import pytest
from click.testing import CliRunner
from conftest import soffice
from docgen import Spec
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from budgetdoc.cycle import review, table
from budgetdoc.cycle.diff import Diff, compare
from budgetdoc.cycle.report import render
from budgetdoc.cycle.versions import Doc, Side
from budgetdoc.model.document import Project
from generate import cli

WELFARE = ("복지정책실", "복지정책과")
ELDERLY = ("복지정책실", "노인복지과")
TRAFFIC = ("도시교통실", "교통정책과")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def message(err: str) -> str:
    """The one line of an error, without the ``Error:`` (or ``오류:``) the command line puts before it."""
    assert err.endswith("\n") and err.count("\n") == 1, err
    return re.sub(r"^(Error|오류): ", "", err[:-1])


def git(repo: Path, *args: str, date: str = "2026-11-30T10:00:00+09:00") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True).stdout


def spec(title: str, where: tuple[str, str], items: tuple[tuple[str, int, int], ...], **kw: object) -> Spec:
    return Spec(title, where[0], where[1], items, **kw)  # type: ignore[arg-type]


def write(folder: Path, files: dict[str, Spec]) -> Path:
    for rel, s in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(docgen.text(s), encoding="utf-8")
    return folder


CARE = spec("돌봄 확대", WELFARE, (("사무관리비", 40_000, 80_000), ("시설비", 100_000, 120_000)))
BUS = spec("버스 준공영제", TRAFFIC, (("민간경상사업보조", 450_000, 500_000),), account="교통사업특별회계")


# --------------------------------------------------------------------------- renames without an id


def test_a_project_renamed_without_an_id_is_one_renamed_line(tmp_path: Path) -> None:
    base = write(tmp_path / "base", {"2025/care.yaml": CARE, "2025/bus.yaml": BUS})
    head = write(
        tmp_path / "head",
        {"2025/child-care.yaml": dataclasses.replace(CARE, title="아동 돌봄 확대"), "2025/bus.yaml": BUS},
    )
    code, out, err = run("diff", str(base), str(head))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[1] == (
        "사업 2개 → 2개: 신규 0, 폐지 0, 이름 바뀜 1, 금액 변경 0, 금액 밖의 변경 1, 파일 옮김 0, 기준을 넘은 것 0"
    )
    at = lines.index("이름이 바뀐 사업 1개")
    assert lines[at + 1 : at + 3] == [
        "2025/care.yaml → 2025/child-care.yaml: 이름 바뀜 「돌봄 확대」 → 「아동 돌봄 확대」 (복지정책실 복지정책과)",
        "id가 없어 실·국과 과목·예산액 (B)(과목마다 1% 이내)로 짝지었습니다. YAML에 id를 적어 두면"
        "(예: id: 복지-001) 이름을 바꾸거나 파일을 옮겨도 정확히 같은 사업으로 따라갑니다.",
    ]
    assert [line for line in lines if "이름 바뀜 「" in line] == [lines[at + 1]]
    assert "신규 사업 0개" in lines and "폐지 사업 0개" in lines
    # Its texts follow from its title here; the title itself is said once, in the rename.
    assert "2025/child-care.yaml: 아동 돌봄 확대: 사업개요·사업내용·기대효과 바뀜" in lines
    code, out, _ = run("diff", str(base), str(head), "--format", "json")
    data = json.loads(out)
    assert data["renamed"] == [
        {
            "base_title": "돌봄 확대",
            "title": "아동 돌봄 확대",
            "base_path": "2025/care.yaml",
            "path": "2025/child-care.yaml",
            "office": "복지정책실",
            "department": "복지정책과",
        }
    ]
    assert (data["added"], data["removed"], data["moved"]) == ([], [], [])


@pytest.mark.parametrize(
    ("amount", "renamed"),
    [(10_100, True), (9_900, True), (10_101, False), (9_899, False)],
)
def test_a_rename_is_found_within_one_percent_of_every_item(tmp_path: Path, amount: int, renamed: bool) -> None:
    old = spec("경로당 지원", WELFARE, (("사무관리비", 5_000, 10_000), ("시설비", 0, 200_000)))
    new = dataclasses.replace(old, title="경로당 운영 지원").with_item("사무관리비", amount)
    result = compare(side("b", [("a", old)]), side("h", [("b", new)]))
    assert [(r.base_title, r.title) for r in result.renamed] == (
        [("경로당 지원", "경로당 운영 지원")] if renamed else []
    )
    assert (len(result.added), len(result.removed)) == ((0, 0) if renamed else (1, 1))
    if renamed:  # paired, its money change is reported as any other
        assert [(c.path, c.change) for c in result.changed] == [("b.yaml", amount - 10_000)]


def test_a_rename_needs_the_same_items_in_the_same_office_and_one_candidate() -> None:
    old = spec("경로당 지원", WELFARE, (("사무관리비", 5_000, 10_000),))
    renamed = dataclasses.replace(old, title="새 이름")
    other_item = spec("새 이름", WELFARE, (("공공운영비", 5_000, 10_000),))
    other_office = dataclasses.replace(renamed, office="도시교통실", department="교통정책과")
    for new in (other_item, other_office):
        assert compare(side("b", [("a", old)]), side("h", [("b", new)])).renamed == []
    # Two added projects that both fit: which one is the old project cannot be told.
    twin = dataclasses.replace(renamed, title="또 다른 이름")
    result = compare(side("b", [("a", old)]), side("h", [("b", renamed), ("c", twin)]))
    assert (result.renamed, len(result.added), len(result.removed)) == ([], 2, 1)
    # An id on both sides that differs: two projects, however alike.
    result = compare(
        side("b", [("a", dataclasses.replace(old, id="x-1"))]),
        side("h", [("b", dataclasses.replace(renamed, id="x-2"))]),
    )
    assert result.renamed == []


def side(label: str, docs: list[tuple[str, Spec]]) -> Side:
    return Side(label, [Doc(k, f"{k}.yaml", Project.model_validate(docgen.document(s))) for k, s in docs])


# --------------------------------------------------------------------------- what changed besides the money


def test_a_title_a_department_or_a_text_change_is_listed(tmp_path: Path) -> None:
    small = spec("경로당 지원", WELFARE, (("사무관리비", 10_000, 10_000),))
    base = write(tmp_path / "base", {"a.yaml": small, "b.yaml": CARE, "c.yaml": BUS, "d.yaml": small})
    head = write(
        tmp_path / "head",
        {
            "b.yaml": dataclasses.replace(CARE, office=ELDERLY[0], department=ELDERLY[1]).with_item("시설비", 130_000),
            "c.yaml": dataclasses.replace(BUS, purpose="시민의 발"),
        },
    )
    # Only the title changes (docgen writes texts made from the title: the YAML is edited instead).
    text = docgen.text(small)
    (head / "a.yaml").write_text(text.replace("title: 경로당 지원\n", "title: 경로당 운영 지원\n"), encoding="utf-8")
    long_title = "어르신 여가 복지 증진을 위한 경로당 운영 지원과 프로그램 다양화 및 시설 개선"
    (head / "d.yaml").write_text(text.replace("title: 경로당 지원\n", f"title: {long_title}\n"), encoding="utf-8")
    code, out, _ = run("diff", str(base), str(head))
    assert code == 0
    lines = out.splitlines()
    at = lines.index("금액 밖의 변경 4개 (사업명·부서·회계·글 등; 금액이 바뀐 사업은 산출근거·추진일정의 글만 봅니다)")
    assert lines[at + 1 : at + 6] == [
        "a.yaml: 경로당 운영 지원: 사업명 「경로당 지원」 → 「경로당 운영 지원」",
        "b.yaml: 돌봄 확대: 부서 복지정책실 복지정책과 → 복지정책실 노인복지과, 사업개요 바뀜",
        "c.yaml: 버스 준공영제: 사업목적 바뀜",
        "d.yaml: 어르신 여가 복지 증진을 위한 경로당 운영 지원과 프…: "
        "사업명 「경로당 지원」 → 「어르신 여가 복지 증진을 위한 경로당 운영 지원과 프…」",
        "",
    ]
    assert "금액 밖의 변경만" not in out and "목록은 싣지 않습니다" not in out
    data = json.loads(run("diff", str(base), str(head), "--format", "json")[1])
    assert [(e["path"], e["money"]) for e in data["edits"]] == [
        ("a.yaml", False),
        ("b.yaml", True),
        ("c.yaml", False),
        ("d.yaml", False),
    ]
    assert data["text_only"] == 3


def test_the_edits_list_is_cut_short_in_markdown_like_the_rest() -> None:
    base, head = [], []
    for i in range(1_500):
        s = spec(f"사업 {i:04d} 어르신 여가 복지 증진을 위한", WELFARE, (("사무관리비", 1_000, 1_000 + i),))
        base.append((f"p{i:04d}", s))
        head.append((f"p{i:04d}", dataclasses.replace(s, purpose="새 목적")))
    text = render(compare(side("b", base), side("h", head)), "markdown", "comment")
    assert "### 금액 밖의 변경 (1,500개: " in text
    kept = [line for line in text.splitlines() if line.startswith("- p") and line.endswith(": 사업목적 바뀜")]
    assert kept[0] == "- p0000.yaml: 사업 0000 어르신 여가 복지 증진을 위한: 사업목적 바뀜"
    assert 100 < len(kept) < 1_500
    assert f"> … 길이 제한(PR 댓글)으로 사업 {1_500 - len(kept):,}개를 줄였습니다. " in text
    assert len(text) <= 60_000


# --------------------------------------------------------------------------- versions named for people


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    git(root, "init", "-q", "-b", "main")
    write(root / "data", {"2025/care.yaml": CARE, "2025/bus.yaml": BUS})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "2025 본예산 반영", date="2026-11-30T18:00:00+09:00")
    write(root / "data", {"2025/care.yaml": CARE.with_item("시설비", 150_000)})
    git(root, "add", "-A")
    subject = "2025 제1회 추가경정예산안: 돌봄 시설비 증액과 버스 준공영제 재원 조정"
    git(root, "commit", "-q", "-m", subject, date="2026-12-05T09:30:00+09:00")
    return root


def short_hash(repo: Path, revision: str) -> str:
    return git(repo, "rev-parse", "--short", revision).strip()


def test_versions_are_named_by_hash_subject_and_date(repo: Path) -> None:
    old, new = short_hash(repo, "HEAD~1"), short_hash(repo, "HEAD")
    code, out, err = run("diff", "HEAD~1", "HEAD", "--repo", str(repo))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == (
        f"예산 변경: HEAD~1 ({old} 「2025 본예산 반영」, 2026-11-30) → "
        f"HEAD ({new} 「2025 제1회 추가경정예산안: 돌봄 시설비 증액과 버스 준공영제 재원…」, 2026-12-05)"
    )
    # BASE and HEAD are words for tools: the people's report says 변경 전 and 변경 후.
    assert "실·국       사업 수  변경 전  변경 후    증감  증감률" in lines
    assert lines[2] == "변경 후 문서 2개가 모두 검증을 통과합니다."
    assert [line for line in lines if "BASE" in line or "HEAD" in line] == lines[:1]
    markdown = run("diff", "HEAD~1", "HEAD", "--repo", str(repo), "--format", "markdown")[1].splitlines()
    assert [line for line in markdown if "BASE" in line or "HEAD" in line] == markdown[:1]
    assert "### 변경 후 문서 검증" in markdown
    data = json.loads(run("diff", "HEAD~1", "HEAD", "--repo", str(repo), "--format", "json")[1])
    assert data["base"] == f"HEAD~1 ({old} 「2025 본예산 반영」, 2026-11-30)"
    assert data["versions"]["base"] == {
        "revision": "HEAD~1",
        "folder": "data",
        "commit": git(repo, "rev-parse", "HEAD~1").strip(),
        "subject": "2025 본예산 반영",
        "date": "2026-11-30",
    }
    # A folder of a revision, and the --data folder, are named as given.
    data = json.loads(run("diff", "HEAD~1:data/2025", "HEAD", "--repo", str(repo), "--format", "json")[1])
    assert data["base"] == f"HEAD~1:data/2025 ({old} 「2025 본예산 반영」, 2026-11-30)"
    data = json.loads(run("diff", "HEAD~1", "HEAD", "--repo", str(repo), "--data", "data/2025", "--format", "json")[1])
    assert data["base"] == f"HEAD~1:data/2025 ({old} 「2025 본예산 반영」, 2026-11-30)"
    folder = json.loads(run("diff", str(repo / "data"), "HEAD", "--repo", str(repo), "--format", "json")[1])
    assert (folder["base"], folder["versions"]["base"]) == (str(repo / "data"), {"folder": str(repo / "data")})


# --------------------------------------------------------------------------- versions that cannot be read


def test_an_unknown_revision_says_what_was_tried_and_what_exists(repo: Path) -> None:
    git(repo, "tag", "v2025")
    try:
        code, out, err = run("diff", "no-such-branch", "HEAD", "--repo", str(repo))
        assert (code, out) == (2, "")
        assert message(err) == (
            f"'no-such-branch': 그런 폴더가 없고, 저장소 {repo}에 git 리비전 'no-such-branch'도 없습니다 "
            "(있는 브랜치·태그: main, v2025)"
        )
        code, _, err = run("diff", "HEAD", "nope:data/2025", "--repo", str(repo))
        assert code == 2
        assert message(err) == (
            f"'nope:data/2025': 그런 폴더가 없고, 저장소 {repo}에 git 리비전 'nope'도 없습니다 (있는 브랜치·태그: main, v2025)"
        )
    finally:
        git(repo, "tag", "-d", "v2025")


def test_a_file_is_not_a_folder(repo: Path) -> None:
    file = repo / "data" / "2025" / "care.yaml"
    code, _, err = run("diff", str(file), "HEAD", "--repo", str(repo))
    assert code == 2
    assert message(err).startswith(f"'{file}': 폴더가 아닌 파일이고, 저장소 {repo}에 git 리비전 '{file}'도 없습니다 (")


def test_without_a_repository_the_argument_and_the_reason_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # git looks for no repository above tmp_path
    plain = tmp_path / "plain"
    plain.mkdir()
    code, _, err = run("diff", "base", "head", "--repo", str(plain))
    assert code == 2
    assert message(err) == f"'base': 그런 폴더가 없고, {plain}에 git 저장소가 없어 git 리비전으로도 읽을 수 없습니다"
    code, _, err = run("diff", "main", "HEAD", "--repo", str(tmp_path / "nowhere"))
    assert code == 2
    assert (
        message(err)
        == f"'main': 그런 폴더가 없고, git 리비전으로 읽을 저장소(--repo) {tmp_path / 'nowhere'}이(가) 없습니다"
    )
    git(plain, "init", "-q", "-b", "main")
    code, _, err = run("diff", "main", "HEAD", "--repo", str(plain))
    assert code == 2
    assert (
        message(err) == f"'main': 그런 폴더가 없고, 저장소 {plain}에 아직 커밋이 없어 git 리비전으로도 읽을 수 없습니다"
    )


def test_without_git_folders_still_compare_and_a_revision_says_git_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = write(tmp_path / "base", {"a.yaml": CARE})
    head = write(tmp_path / "head", {"a.yaml": CARE.with_item("시설비", 121_000)})
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("git") is None
    code, out, _ = run("diff", str(base), str(head))
    assert code == 0 and "금액 변경 1," in out
    code, _, err = run("diff", "base", str(head))
    assert code == 2
    assert message(err) == "'base': 그런 폴더가 없고, git이 설치되어 있지 않아 git 리비전으로도 읽을 수 없습니다"


# --------------------------------------------------------------------------- the 신구대비표


def test_the_output_file_must_fit_the_format(tmp_path: Path) -> None:
    base = write(tmp_path / "base", {"a.yaml": CARE})
    for args, said in [
        (
            ["--format", "xlsx"],
            "신구대비표(--format xlsx)는 파일로만 씁니다: -o 신구대비표.xlsx처럼 파일 이름을 주세요",
        ),
        (
            ["--format", "xlsx", "-o", str(tmp_path / "표.csv")],
            f"-o {tmp_path / '표.csv'}: 신구대비표(--format xlsx)는 이름이 .xlsx로 끝나는 파일에만 씁니다",
        ),
        (
            ["--format", "json", "-o", str(tmp_path / "표.xlsx")],
            f"-o {tmp_path / '표.xlsx'}: .xlsx 파일에는 신구대비표만 씁니다 (--format xlsx); json 보고는 다른 이름으로 주세요",
        ),
    ]:
        code, out, err = run("diff", str(base), str(base), *args)
        assert (code, out, message(err)) == (2, "", said)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base"]
    # Refused before anything is read: a version that does not exist is not what it says.
    code, _, err = run("diff", "nowhere", "nowhere", "--format", "xlsx")
    assert (code, message(err)) == (
        2,
        "신구대비표(--format xlsx)는 파일로만 씁니다: -o 신구대비표.xlsx처럼 파일 이름을 주세요",
    )


def test_a_text_report_can_go_to_a_file(tmp_path: Path) -> None:
    base = write(tmp_path / "base", {"a.yaml": CARE})
    code, out, err = run("diff", str(base), str(base), "--format", "markdown", "-o", str(tmp_path / "보고.md"))
    assert (code, out, err) == (0, "", f"보고를 {tmp_path / '보고.md'}에 썼습니다.\n")
    assert (tmp_path / "보고.md").read_text(encoding="utf-8").startswith("## 예산 변경: ")


def _reviewed(tmp_path: Path) -> tuple[Path, Path]:
    """Two folders with every kind of row: changed, new, removed, renamed, moved to another 부서 and 회계."""
    small = spec("경로당 지원", WELFARE, (("사무관리비", 10_000, 10_000),))
    gone = spec("폐기물 감량", ("기후환경본부", "기후환경정책과"), (("연구용역비", 0, 120_000),))
    base = write(
        tmp_path / "base",
        {"care.yaml": CARE, "bus.yaml": BUS, "small.yaml": small, "gone.yaml": gone},
    )
    head = write(
        tmp_path / "head",
        {
            "care.yaml": CARE.with_item("사무관리비", 70_000).with_item("국내여비", 5_000),
            "bus.yaml": dataclasses.replace(BUS, office=ELDERLY[0], department=ELDERLY[1], account="일반회계"),
            "small-renamed.yaml": dataclasses.replace(small, title="경로당 운영 지원"),
            "new.yaml": spec("청년 돌봄", WELFARE, (("민간경상사업보조", 0, 150_000),)),
        },
    )
    return base, head


def test_the_table_lists_every_project_and_item_with_the_report_totals(tmp_path: Path) -> None:
    base, head = _reviewed(tmp_path)
    out = tmp_path / "신구대비표.xlsx"
    code, stdout, err = run("diff", str(base), str(head), "-o", str(out))
    assert (code, stdout) == (0, "")
    assert err == f"신구대비표를 {out}에 썼습니다: 사업 5개, 과목 행 8개.\n"
    ws = openpyxl.load_workbook(out).active
    assert ws.title == "신구대비표"
    values = [list(row) for row in ws.iter_rows(values_only=True)]
    assert values == [
        ["실·국", "부서", "사업", "과목", "기정 (A)", "경정 (B)", "증감", "증감률", "비고"],
        ["기후환경본부", "기후환경정책과", "폐기물 감량", "연구용역비", 120_000, 0, -120_000, -100, "폐지"],
        ["기후환경본부 소계", None, None, None, 120_000, 0, -120_000, -100, None],
        ["도시교통실", "교통정책과", "버스 준공영제", "민간경상사업보조", 500_000, 0, -500_000, -100,
         "이관 → 복지정책실 노인복지과, 일반회계"],
        ["도시교통실 소계", None, None, None, 500_000, 0, -500_000, -100, None],
        ["복지정책실", "노인복지과", "버스 준공영제", "민간경상사업보조", 0, 500_000, 500_000, 100,
         "이관 ← 도시교통실 교통정책과, 교통사업특별회계"],
        ["복지정책실", "복지정책과", "경로당 운영 지원", "사무관리비", 10_000, 10_000, 0, 0, "이름 바뀜 (← 경로당 지원)"],
        ["복지정책실", "복지정책과", "돌봄 확대", "사무관리비", 80_000, 70_000, -10_000, -13, None],
        ["복지정책실", "복지정책과", "돌봄 확대", "시설비", 120_000, 120_000, 0, 0, None],
        ["복지정책실", "복지정책과", "돌봄 확대", "국내여비", 0, 5_000, 5_000, 100, None],
        ["복지정책실", "복지정책과", "청년 돌봄", "민간경상사업보조", 0, 150_000, 150_000, 100, "신규"],
        ["복지정책실 소계", None, None, None, 210_000, 855_000, 645_000, 307, None],
        ["교통사업특별회계 계", None, None, None, 500_000, 0, -500_000, -100, None],
        ["일반회계 계", None, None, None, 330_000, 855_000, 525_000, 159, None],
        ["총계", None, None, None, 830_000, 855_000, 25_000, 3, None],
    ]  # fmt: skip
    report = json.loads(run("diff", str(base), str(head), "--format", "json")[1])["totals"]
    rows = {row[0]: row[4:8] for row in values[1:] if row[1] is None}
    for key, suffix in (("office", " 소계"), ("account", " 계")):
        for t in report[key][1:]:
            assert rows[t["name"] + suffix] == [t["base"], t["head"], t["change"], t["rate"]]
    whole = report["office"][0]
    assert rows["총계"] == [whole["base"], whole["head"], whole["change"], whole["rate"]]
    # Numbers as numbers, in the budget book's format; the layout for print.
    assert all(isinstance(v, int) for row in values[1:] for v in row[4:8])
    assert {ws.cell(r, c).number_format for r in range(2, ws.max_row + 1) for c in range(5, 9)} == {'#,##0;"△"#,##0'}
    assert (ws.freeze_panes, ws.print_title_rows, ws.auto_filter.ref) == ("A2", "$1:$1", "A1:I15")
    assert (ws.page_setup.orientation, ws.page_setup.paperSize, ws.page_setup.fitToWidth) == ("landscape", 9, 1)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert all(ws.column_dimensions[c].width > 5 for c in "ABCDEFGHI")
    assert ws.column_dimensions["C"].width > ws.column_dimensions["H"].width
    assert ws.oddHeader.left.text == f"기정 (A): {base}" and ws.oddHeader.right.text == f"경정 (B): {head}"
    # Same comparison, same bytes.
    first = out.read_bytes()
    run("diff", str(base), str(head), "-o", str(out))
    assert out.read_bytes() == first


def test_the_table_is_written_through_the_atomic_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base, head = _reviewed(tmp_path)
    written: list[tuple[str, bytes | str]] = []
    real = review.write_file

    def spy(path: str, data: bytes | str) -> None:
        written.append((path, data))
        real(path, data)

    monkeypatch.setattr(review, "write_file", spy)
    out = tmp_path / "표.xlsx"
    assert run("diff", str(base), str(head), "-o", str(out))[0] == 0
    assert [(p, d[:2]) for p, d in written] == [(str(out), b"PK")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base", "head", "표.xlsx"]  # no temporary file left
    # A FIFO where the file should go is not replaced (the writer's rule, in its words): one line, exit 2.
    fifo = tmp_path / "fifo.xlsx"
    os.mkfifo(fifo)
    code, _, err = run("diff", str(base), str(head), "-o", str(fifo))
    assert code == 2 and message(err).startswith(f"{fifo}은(는) ")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.slow
def test_libreoffice_reads_the_table_with_the_report_totals(tmp_path: Path) -> None:
    base, head = _reviewed(tmp_path)
    out = tmp_path / "신구대비표.xlsx"
    assert run("diff", str(base), str(head), "-o", str(out))[0] == 0
    shown = soffice(tmp_path, out, "csv:Text - txt - csv (StarCalc):44,34,76")
    rows = list(csv.reader(shown.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["실·국", "부서", "사업", "과목", "기정 (A)", "경정 (B)", "증감", "증감률", "비고"]
    printed = {row[0]: row[4:8] for row in rows[1:] if not row[1]}
    report = json.loads(run("diff", str(base), str(head), "--format", "json")[1])["totals"]

    def won(n: int) -> str:
        return ("△" if n < 0 else "") + f"{abs(n):,}"

    for key, suffix in (("office", " 소계"), ("account", " 계")):
        for t in report[key][1:]:
            assert printed[t["name"] + suffix] == [won(t["base"]), won(t["head"]), won(t["change"]), won(t["rate"])]
    whole = report["office"][0]
    assert printed["총계"] == ["830,000", "855,000", "25,000", "3"] == [
        won(whole["base"]), won(whole["head"]), won(whole["change"]), won(whole["rate"])
    ]  # fmt: skip
    assert ["도시교통실", "교통정책과", "버스 준공영제", "민간경상사업보조", "500,000", "0", "△500,000", "△100"] in [
        row[:8] for row in rows
    ]
    # Printed: A4 landscape, one page wide.
    pdf = PdfReader(soffice(tmp_path, out, "pdf"))
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    text = re.sub(r"\s", "", pdf.pages[0].extract_text())  # pypdf drops or adds spaces between Hangul words
    assert "신구대비표(단위:천원,%)" in text and "총계830,000855,00025,0003" in text


# --------------------------------------------------------------------------- the table's totals are the report's


def _drawn_versions(seed: int, n: int) -> tuple[Side, Side]:
    """``n`` varied projects and what a year's revision does to them: amounts, moves, renames, new and removed."""
    rng = random.Random(seed)
    specs = docgen.specs(n, seed=seed)
    base, head = [], []
    for i, s in enumerate(specs):
        key = f"{i:03d}"
        base.append((key, s))
        kind = rng.choice(["same", "amount", "amount", "move", "account", "rename", "path", "drop"])
        if kind == "drop":
            continue
        if kind == "amount":
            name = rng.choice(s.items)[0]
            s = s.with_item(name, rng.randrange(0, 600_000, 100)).with_item(rng.choice(docgen.ITEMS), 1_000)
        elif kind == "move":
            office = rng.choice(sorted(docgen.OFFICES))
            s = dataclasses.replace(s, office=office, department=rng.choice(docgen.OFFICES[office]))
        elif kind == "account":
            s = dataclasses.replace(s, account=rng.choice(docgen.ACCOUNTS))
        elif kind == "rename":
            s = dataclasses.replace(s, title=s.title + " (개편)")
            key = f"renamed-{key}"
        elif kind == "path":
            key = f"moved-{key}"
        head.append((key, s))
    head += [(f"new-{i}", s) for i, s in enumerate(docgen.specs(rng.randint(0, 3), seed=seed + 1))]

    def side(label: str, docs: list[tuple[str, Spec]]) -> Side:
        return Side(label, [Doc(k, f"{k}.yaml", Project.model_validate(docgen.document(s))) for k, s in docs])

    return side("base", base), side("head", head)


def _sums(diff: Diff, key: str) -> dict[str, list[int]]:
    return {t.name: [t.base, t.head, t.change] for t in diff.totals[key][1:]}


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 12))
def test_the_tables_sums_by_office_department_and_account_are_the_reports(seed: int, n: int) -> None:
    diff = compare(*_drawn_versions(seed, n))
    rows = table.rows(diff)
    items = [r for r in rows if r.kind == "item"]
    by_office: dict[str, list[int]] = {}
    by_department: dict[str, list[int]] = {}
    for r in items:
        for sums, name in ((by_office, r.office), (by_department, f"{r.office} {r.department}")):
            got = sums.setdefault(name, [0, 0, 0])
            got[0], got[1], got[2] = got[0] + r.base, got[1] + r.head, got[2] + r.change
    assert by_office == _sums(diff, "office")
    assert by_department == _sums(diff, "department")
    subtotals = {r.office: [r.base, r.head, r.change] for r in rows if r.kind == "office"}
    assert subtotals == _sums(diff, "office")
    assert {r.office: [r.base, r.head, r.change] for r in rows if r.kind == "account"} == _sums(diff, "account")
    whole = diff.totals["office"][0]
    assert [(r.base, r.head, r.rate) for r in rows if r.kind == "total"] == [(whole.base, whole.head, whole.rate)]
    # Every office's rows come together, followed by its 소계.
    offices = [r.office for r in rows if r.kind in ("item", "office")]
    assert offices == sorted(offices, key=lambda o: sorted(subtotals).index(o))


def test_a_total_that_is_not_its_items_added_up_keeps_the_table_equal_to_the_report() -> None:
    doc = docgen.document(CARE)
    doc["budget"]["total"] = {"previous": 140_000, "current": 210_000}  # the items add up to 200,000
    base = Side("b", [Doc("a", "a.yaml", Project.model_validate(doc))])
    head = Side("h", [Doc("a", "a.yaml", Project.model_validate(docgen.document(CARE)))])
    rows = table.rows(compare(base, head))
    assert [(r.item, r.base, r.head) for r in rows if r.kind == "item"] == [
        ("사무관리비", 80_000, 80_000),
        ("시설비", 120_000, 120_000),
        ("(계와 과목 합의 차이)", 10_000, 0),
    ]
    assert [(r.base, r.head) for r in rows if r.kind == "total"] == [(210_000, 200_000)]
