"""rollover against paths spelled every way and destinations that are not what they seem.

Each case runs the real command in its own process (a time limit, a 2 GB address space),
and compares the whole tree around the data before and after: a refused rollover writes
nothing anywhere and replaces no node; the year's folder is found inside the data folder,
never above it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import MINIMAL
from processes import KILLED_WHILE_WRITING, generate, refusal, tree

from budgetdoc.batch.files import TMP_PREFIX

HINT = "지우거나 -o로 다른 폴더를 주세요"
SUMS = "2025년 초안의 2024년 예산액 (A) 합계 6,623천원, 2024년 예산액 (B) 합계 6,623천원 (실·국별, 회계별로도 같음)\n"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(f"{TMP_PREFIX}*"))


def data_folder(root: Path, *names: str) -> Path:
    """``root/data/2024/NAME.yaml`` for each name: this year's documents."""
    folder = root / "data" / "2024"
    folder.mkdir(parents=True)
    for name in names:
        (folder / f"{name}.yaml").write_text(MINIMAL.replace("시험 사업", f"시험 사업 {name}"), encoding="utf-8")
    return root / "data"


def rolled(run: subprocess.CompletedProcess[str], pairs: list[tuple[str, str]], written: bool = True) -> None:
    assert (run.returncode, run.stderr) == (0, ""), run.stdout + run.stderr
    head = "2024년 문서 → 2025년 초안" + ("" if written else " (미리 보기: 아무것도 쓰지 않았습니다. 쓰려면 --write)")
    verb, done = ("씀", "쓴 초안") if written else ("옮길 것", "옮길 문서")
    assert run.stdout == "".join(
        [
            head + "\n",
            *(f"{verb}: {a} → {b}\n" for a, b in pairs),
            f"{done} {len(pairs)}개, 이미 있어 그대로 둔 것 0개, 끝난 사업 0개, 다른 연도 0개, 문제 있음 0개\n",
            SUMS.replace("6,623", f"{6623 * len(pairs):,}"),
        ]
    )


# --------------------------------------------------------------------------- where the year's folder is


def test_a_year_folder_above_the_data_folder_is_not_the_one(tmp_path: Path) -> None:
    """/x/2024/repo/data holds no year's folder: however the path is spelled, there is nowhere to put drafts."""
    repo = tmp_path / "x" / "2024" / "repo"
    data = repo / "data"
    data.mkdir(parents=True)
    (data / "a.yaml").write_text(MINIMAL, encoding="utf-8")
    before = tree(tmp_path)
    for given, cwd in [
        (str(data), tmp_path),
        ("2024/repo/data", tmp_path / "x"),
        ("data", repo),
        (str(data / "a.yaml"), tmp_path),
        ("2024/repo/data/a.yaml", tmp_path / "x"),
    ]:
        run = generate("rollover", given, "--to", "2025", "--write", cwd=cwd)
        shown = given if given.endswith(".yaml") else f"{given}/a.yaml"
        assert (run.returncode, run.stderr) == (1, ""), (given, run.stdout)
        assert run.stdout.splitlines()[1] == (
            f"옮기지 않음: {shown}: 경로에 2024 폴더가 없어 초안을 둘 곳을 모릅니다 — -o로 출력 폴더를 주세요"
        )
        assert tree(tmp_path) == before, given  # nothing in /x/2025 or anywhere


@pytest.mark.parametrize(
    "given, cwd, shown",
    [
        ("data", ".", "data/2024/a.yaml → data/2025/a.yaml"),
        ("data/2024", ".", "data/2024/a.yaml → data/2025/a.yaml"),
        ("data/2024/a.yaml", ".", "data/2024/a.yaml → data/2025/a.yaml"),
        ("2024", "data", "2024/a.yaml → 2025/a.yaml"),
        (".", "data/2024", "a.yaml → {data}/2025/a.yaml"),
    ],
)
def test_the_year_folder_is_the_data_folder_or_below_it(tmp_path: Path, given: str, cwd: str, shown: str) -> None:
    data = data_folder(tmp_path / "repo", "a")
    run = generate("rollover", given, "--to", "2025", "--write", cwd=tmp_path / "repo" / cwd)
    rolled(run, [tuple(shown.format(data=data).split(" → "))])  # type: ignore[list-item]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.yaml")) == [
        "repo/data/2024/a.yaml",
        "repo/data/2025/a.yaml",
    ]


# --------------------------------------------------------------------------- what is in the way


@pytest.mark.parametrize("with_out", [False, True], ids=["data/2025", "-o DIR/2025"])
def test_a_year_folder_linked_elsewhere_is_not_written_through(tmp_path: Path, with_out: bool) -> None:
    data = data_folder(tmp_path, "a", "b")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = tmp_path / "drafts" if with_out else data
    root.mkdir(exist_ok=True)
    (root / "2025").symlink_to(elsewhere)
    before = tree(tmp_path)
    out = ["-o", str(root)] if with_out else []
    run = generate("rollover", data, "--to", "2025", *out, "--write")
    assert refusal(run) == f"{root / '2025'}은(는) 링크라 그 안에 쓰지 않습니다 — {HINT}"
    assert tree(tmp_path) == before and not any(elsewhere.iterdir())


def test_a_file_where_the_year_folder_goes_is_exit_2_naming_it(tmp_path: Path) -> None:
    data = data_folder(tmp_path, "a", "b")
    (data / "2025").write_text("연도 폴더 자리에 둔 파일\n", encoding="utf-8")
    before = tree(tmp_path)
    run = generate("rollover", data / "2024", "--to", "2025", "--write")
    assert refusal(run) == (
        f"{data / '2025' / 'a.yaml'}에 쓸 수 없습니다: {data / '2025'}은(는) 폴더가 아닌 파일입니다"
    )
    assert tree(tmp_path) == before  # b's draft is not written either: every place is checked first
    # The preview writes nothing and does not check the places; --write is refused, as above.
    preview = generate("rollover", data / "2024", "--to", "2025")
    pairs = [(f"{data}/2024/{n}.yaml", f"{data}/2025/{n}.yaml") for n in "ab"]
    rolled(preview, pairs, written=False)


def _link_outside(path: Path, tmp_path: Path) -> str:
    (tmp_path / "outside.yaml").write_text("# 밖의 파일\n", encoding="utf-8")
    path.symlink_to(tmp_path / "outside.yaml")
    return "링크라"


def _dangling(path: Path, tmp_path: Path) -> str:
    path.symlink_to(tmp_path / "nowhere.yaml")
    return "링크라"


def _fifo(path: Path, tmp_path: Path) -> str:
    os.mkfifo(path)
    return "장치나 FIFO 같은 특수 파일이라"


def _folder(path: Path, tmp_path: Path) -> str:
    path.mkdir()
    return "폴더라"


@pytest.mark.parametrize("plant", [_link_outside, _dangling, _fifo, _folder], ids=["link", "dangling", "fifo", "dir"])
def test_a_node_at_a_drafts_name_is_never_replaced(tmp_path: Path, plant) -> None:
    data = data_folder(tmp_path, "a")
    (data / "2025").mkdir()
    target = data / "2025" / "a.yaml"
    kind = plant(target, tmp_path)
    before = tree(tmp_path)
    run = generate("rollover", data, "--to", "2025", "--write")
    assert refusal(run) == f"{target}은(는) {kind} 그 자리에 파일을 쓰지 않습니다 — {HINT}"
    assert tree(tmp_path) == before


def test_an_existing_draft_is_left_alone_with_exit_0(tmp_path: Path) -> None:
    data = data_folder(tmp_path, "a")
    (data / "2025").mkdir()
    (data / "2025" / "a.yaml").write_text("# 손으로 쓰기 시작한 내년 문서\n", encoding="utf-8")
    before = tree(tmp_path)
    run = generate("rollover", data / "2024", "--to", "2025", "--write")
    assert (run.returncode, run.stderr) == (0, "")
    assert f"그대로 둠: {data}/2024/a.yaml: {data}/2025/a.yaml이(가) 이미 있어 쓰지 않습니다\n" in run.stdout
    assert tree(tmp_path) == before


# --------------------------------------------------------------------------- kill -9, then the next run


def test_a_rollover_killed_while_writing_is_cleaned_by_the_next(tmp_path: Path) -> None:
    data = data_folder(tmp_path, "a")
    killed = generate("rollover", data, "--to", "2025", "--write", code=KILLED_WHILE_WRITING)
    assert killed.returncode == -signal.SIGKILL
    (left,) = leftovers(data / "2025")
    assert left.startswith(TMP_PREFIX) and left.endswith(".yaml")
    assert not (data / "2025" / "a.yaml").exists()  # the draft appears whole or not at all
    live = data / "2025" / f"{TMP_PREFIX}{os.getpid()}-live1234.yaml"  # a writer still running (this test)
    live.write_bytes(b"half")
    os.utime(live, (time.time() - 3600, time.time() - 3600))
    run = generate("rollover", data / "2024", "--to", "2025", "--write")
    rolled(run, [(f"{data}/2024/a.yaml", f"{data}/2025/a.yaml")])
    assert leftovers(data / "2025") == [live.name]
    assert (data / "2025" / "a.yaml").read_text(encoding="utf-8").startswith("fiscal_year: 2025\n")
