"""merge against hostile parts and output folders, and what every writer does after a ``kill -9``.

Each case runs the real command in its own process, with a time limit and a 2 GB address
space. The parts are made by hand (a manifest and its outputs, as ``build --shard`` leaves
them), so that each case puts one hostile thing where a build would never put it. Every
refusal is one line, exit code 2, with the trees around it the same before and after:
nothing written outside the folder named, no node replaced, the merged folder as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import MINIMAL
from processes import KILLED_WHILE_WRITING, generate, refusal, tree

from budgetdoc.batch.files import TMP_PREFIX
from budgetdoc.batch.manifest import MANIFEST, MANIFEST_VERSION

ENV = "e" * 64
HINT = "지우거나 빈 폴더에 합치세요"
PART_HINT = "샤드 폴더 안의 일반 파일만 합칩니다"


def make_part(folder: Path, docs: dict[str, bytes]) -> Path:
    """An output folder as ``build --shard`` leaves it: an HTML output per document and the manifest."""
    folder.mkdir(parents=True)
    documents: dict[str, Any] = {}
    for rel, data in docs.items():
        path = folder / f"{rel}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        st = path.stat()
        digest = hashlib.sha256(data).hexdigest()
        documents[rel] = {"key": f"key-{rel}", "outputs": {"html": [st.st_size, st.st_mtime_ns, digest]}}
    manifest = {"version": MANIFEST_VERSION, "environment": ENV, "documents": documents}
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.fixture
def parts(tmp_path: Path) -> tuple[Path, Path]:
    """Two parts: 2024/a in the first (with a draft and a book part), 2024/b in the second."""
    one = make_part(tmp_path / "shards" / "1", {"2024/a": b"<html>a</html>"})
    (one / "_drafts" / "2024").mkdir(parents=True)
    (one / "_drafts" / "2024" / "c.html").write_bytes(b"<html>draft c</html>")
    (one / ".budgetdoc-book").mkdir()
    (one / ".budgetdoc-book" / "k1.pdf").write_bytes(b"%PDF-1.7 part")
    two = make_part(tmp_path / "shards" / "2", {"2024/b": b"<html>b</html>"})
    return one, two


def merged(run: subprocess.CompletedProcess[str], out: Path, documents: int, files: int, book: int) -> None:
    assert (run.returncode, run.stdout) == (0, ""), run.stderr
    extra = f", 책 부분 파일 {book}개" if book else ""
    assert run.stderr == f"{out}: 샤드 2개에서 문서 {documents}개, 파일 {files}개{extra}를 합쳤습니다\n"


def test_two_parts_merge(parts: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    merged(generate("merge", out, *parts), out, 2, 3, 1)
    assert (out / "2024" / "a.html").read_bytes() == b"<html>a</html>"
    assert (out / "_drafts" / "2024" / "c.html").read_bytes() == b"<html>draft c</html>"
    assert (out / ".budgetdoc-book" / "k1.pdf").read_bytes() == b"%PDF-1.7 part"
    assert sorted(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["documents"]) == ["2024/a", "2024/b"]


# --------------------------------------------------------------------------- links and special files in a part


def _link_a_draft(part: Path, secret: Path) -> Path:
    link = part / "_drafts" / "2024" / "passwd.html"
    link.symlink_to(secret)
    return link


def _link_the_drafts(part: Path, secret: Path) -> Path:
    (part / "_drafts" / "2024" / "c.html").unlink()
    (part / "_drafts" / "2024").rmdir()
    (part / "_drafts").rmdir()
    (part / "_drafts").symlink_to(secret.parent)
    return part / "_drafts"


def _link_a_drafts_folder(part: Path, secret: Path) -> Path:
    (part / "_drafts" / "etc").symlink_to(secret.parent)
    return part / "_drafts" / "etc"


def _link_a_book_part(part: Path, secret: Path) -> Path:
    (part / ".budgetdoc-book" / "k2.pdf").symlink_to(secret)
    return part / ".budgetdoc-book" / "k2.pdf"


def _link_the_book_cache(part: Path, secret: Path) -> Path:
    for path in (part / ".budgetdoc-book").iterdir():
        path.unlink()
    (part / ".budgetdoc-book").rmdir()
    (part / ".budgetdoc-book").symlink_to(secret.parent)
    return part / ".budgetdoc-book"


def _link_inside_the_part(part: Path, secret: Path) -> Path:
    link = part / "_drafts" / "2024" / "again.html"
    link.symlink_to(part / "2024" / "a.html")
    return link


@pytest.mark.parametrize(
    "plant",
    [
        _link_a_draft,
        _link_the_drafts,
        _link_a_drafts_folder,
        _link_a_book_part,
        _link_the_book_cache,
        _link_inside_the_part,
    ],
    ids=["draft", "_drafts", "folder in _drafts", "book part", ".budgetdoc-book", "link inside the part"],
)
def test_a_link_in_a_part_is_refused_wherever_it_points(parts: tuple[Path, Path], tmp_path: Path, plant) -> None:
    secret = tmp_path / "private" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0::/root:/bin/bash\n", encoding="utf-8")
    link = plant(parts[0], secret)
    before = tree(tmp_path)
    out = tmp_path / "out"
    assert refusal(generate("merge", out, *parts)) == (
        f"{link}: 링크라 합칠 수 없습니다 (→ {os.path.realpath(link)}) — {PART_HINT}"
    )
    assert tree(tmp_path) == before  # OUT not even made


def test_a_fifo_in_a_part_is_refused_without_hanging(parts: tuple[Path, Path], tmp_path: Path) -> None:
    fifo = parts[0] / "_drafts" / "2024" / "pipe.html"
    os.mkfifo(fifo)
    before = tree(tmp_path)
    assert refusal(generate("merge", tmp_path / "out", *parts)) == f"{fifo}: 일반 파일이 아니라 합칠 수 없습니다"
    assert tree(tmp_path) == before


def test_an_output_linked_out_of_its_part_is_refused(parts: tuple[Path, Path], tmp_path: Path) -> None:
    secret = tmp_path / "secret.html"
    secret.write_bytes(b"<html>a</html>")  # the recorded size and hash: only where it is decides
    output = parts[0] / "2024" / "a.html"
    output.unlink()
    output.symlink_to(secret)
    before = tree(tmp_path)
    assert refusal(generate("merge", tmp_path / "out", *parts)) == "출력 경로가 출력 폴더 밖입니다: 2024/a"
    assert tree(tmp_path) == before


# --------------------------------------------------------------------------- links and special files in OUT


@pytest.mark.parametrize("folder", ["_drafts", ".budgetdoc-book", "2024"])
def test_a_folder_of_out_linked_elsewhere_is_not_written_through(
    parts: tuple[Path, Path], tmp_path: Path, folder: str
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / folder).symlink_to(elsewhere)
    before = tree(tmp_path)
    assert refusal(generate("merge", out, *parts)) == f"{out / folder}은(는) 링크라 그 안에 쓰지 않습니다 — {HINT}"
    assert tree(tmp_path) == before


def _a_link_to_a_file_outside(path: Path, tmp_path: Path) -> str:
    (tmp_path / "outside.html").write_bytes(b"keep")
    path.symlink_to(tmp_path / "outside.html")
    return "링크라"


def _a_dangling_link(path: Path, tmp_path: Path) -> str:
    path.symlink_to(tmp_path / "nowhere")
    return "링크라"


def _a_fifo(path: Path, tmp_path: Path) -> str:
    os.mkfifo(path)
    return "장치나 FIFO 같은 특수 파일이라"


def _a_folder(path: Path, tmp_path: Path) -> str:
    path.mkdir()
    return "폴더라"


@pytest.mark.parametrize("name", ["2024/a.html", "_drafts/2024/c.html", ".budgetdoc-book/k1.pdf", MANIFEST])
@pytest.mark.parametrize(
    "plant", [_a_link_to_a_file_outside, _a_dangling_link, _a_fifo, _a_folder], ids=["link", "dangling", "fifo", "dir"]
)
def test_a_node_where_a_file_goes_is_never_replaced(parts: tuple[Path, Path], tmp_path: Path, name: str, plant) -> None:
    out = tmp_path / "out"
    (out / name).parent.mkdir(parents=True, exist_ok=True)
    kind = plant(out / name, tmp_path)
    before = tree(tmp_path)
    assert (
        refusal(generate("merge", out, *parts)) == f"{out / name}은(는) {kind} 그 자리에 파일을 쓰지 않습니다 — {HINT}"
    )
    assert tree(tmp_path) == before


def test_a_file_where_a_folder_of_out_goes_is_named(parts: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "_drafts").write_bytes(b"not a folder")
    before = tree(tmp_path)
    assert refusal(generate("merge", out, *parts)) == (
        f"{out / '_drafts/2024/c.html'}에 쓸 수 없습니다: {out / '_drafts'}은(는) 폴더가 아닌 파일입니다"
    )
    assert tree(tmp_path) == before


# --------------------------------------------------------------------------- a refused merge leaves OUT as it was


@pytest.mark.parametrize("out_exists", [False, True], ids=["new OUT", "OUT with files"])
def test_a_hash_mismatch_in_a_later_part_writes_nothing(
    parts: tuple[Path, Path], tmp_path: Path, out_exists: bool
) -> None:
    out = tmp_path / "out"
    if out_exists:
        (out / "2024").mkdir(parents=True)
        (out / "README.txt").write_text("손으로 둔 파일\n", encoding="utf-8")
    victim = parts[1] / "2024" / "b.html"
    victim.write_bytes(b"<html>B</html>")  # same size, other bytes
    before = tree(tmp_path)
    assert refusal(generate("merge", out, *parts)) == f"{victim}: 내용이 매니페스트의 해시와 다릅니다"
    assert tree(tmp_path) == before


def test_a_disk_full_while_copying_leaves_out_as_it_was(mounted: Path, tmp_path: Path) -> None:
    one = make_part(tmp_path / "shards" / "1", {"a": os.urandom(200 * 1024)})
    two = make_part(tmp_path / "shards" / "2", {"b": os.urandom(400 * 1024)})
    out = mounted / "out"
    out.mkdir()
    (out / "README.txt").write_text("손으로 둔 파일\n", encoding="utf-8")
    before = tree(out)
    message = refusal(generate("merge", out, one, two))
    assert message == f"{out / 'b.html'}에 쓸 수 없습니다: 디스크에 남은 공간이 없습니다"
    after = tree(out)
    assert after.pop(".budgetdoc.lock")[0] == "file"  # the lock it took stays, as a build's does
    assert after == before  # a.html was copied beside its place, and is gone with the rest


# --------------------------------------------------------------------------- kill -9, then the next run


def _plant_leftovers(folder: Path) -> tuple[list[str], list[str]]:
    """Temporary files as writers leave them: (those a writer must remove, those it must leave)."""
    hour_ago, two_days_ago = time.time() - 3600, time.time() - 2 * 86400
    gone = 4_194_305  # above any pid_max: never a running process
    plants = {
        f"{TMP_PREFIX}{gone}-abcd1234.html": hour_ago,  # a killed writer's
        f"{TMP_PREFIX}q1w2e3r4.html": hour_ago,  # an earlier version's name, without a process number
        f"{TMP_PREFIX}{os.getpid()}-old12345.html": two_days_ago,  # its number long since taken by this test
        f"{TMP_PREFIX}{os.getpid()}-live1234.html": hour_ago,  # a writer still running (this test)
    }
    for name, when in plants.items():
        (folder / name).write_bytes(b"half")
        os.utime(folder / name, (when, when))
    names = list(plants)
    return names[:3], names[3:]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob(f"{TMP_PREFIX}*"))


def test_a_merge_killed_while_copying_is_cleaned_by_the_next(parts: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    killed = generate("merge", out, *parts, code=KILLED_WHILE_WRITING)
    assert killed.returncode == -signal.SIGKILL
    left = leftovers(out)
    assert len(left) == 1 and left[0].startswith(f"2024/{TMP_PREFIX}")  # the first copy, never renamed
    assert not (out / "2024" / "a.html").exists() and not (out / MANIFEST).exists()
    stale, live = _plant_leftovers(out / "2024")
    merged(generate("merge", out, *parts), out, 2, 3, 1)
    assert leftovers(out) == [f"2024/{name}" for name in live]
    assert not any((out / "2024" / name).exists() for name in stale)


def test_export_killed_while_writing_is_cleaned_by_the_next(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(MINIMAL, encoding="utf-8")
    books = tmp_path / "books"
    books.mkdir()
    killed = generate("export", tmp_path / "a.yaml", "-o", books / "all.xlsx", code=KILLED_WHILE_WRITING)
    assert killed.returncode == -signal.SIGKILL
    (left,) = leftovers(books)
    assert left.endswith(".xlsx")
    with pytest.raises(ProcessLookupError):
        os.kill(killed_pid(left), 0)  # named after the writer, which is gone
    assert not (books / "all.xlsx").exists()
    stale, live = _plant_leftovers(books)
    run = generate("export", tmp_path / "a.yaml", "-o", books / "all.xlsx")
    assert run.returncode == 0, run.stderr
    assert leftovers(books) == live
    assert (books / "all.xlsx").read_bytes().startswith(b"PK")


def killed_pid(name: str) -> int:
    """The process number in a temporary file's name."""
    return int(name[len(TMP_PREFIX) :].split("-", 1)[0])
