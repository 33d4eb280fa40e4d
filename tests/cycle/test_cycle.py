"""The budget cycle: ``diff`` between two versions of the data, ``rollover`` into next year's drafts."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import docgen
import pytest
import yaml
from click.testing import CliRunner
from conftest import REFERENCE_YAML, ROOT, pdftotext
from docgen import Spec

from budgetdoc.check.rules import check
from budgetdoc.cycle.diff import Diff, compare
from budgetdoc.cycle.report import LIMITS, as_markdown
from budgetdoc.cycle.versions import Doc, Loader, Side, read_version
from budgetdoc.formats.load import load
from budgetdoc.model.document import Document, Project
from budgetdoc.model.figures import compute
from budgetdoc.write.render import Renderer
from generate import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,  # no signing or hooks of the machine's own configuration
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True)
    return done.stdout


def named(repo: Path, revision: str, spec: str | None = None) -> str:
    """A revision as the report names it for people: ``HEAD~1 (9d190c1 「2024 본예산」, 2026-12-07)``."""
    fields = git(repo, "log", "-1", "--date=short", "--format=%h%x00%ad%x00%s", revision).rstrip("\n").split("\0")
    return f"{spec or revision} ({fields[0]} 「{fields[2]}」, {fields[1]})"


# --------------------------------------------------------------------------- the test repository

WELFARE, TRAFFIC, CLIMATE = (
    ("복지정책실", "복지정책과"),
    ("도시교통실", "교통정책과"),
    ("기후환경본부", "기후환경정책과"),
)


def spec(title: str, where: tuple[str, str], items: tuple[tuple[str, int, int], ...], **kw: object) -> Spec:
    return Spec(title, where[0], where[1], items, **kw)  # type: ignore[arg-type]


GROW = spec("돌봄 확대", WELFARE, (("사무관리비", 40_000, 80_000), ("시설비", 100_000, 120_000)), national_percent=50)
SMALL = spec("경로당 지원", WELFARE, (("사무관리비", 10_000, 10_000),))
SHRINK = spec(
    "버스 준공영제",
    TRAFFIC,
    (("민간경상사업보조", 450_000, 500_000),),
    account="교통사업특별회계",
    national_percent=50,
    long_basis=True,
)
TEXT = spec("보행 안전", TRAFFIC, (("공공운영비", 30_000, 30_000),), account="교통사업특별회계")
MOVED = spec("자전거 도로", TRAFFIC, (("시설비", 40_000, 40_000),), stated=False)
BY_ID = spec(
    "탄소중립 실천", CLIMATE, (("행사운영비", 60_000, 60_000),), account="재난관리기금", id="env-001", district=12_000
)
GONE = spec("폐기물 감량", CLIMATE, (("연구용역비", 120_000, 120_000),))
NEW = spec("청년 돌봄", WELFARE, (("민간경상사업보조", 0, 150_000),), schedule_rows=2)
TINY = spec("양성평등 교육", WELFARE, (("사무관리비", 0, 3_000),), account="양성평등기금", settlement=False)

BASE_FILES = {
    "data/2024/균형/지역균형발전_추진.yaml": None,  # the reference, unchanged
    "data/2024/복지/grow.yaml": GROW,
    "data/2024/복지/small.yaml": SMALL,
    "data/2024/교통/shrink.yaml": SHRINK,
    "data/2024/교통/text.yaml": TEXT,
    "data/2024/교통/old-name.yaml": MOVED,
    "data/2024/환경/by-id.yaml": BY_ID,
    "data/2024/환경/gone.yaml": GONE,
}
HEAD_FILES = {
    "data/2024/균형/지역균형발전_추진.yaml": None,
    # 사무관리비 80,000 → 70,000, 시설비 120,000 → 300,000, 국내여비 new: (B) 200,000 → 375,000
    "data/2024/복지/grow.yaml": GROW.with_item("사무관리비", 70_000)
    .with_item("시설비", 300_000)
    .with_item("국내여비", 5_000),
    "data/2024/복지/small.yaml": SMALL.with_item("사무관리비", 14_000),  # +40 %: over the rate only
    "data/2024/교통/shrink.yaml": SHRINK.with_item("민간경상사업보조", 450_000),  # △50,000, △10 %
    "data/2024/교통/text.yaml": dataclasses.replace(TEXT, purpose="보행자 안전을 위한 사업"),
    "data/2024/교통/new-name.yaml": MOVED,  # moved, found by title and department
    "data/2024/기후/renamed.yaml": dataclasses.replace(BY_ID, title="탄소중립 생활 실천"),  # moved and renamed: its id
    "data/2024/복지/new.yaml": NEW,
    "data/2024/복지/tiny.yaml": TINY,
}


def _write_tree(root: Path, files: dict[str, Spec | None]) -> None:
    data = root / "data"
    if data.exists():
        shutil.rmtree(data)
    for rel, s in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(REFERENCE_YAML.read_text(encoding="utf-8") if s is None else docgen.text(s), encoding="utf-8")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    git(root, "init", "-q", "-b", "main")
    _write_tree(root, BASE_FILES)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "2024 본예산")
    _write_tree(root, HEAD_FILES)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "수정")
    return root


EXPECTED_TEXT = """\
예산 변경: {base} → {head}
사업 8개 → 9개: 신규 2, 폐지 1, 이름 바뀜 0, 금액 변경 3, 금액 밖의 변경 2, 파일 옮김 2, 기준을 넘은 것 4
변경 후 문서 9개가 모두 검증을 통과합니다.

실·국별 예산액 (B) (단위: 천원, %)
실·국         사업 수    변경 전    변경 후      증감  증감률
계            8→9      1,223,698  1,385,698   162,000      13
균형발전본부  1→1        263,698    263,698         0       0
기후환경본부  2→1        180,000     60,000  △120,000     △67
도시교통실    3→3        570,000    520,000   △50,000      △9
복지정책실    2→4        210,000    542,000   332,000     158

부서별 예산액 (B) (단위: 천원, %)
부서                         사업 수    변경 전    변경 후      증감  증감률
계                           8→9      1,223,698  1,385,698   162,000      13
균형발전본부 균형발전정책과  1→1        263,698    263,698         0       0
기후환경본부 기후환경정책과  2→1        180,000     60,000  △120,000     △67
도시교통실 교통정책과        3→3        570,000    520,000   △50,000      △9
복지정책실 복지정책과        2→4        210,000    542,000   332,000     158

회계별 예산액 (B) (단위: 천원, %)
회계              사업 수    변경 전    변경 후     증감  증감률
계                8→9      1,223,698  1,385,698  162,000      13
교통사업특별회계  2→2        530,000    480,000  △50,000      △9
양성평등기금      0→1              0      3,000    3,000     100
일반회계          5→5        633,698    842,698  209,000      33
재난관리기금      1→1         60,000     60,000        0       0

재원별 예산액 (B) (단위: 천원, %)
재원  사업 수  변경 전  변경 후    증감  증감률
국비  2→2      350,000  412,500  62,500      18
시비  8→9      873,698  973,198  99,500      11
구비  1→1       12,000   12,000       0       0
기타  0→0            0        0       0       0

신규 사업 2개
2024/복지/new.yaml   청년 돌봄      복지정책실 복지정책과  일반회계      150,000
2024/복지/tiny.yaml  양성평등 교육  복지정책실 복지정책과  양성평등기금    3,000

폐지 사업 1개
2024/환경/gone.yaml  폐기물 감량  기후환경본부 기후환경정책과  일반회계  120,000

이름이 바뀐 사업 0개

금액이 바뀐 사업 3개 (증감이 큰 차례, 단위: 천원)
2024/복지/grow.yaml: 돌봄 확대 (복지정책실 복지정책과): 200,000 → 375,000 (175,000, 88%)
    사무관리비 80,000 → 70,000 (△10,000)
    시설비 120,000 → 300,000 (180,000)
    국내여비 신규 5,000
    국비 100,000 → 187,500 (87,500)
    시비 100,000 → 187,500 (87,500)
2024/교통/shrink.yaml: 버스 준공영제 (도시교통실 교통정책과): 500,000 → 450,000 (△50,000, △10%)
    민간경상사업보조 500,000 → 450,000 (△50,000)
    국비 250,000 → 225,000 (△25,000)
    시비 250,000 → 225,000 (△25,000)
2024/복지/small.yaml: 경로당 지원 (복지정책실 복지정책과): 10,000 → 14,000 (4,000, 40%)
    사무관리비 10,000 → 14,000 (4,000)
    시비 10,000 → 14,000 (4,000)

기준을 넘은 것 4개 (증감 100,000천원 이상 또는 증감률 30% 이상)
2024/복지/grow.yaml: 돌봄 확대: 증감 175,000천원 (100,000천원 이상), 증감률 88% (30% 이상)
2024/복지/new.yaml: 청년 돌봄: 신규 150,000천원 (100,000천원 이상)
2024/환경/gone.yaml: 폐기물 감량: 폐지 120,000천원 (100,000천원 이상)
2024/복지/small.yaml: 경로당 지원: 증감률 40% (30% 이상)

금액 밖의 변경 2개 (사업명·부서·회계·글 등; 금액이 바뀐 사업은 산출근거·추진일정의 글만 봅니다)
2024/교통/text.yaml: 보행 안전: 사업목적 바뀜
2024/기후/renamed.yaml: 탄소중립 생활 실천: 사업명 「탄소중립 실천」 → 「탄소중립 생활 실천」, 사업개요·사업내용·기대효과 바뀜

옮긴 파일 2개:
    2024/교통/old-name.yaml → 2024/교통/new-name.yaml
    2024/환경/by-id.yaml → 2024/기후/renamed.yaml

변경 후 문서 9개가 모두 검증을 통과합니다.
"""


def test_diff_between_two_revisions_prints_the_money(repo: Path) -> None:
    code, out, err = run("diff", "HEAD~1", "HEAD", "--repo", str(repo))
    assert (code, err) == (0, "")
    assert out == EXPECTED_TEXT.format(base=named(repo, "HEAD~1"), head=named(repo, "HEAD"))


def test_diff_json_has_the_same_report(repo: Path) -> None:
    code, out, _ = run("diff", "HEAD~1", "HEAD", "--repo", str(repo), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["totals"]["office"][0] == {
        "name": "계",
        "base": 1_223_698,
        "head": 1_385_698,
        "change": 162_000,
        "rate": 13,
        "base_count": 8,
        "head_count": 9,
    }
    assert [(p["path"], p["budget"]) for p in data["added"]] == [
        ("2024/복지/new.yaml", 150_000),
        ("2024/복지/tiny.yaml", 3_000),
    ]
    assert [(p["path"], p["budget"]) for p in data["removed"]] == [("2024/환경/gone.yaml", 120_000)]
    assert [(c["path"], c["change"], c["rate"]) for c in data["changed"]] == [
        ("2024/복지/grow.yaml", 175_000, 88),
        ("2024/교통/shrink.yaml", -50_000, -10),
        ("2024/복지/small.yaml", 4_000, 40),
    ]
    assert data["changed"][0]["items"] == [
        {"name": "사무관리비", "base": 80_000, "head": 70_000},
        {"name": "시설비", "base": 120_000, "head": 300_000},
        {"name": "국내여비", "base": None, "head": 5_000},
    ]
    assert data["moved"] == [
        {"base": "2024/교통/old-name.yaml", "head": "2024/교통/new-name.yaml"},
        {"base": "2024/환경/by-id.yaml", "head": "2024/기후/renamed.yaml"},
    ]
    assert (data["text_only"], data["head_check"]) == (2, {"documents": 9, "passed": True, "failures": []})


def test_diff_thresholds_are_options(repo: Path) -> None:
    code, out, _ = run(
        "diff", "HEAD~1", "HEAD", "--repo", str(repo), "--format", "json", "--threshold-amount", "150000",
        "--threshold-rate", "50",
    )  # fmt: skip
    assert code == 0
    assert [(f["path"], f["reasons"]) for f in json.loads(out)["flags"]] == [
        ("2024/복지/grow.yaml", ["증감 175,000천원 (150,000천원 이상)", "증감률 88% (50% 이상)"]),
        ("2024/복지/new.yaml", ["신규 150,000천원 (150,000천원 이상)"]),
    ]
    code, _, err = run("diff", "HEAD~1", "HEAD", "--repo", str(repo), "--threshold-rate", "서른")
    assert code == 2
    assert "'서른'은(는) 수가 아닙니다 (예: 30, 12.5)" in err


def test_diff_markdown_of_the_repository(repo: Path) -> None:
    code, out, _ = run("diff", "HEAD~1", "HEAD", "--repo", str(repo), "--format", "markdown")
    assert code == 0
    lines = out.splitlines()
    base = named(repo, "HEAD~1").replace("~", "\\~")  # markdown: a ~ escaped
    assert lines[:5] == [
        f"## 예산 변경: {base} → {named(repo, 'HEAD')}",
        "",
        "사업 8개 → 9개: 신규 2, 폐지 1, 이름 바뀜 0, 금액 변경 3, 금액 밖의 변경 2, 파일 옮김 2, 기준을 넘은 것 4",
        "",
        "✅ 변경 후 문서 9개가 모두 검증을 통과합니다.",
    ]
    assert "| 복지정책실 | 2→4 | 210,000 | 542,000 | 332,000 | 158 |" in lines
    assert (
        "| 돌봄 확대<br>2024/복지/grow.yaml | 복지정책실 · 복지정책과 | 200,000 | 375,000 | 175,000 | 88 | "
        "사무관리비 80,000 → 70,000 (△10,000)<br>시설비 120,000 → 300,000 (180,000)<br>국내여비 신규 5,000<br>"
        "국비 100,000 → 187,500 (87,500)<br>시비 100,000 → 187,500 (87,500) |"
    ) in lines
    assert "| 폐기물 감량 | 폐지 120,000천원 (100,000천원 이상) | 2024/환경/gone.yaml |" in lines
    assert "줄였습니다" not in out


def test_diff_reads_revisions_without_touching_the_working_tree(repo: Path) -> None:
    small = repo / "data/2024/복지/small.yaml"
    committed = small.read_text(encoding="utf-8")
    edited = docgen.text(SMALL.with_item("사무관리비", 99_000))
    small.write_text(edited, encoding="utf-8")
    (repo / "data/2024/복지/untracked.yaml").write_text(docgen.text(TINY), encoding="utf-8")
    try:
        status = git(repo, "status", "--porcelain")
        code, out, _ = run("diff", "HEAD~1", "HEAD", "--repo", str(repo), "--format", "json")
        assert code == 0
        assert [c["change"] for c in json.loads(out)["changed"] if c["path"] == "2024/복지/small.yaml"] == [4_000]
        assert git(repo, "status", "--porcelain") == status
        assert small.read_text(encoding="utf-8") == edited
        # The working tree is a folder like any other: HEAD against it shows the uncommitted edit.
        code, out, _ = run("diff", "HEAD", str(repo / "data"), "--repo", str(repo), "--format", "json")
        data = json.loads(out)
        assert [(c["path"], c["base"], c["head"]) for c in data["changed"]] == [
            ("2024/복지/small.yaml", 14_000, 99_000)
        ]
        assert [p["path"] for p in data["added"]] == ["2024/복지/untracked.yaml"]
    finally:
        small.write_text(committed, encoding="utf-8")
        (repo / "data/2024/복지/untracked.yaml").unlink()


def test_diff_reads_a_folder_of_a_revision(repo: Path) -> None:
    code, out, err = run(
        "diff", "HEAD~1:data/2024/복지", "HEAD:data/2024/복지", "--repo", str(repo), "--format", "json"
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["base"], data["head"], data["projects"]) == (
        named(repo, "HEAD~1", "HEAD~1:data/2024/복지"),
        named(repo, "HEAD", "HEAD:data/2024/복지"),
        {"base": 2, "head": 4},
    )
    assert [p["path"] for p in data["added"]] == ["new.yaml", "tiny.yaml"]
    # A revision without the folder (a repository's first data) is empty, and said so.
    code, out, err = run("diff", "HEAD~1:nowhere", "HEAD", "--repo", str(repo), "--format", "json")
    assert (code, err) == (0, "HEAD~1에 nowhere 폴더가 없어 빈 것으로 봅니다\n")
    assert len(json.loads(out)["added"]) == 9


def test_the_example_workflow_step_posts_the_markdown(repo: Path, tmp_path: Path) -> None:
    workflow = yaml.safe_load((ROOT / "examples" / "github-actions.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["check"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"] == {"fetch-depth": 2}
    step = next(s for s in steps if s.get("name") == "예산 변경 보고")
    assert step["if"] == "${{ !cancelled() && github.event_name == 'pull_request' && env.BUDGETDOC_REPO != '' }}"
    # The tool as the workflow calls it (the checked-out generate.py or the installed command), here.
    tool = f"{shlex.quote(sys.executable)} {shlex.quote(str(ROOT / 'generate.py'))} "
    command = re.sub(r"^(python \.budgetdoc/generate\.py|budgetdoc) ", lambda _: tool, step["run"])
    assert command != step["run"]
    summary = tmp_path / "summary.md"
    summary.write_text("", encoding="utf-8")
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary)}
    # GitHub runs a step with bash -e -o pipefail.
    done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", command], cwd=repo, env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert summary.read_text(encoding="utf-8").startswith(
        f"## 예산 변경: {named(repo, 'HEAD^1')} → {named(repo, 'HEAD')}\n"
    )
    # A HEAD document that fails its checks is the check step's to report: this step still passes.
    (repo / "data/2024/복지/small.yaml").write_text("fiscal_year: 2024\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "틀린 문서")
    try:
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", command], cwd=repo, env=env, capture_output=True)
        assert done.returncode == 0, done.stderr
        assert "❌ 변경 후 문서 9개 가운데 1개가 검증을 통과하지 못합니다." in summary.read_text(encoding="utf-8")
    finally:
        git(repo, "reset", "-q", "--hard", "HEAD~1")


def test_diff_does_not_follow_links_in_a_revision(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "data").mkdir()
    shutil.copy(REFERENCE_YAML, tmp_path / "data" / "ref.yaml")
    (tmp_path / "data" / "link.yaml").symlink_to("ref.yaml")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "링크")
    code, out, err = run("diff", "HEAD", "HEAD", "--repo", str(tmp_path), "--format", "json")
    assert (code, err) == (0, f"{named(tmp_path, 'HEAD')}: 심볼릭 링크 1개는 읽지 않습니다: link.yaml\n")
    assert json.loads(out)["projects"] == {"base": 1, "head": 1}


def test_diff_loads_a_file_unchanged_between_the_versions_once(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import budgetdoc.cycle.versions

    loaded: list[str] = []
    real = budgetdoc.cycle.versions.load_text

    def counting(text: str, file: str) -> Document:
        loaded.append(file)
        return real(text, file)

    monkeypatch.setattr(budgetdoc.cycle.versions, "load_text", counting)
    loader = Loader()
    base = read_version("HEAD~1", str(repo), loader=loader)
    head = read_version("HEAD", str(repo), checked=True, loader=loader)
    # 8 + 9 files; only the reference is the same file with the same bytes in both.
    assert len(loaded) == 16 and loaded.count("2024/균형/지역균형발전_추진.yaml") == 1
    assert compare(base, head).counts == (8, 9)


def test_diff_says_which_head_documents_fail(tmp_path: Path) -> None:
    base, head = tmp_path / "base", tmp_path / "head"
    for folder in (base, head):
        (folder / "2024").mkdir(parents=True)
        shutil.copy(REFERENCE_YAML, folder / "2024" / "ref.yaml")
    bad = REFERENCE_YAML.read_text(encoding="utf-8").replace("amount: 5100", "amount: 5200")
    (head / "2024" / "ref.yaml").write_text(bad, encoding="utf-8")
    (head / "2024" / "broken.yaml").write_text("fiscal_year: 2024\nfiscal_year: 2025\n", encoding="utf-8")
    code, out, _ = run("diff", str(base), str(head))
    assert code == 1
    assert out.endswith(
        "변경 후 문서 2개 가운데 2개가 검증을 통과하지 못합니다.\n"
        "2024/broken.yaml:1:1: 필수 항목 'title'이(가) 최상위에 없습니다 — 예: title: 지역균형발전 추진 (오류 9개)\n"
        "2024/ref.yaml:46:23: 150,000원×17명×2회 = 5,100천원인데 5,200천원으로 적혀 있습니다 (오류 1개)\n"
    )
    assert "사업 1개 → 1개: 신규 0, 폐지 0, 이름 바뀜 0, 금액 변경 0, 금액 밖의 변경 1," in out
    assert "2024/ref.yaml: 지역균형발전 추진: 산출근거 바뀜\n" in out


def test_diff_pairs_renames_only_when_unambiguous() -> None:
    def side(label: str, docs: list[tuple[str, Spec]]) -> Side:
        return Side(label, [Doc(k, f"{k}.yaml", Project.model_validate(docgen.document(s))) for k, s in docs])

    twin = spec("같은 이름", WELFARE, (("사무관리비", 1_000, 1_000),))
    other = dataclasses.replace(twin, purpose="다른 목적")
    # Two moved files with the same title and department: which is which cannot be told.
    result = compare(side("b", [("a", twin), ("b", other)]), side("h", [("c", twin), ("d", other)]))
    assert ([p.path for p in result.removed], [p.path for p in result.added], result.moved) == (
        ["a.yaml", "b.yaml"],
        ["c.yaml", "d.yaml"],
        [],
    )
    # Two different ids are two projects even at the same path.
    first, second = dataclasses.replace(twin, id="x-1"), dataclasses.replace(twin, id="x-2")
    result = compare(side("b", [("a", first)]), side("h", [("a", second)]))
    assert ([p.path for p in result.removed], [p.path for p in result.added]) == (["a.yaml"], ["a.yaml"])


# --------------------------------------------------------------------------- markdown limits


def _big_diff(n: int) -> tuple[Side, Side]:
    """``n`` varied projects, every one with every 과목 changed by a different amount."""
    base, head = [], []
    for i, s in enumerate(docgen.specs(n, seed=7)):
        path = f"2024/{s.office}/{i:04d}.yaml"
        project = Project.model_validate(docgen.document(dataclasses.replace(s, stated=False)))
        items = [
            item.model_copy(update={"current": item.current + 100 * (i + 1) * (k + 1)})
            for k, item in enumerate(project.budget.items)
        ]
        moved = project.model_copy(update={"budget": project.budget.model_copy(update={"items": items})})
        base.append(Doc(f"{i:04d}", path, project))
        head.append(Doc(f"{i:04d}", path, moved))
    return Side("main:data", base), Side("HEAD:data", head)


@pytest.fixture(scope="module")
def big() -> Diff:
    return compare(*_big_diff(2000))


@pytest.mark.slow
@pytest.mark.parametrize("fit", ["summary", "comment"])
def test_markdown_fits_github_on_2000_changed_projects(big: Diff, fit: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(big.changed) == 2000
    text = as_markdown(big, fit)
    limit, unit = LIMITS[fit]
    assert limit == {"summary": 1_000_000, "comment": 60_000}[fit]

    def size(t: str) -> int:
        return len(t.encode("utf-8")) if unit == "bytes" else len(t)

    monkeypatch.setitem(LIMITS, fit, (10**9, unit))
    whole = as_markdown(big, fit)
    assert size(text) <= limit < size(whole)
    assert size(text) > limit * 0.9  # the room is used, not wasted
    where = {"summary": "단계 요약", "comment": "PR 댓글"}[fit]
    lines = text.splitlines()
    assert f"> ⚠️ 보고가 {where} 한도보다 길어 목록의 뒷부분(가운데)을 줄였습니다. 표마다 큰 것부터 남겼습니다." in lines
    # The largest changes lead their table, the rest of it is cut with a note that counts it.
    first = lines.index("| 사업 | 실·국 · 부서 | 변경 전 | 변경 후 | 증감 | 증감률 | 바뀐 과목·재원 |")
    kept = [line for line in lines[first + 2 :] if line.startswith("| ")]
    kept = kept[: next(i for i, line in enumerate(kept) if "<br>2024/" not in line)]
    assert [line.split("<br>")[0][2:] for line in kept] == [c.title for c in big.changed[: len(kept)]]
    assert 10 < len(kept) < 2000
    assert f"> … 길이 제한({where})으로 사업 {2000 - len(kept):,}개를 줄였습니다. " in text
    # What is always kept: the counts, the 계 rows, the HEAD check status at the end.
    assert "금액 변경 2,000," in lines[2]
    assert "| 계 | 2,000→2,000 |" in text
    assert lines[-3:] == ["### 변경 후 문서 검증", "", "✅ 변경 후 문서 2,000개가 모두 검증을 통과합니다."]


# --------------------------------------------------------------------------- rollover


def _reference_data(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "2024"
    folder.mkdir(parents=True)
    shutil.copy(REFERENCE_YAML, folder / "지역균형발전_추진.yaml")
    return tmp_path / "data"


def test_rollover_is_a_dry_run_by_default(tmp_path: Path) -> None:
    data = _reference_data(tmp_path)
    code, out, err = run("rollover", str(data), "--to", "2025")
    assert (code, err) == (0, "")
    assert out == (
        "2024년 문서 → 2025년 초안 (미리 보기: 아무것도 쓰지 않았습니다. 쓰려면 --write)\n"
        f"옮길 것: {data}/2024/지역균형발전_추진.yaml → {data}/2025/지역균형발전_추진.yaml\n"
        "옮길 문서 1개, 이미 있어 그대로 둔 것 0개, 끝난 사업 0개, 다른 연도 0개, 문제 있음 0개\n"
        "2025년 초안의 2024년 예산액 (A) 합계 263,698천원, 2024년 예산액 (B) 합계 263,698천원 (실·국별, 회계별로도 같음)\n"
    )
    assert sorted(p.name for p in data.iterdir()) == ["2024"]


def test_rollover_of_the_reference(tmp_path: Path) -> None:
    data = _reference_data(tmp_path)
    code, out, _ = run("rollover", str(data), "--to", "2025", "--write")
    assert code == 0
    assert f"씀: {data}/2024/지역균형발전_추진.yaml → {data}/2025/지역균형발전_추진.yaml\n" in out
    draft_path = data / "2025" / "지역균형발전_추진.yaml"
    old, new = load(data / "2024" / "지역균형발전_추진.yaml").project, load(draft_path).project
    assert new.fiscal_year == 2025
    # The 2024 column is this year's B, 과목 by 과목; B is copied as the starting point.
    assert [(i.name, i.previous, i.current) for i in new.budget.items] == [
        (i.name, i.current, i.current) for i in old.budget.items
    ]
    assert [(i.name, i.previous) for i in new.budget.items] == [
        ("기간제근로자등보수", 55_275),
        ("사무관리비", 6_623),
        ("국외업무여비", 50_000),
        ("시책추진업무추진비", 57_000),
        ("특정업무경비", 94_800),
    ]
    assert compute(new).total.previous == compute(old).total.current == 263_698
    assert new.budget.items[1].basis == old.budget.items[1].basis
    # 추진실적 gains 2024 (empty) and drops 2021; 결산 moves to 2021–2023, the new row to fill.
    assert list(new.effects.achievements) == [2022, 2023, 2024]
    assert new.effects.achievements[2024] == [] and new.effects.achievements[2023] == old.effects.achievements[2023]
    assert [s.year for s in new.settlement] == [2021, 2022, 2023]
    assert new.settlement[:2] == old.settlement[1:]
    assert new.settlement[2].model_dump() == {
        "year": 2023, "final_budget": 0, "carried_in": 0, "change": 0, "available": 0, "spent": 0,
        "carried_out": 0, "balance": 0,
    }  # fmt: skip
    assert new.schedule.rows[0].period == "2025.01~2025.12"
    assert (new.overview.period, new.contacts, new.description) == (
        old.overview.period,
        old.contacts,
        old.description,
    )
    text = draft_path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schema/project.schema.json\nfiscal_year: 2025\n")
    assert "    2024: []\n" in text
    # check passes apart from the draft's warnings, one per thing to do.
    code, out, err = run("check", str(draft_path))
    assert (code, err) == (0, "파일 1개 검사: 오류 0개, 경고 4개\n")
    assert out == "".join(
        f"{draft_path}:{line}:7: draft: 경고: 초안 할 일: {todo} (마치면 이 줄을, 모두 마치면 draft 항목을 지우세요)\n"
        for line, todo in [
            (7, "예산액 (B)·산출근거·사업비·재원은 2024년 것을 그대로 옮겼습니다 — 2025년 예산으로 고치세요"),
            (8, "추진일정은 2024년 것의 연도만 바꿨습니다 — 2025년 계획으로 고치세요"),
            (9, "추진실적 2024년을 쓰세요"),
            (10, "결산 2023년 행을 결산서대로 채우세요 (지금은 모두 0)"),
        ]
    )
    # A person confirms by removing the draft block: then the draft is clean.
    start, end = text.index("draft:\n"), text.index("overview:\n")
    draft_path.write_text(text[:start] + text[end:], encoding="utf-8")
    assert run("check", str(draft_path)) == (0, "", "파일 1개 검사: 오류 0개, 경고 0개\n")


def test_rollover_never_writes_over_a_file(tmp_path: Path) -> None:
    data = _reference_data(tmp_path)
    target = data / "2025" / "지역균형발전_추진.yaml"
    target.parent.mkdir()
    target.write_text("# 손으로 쓰기 시작한 내년 문서\n", encoding="utf-8")
    code, out, _ = run("rollover", str(data / "2024"), "--to", "2025", "--write")
    assert code == 0
    assert f"그대로 둠: {data}/2024/지역균형발전_추진.yaml: {target}이(가) 이미 있어 쓰지 않습니다\n" in out
    assert target.read_text(encoding="utf-8") == "# 손으로 쓰기 시작한 내년 문서\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["지역균형발전_추진.yaml"]  # no temporary left


def test_rollover_says_what_it_does_not_roll(tmp_path: Path) -> None:
    data = _reference_data(tmp_path)
    folder = data / "2024"
    ended = spec("끝나는 사업", WELFARE, (("시설비", 5_000, 5_000),), period=("한시", 2022, 2024))
    (folder / "ended.yaml").write_text(docgen.text(ended), encoding="utf-8")
    (folder / "older.yaml").write_text(docgen.text(dataclasses.replace(SMALL, year=2023)), encoding="utf-8")
    bad = REFERENCE_YAML.read_text(encoding="utf-8").replace("amount: 5100", "amount: 5200")
    (folder / "bad.yaml").write_text(bad, encoding="utf-8")
    (folder / "broken.yaml").write_text("fiscal_year: 2024\nfiscal_year: 2025\n", encoding="utf-8")
    code, out, _ = run("rollover", str(data), "--to", "2025", "-o", str(tmp_path / "drafts"), "--write")
    assert code == 1
    assert out.splitlines()[1:-1] == [
        f"옮기지 않음: {folder}/bad.yaml: 검증 오류 1개가 있어 옮기지 않습니다 (check로 확인하세요)",
        f"옮기지 않음: {folder}/broken.yaml: 필수 항목 'title'이(가) 최상위에 없습니다 — 예: title: 지역균형발전 추진 (1행 1열 외 8개)",
        f"끝난 사업: {folder}/ended.yaml: 사업기간(한시 2022~2024)이 2024년에 끝나 2025년으로 옮기지 않습니다",
        f"다른 연도: {folder}/older.yaml: 2023년 문서라 2025년으로 옮기지 않습니다 (2024년 문서만 옮깁니다)",
        f"씀: {folder}/지역균형발전_추진.yaml → {tmp_path}/drafts/2025/지역균형발전_추진.yaml",
        "쓴 초안 1개, 이미 있어 그대로 둔 것 0개, 끝난 사업 1개, 다른 연도 1개, 문제 있음 2개",
    ]
    assert [p.name for p in (tmp_path / "drafts" / "2025").iterdir()] == ["지역균형발전_추진.yaml"]
    # A draft that nobody has confirmed is not rolled again; a path without a year folder needs -o.
    code, out, _ = run("rollover", str(tmp_path / "drafts"), "--to", "2026")
    assert code == 1
    assert "확인하지 않은 초안이라 옮기지 않습니다 (확인한 뒤 draft 항목을 지우세요)" in out
    loose = tmp_path / "loose.yaml"
    shutil.copy(REFERENCE_YAML, loose)
    code, out, _ = run("rollover", str(loose), "--to", "2025")
    assert code == 1
    assert f"{loose}: 경로에 2024 폴더가 없어 초안을 둘 곳을 모릅니다 — -o로 출력 폴더를 주세요" in out


@pytest.mark.slow
def test_rollover_of_a_varied_corpus_keeps_the_sums(tmp_path: Path) -> None:
    specs = docgen.specs(60, seed=3)
    docgen.write(tmp_path / "data", specs)
    code, out, _ = run("rollover", str(tmp_path / "data"), "--to", "2025", "--write")
    assert code == 0
    old_sum: dict[str, int] = {}
    new_sum: dict[str, int] = {}
    rolled = 0
    for i, s in enumerate(specs):
        source = tmp_path / "data" / "2024" / s.office / f"{i:04d}.yaml"
        draft = tmp_path / "data" / "2025" / s.office / f"{i:04d}.yaml"
        kind, _, end = s.period
        if kind in ("계속", "한시") and end == 2024:
            assert not draft.exists()
            assert f"끝난 사업: {source}: 사업기간({kind} {s.period[1]}~2024)이 2024년에 끝나" in out
            continue
        rolled += 1
        old = load(source).project
        doc = load(draft)
        new = doc.project
        for key in (f"실·국 {s.office}", f"회계 {s.account}"):
            old_sum[key] = old_sum.get(key, 0) + compute(old).total.current
            new_sum[key] = new_sum.get(key, 0) + compute(new).total.previous
        assert [i.previous for i in new.budget.items] == [i.current for i in old.budget.items]
        assert (new.id, new.overview.period, new.overview.funding) == (
            old.id,
            old.overview.period,
            old.overview.funding,
        )
        problems = check(doc)
        assert [p.rule for p in problems if p.severity == "error"] == []
        # The draft warnings, and only the warnings the document had before (an empty 추진일정 says so).
        before = {p.rule for p in check(load(source))}
        assert "draft" in {p.rule for p in problems}
        assert {p.rule for p in problems} - {"draft"} <= before
        # Every section is written, explicitly empty where the old one was.
        text = draft.read_text(encoding="utf-8")
        assert "  history: []\n" in text
        assert ("settlement: []\n" in text) == (not s.settlement)
        assert ("  rows: []\n" in text) == (not s.schedule_rows or not s.budget)
        assert list(new.effects.achievements)[-1] == 2024 and new.effects.achievements[2024] == []
        if s.settlement:
            assert [r.year for r in new.settlement] == [2021, 2022, 2023]
    assert 40 < rolled < 60
    assert old_sum == new_sum
    assert f"쓴 초안 {rolled}개, 이미 있어 그대로 둔 것 0개, 끝난 사업 {60 - rolled}개," in out


def test_rollover_into_a_folder_it_cannot_write_is_exit_2(tmp_path: Path) -> None:
    data = _reference_data(tmp_path)
    (tmp_path / "file").write_text("", encoding="utf-8")
    code, _, err = run("rollover", str(data), "--to", "2025", "-o", str(tmp_path / "file" / "drafts"), "--write")
    assert code == 2
    target = tmp_path / "file" / "drafts" / "2025" / "지역균형발전_추진.yaml"
    assert err == f"오류: {target}에 쓸 수 없습니다: 경로 가운데 폴더가 아닌 파일이 있습니다\n"


def test_an_unreadable_data_file_is_exit_2_as_in_check(tmp_path: Path) -> None:
    data = _reference_data(tmp_path)
    (data / "2024" / "utf16.yaml").write_bytes("fiscal_year: 2024\n".encode("utf-16"))
    message = "UTF-16이나 UTF-32로 저장된 파일 또는 이진 파일입니다 — UTF-8로 저장하세요"
    code, out, _ = run("rollover", str(data), "--to", "2025")
    assert code == 2
    assert f"옮기지 않음: {data}/2024/utf16.yaml: {message} (1행 1열)\n" in out
    assert f"옮길 것: {data}/2024/지역균형발전_추진.yaml → " in out
    code, out, _ = run("diff", str(data), str(data))
    assert code == 2
    assert out.endswith(f"2024/utf16.yaml:1:1: {message} (오류 1개)\n")


@pytest.mark.slow
def test_the_rolled_reference_prints_this_years_budget_as_its_2024_column(tmp_path: Path, renderer: Renderer) -> None:
    data = _reference_data(tmp_path)
    assert run("rollover", str(data), "--to", "2025", "--write")[0] == 0
    project = load(data / "2025" / "지역균형발전_추진.yaml").project
    text = pdftotext(renderer.pdf(renderer.html(project)), "-layout")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "2024예산액 2025예산액 증감" in lines
    for row in ("계 263,698", "기간제근로자등보수 55,275", "사무관리비 6,623", "특정업무경비 94,800"):
        name, amount = row.split()
        assert f"{name} {amount} {amount} 0 0" in lines
    assert "2024년도 해당 없음" in lines and "2023 0 0 0 0 0 0 0" in lines  # the year to write, flagged by the draft


def test_diff_never_reads_a_blob_over_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 3 MB YAML blob in a revision: refused by the size git lists, its bytes never asked for."""
    from budgetdoc.cycle import versions

    git(tmp_path, "init", "-q")
    (tmp_path / "data").mkdir()
    shutil.copy(REFERENCE_YAML, tmp_path / "data" / "ref.yaml")
    (tmp_path / "data" / "big.yaml").write_text("# " + "x" * 3_000_000 + "\n", encoding="utf-8")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "큰 파일")
    asked: list[str] = []
    real = versions._cat

    def cat(repo: str, objects: list[str]) -> dict[str, bytes]:
        asked.extend(objects)
        return real(repo, objects)

    monkeypatch.setattr(versions, "_cat", cat)
    side = versions.read_revision(str(tmp_path), "HEAD", "data")
    big = next(d for d in side.docs if d.path == "big.yaml")
    assert big.project is None and [p.rule for p in big.problems] == ["file-size"]
    assert len(asked) == 1  # ref.yaml only
