"""Shards: one build split into N parts (a CI matrix), and the parts merged again.

A data file belongs to part ``i`` of ``n`` by a hash of its identity, the path of its
output relative to the data folder (``2024/지역균형발전_추진``), not by its position in
the list: adding or removing other files never moves a file to another part, so each
part's own incremental build stays valid. Names that differ only in case (which clash
on some disks) fall in the same part.

Each part is built into its own output folder with its own manifest. :func:`merge`
joins those folders into one, refusing documents that two parts both hold and parts
made with different tools, templates, fonts or options (their environment keys in the
manifests differ). The merged manifest records the copied outputs as they are now on
disk, so an incremental build of the whole data folder on the merged folder renders
nothing.

A merge either completes or leaves the merged folder as it was: every part is checked
(every output's content hash too) before anything is written, then every file is copied
to a temporary file beside its place and only when all are copied are they renamed into
place, the manifest last. Only regular files inside a part are copied (a link in its
``_drafts/`` or book cache is refused, wherever it points), and only inside the merged
folder are they written (a link on the way there is refused too).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, NoReturn

from budgetdoc.batch.files import (
    BOOK_CACHE,
    DRAFTS,
    LOCK,
    clean_leftovers,
    locked,
    output_path,
    refuse_outside,
    unwritable,
    write_temp,
)
from budgetdoc.batch.manifest import MANIFEST, MANIFEST_VERSION, read_manifest
from budgetdoc.batch.manifest import save as _save
from budgetdoc.errors import BudgetdocError, OutputError, UsageError
from budgetdoc.formats.reading import os_message
from budgetdoc.names import shown_path

HINT = "지우거나 빈 폴더에 합치세요"  # past what is in the way in OUT: a link, a FIFO, a folder
CHUNK = 1024 * 1024  # bytes read at a time: a file is copied and hashed without being held whole


class MergeError(BudgetdocError):
    """Parts that cannot be merged (exit 2, one line)."""


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/4"`` → ``(2, 4)``; raises ``ValueError`` with the message for the user."""
    head, sep, tail = text.partition("/")
    try:
        i, n = int(head), int(tail)
    except ValueError:
        i = n = 0
    if not sep or n < 1 or not 1 <= i <= n:
        raise ValueError(f"샤드는 I/N 형식(1 ≤ I ≤ N)이어야 합니다: {text}")
    return i, n


def shard_of(rel: str, n: int) -> int:
    """The part (1..n) that the data file with output name ``rel`` belongs to."""
    digest = hashlib.sha256(rel.casefold().encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n + 1


def in_shard(rel: str, i: int, n: int) -> bool:
    """Whether the data file with output name ``rel`` belongs to part ``i`` of ``n``."""
    return shard_of(rel, n) == i


@dataclass
class MergeSummary:
    """What :func:`merge` joined."""

    parts: int = 0
    documents: int = 0
    files: int = 0
    book_parts: int = 0  # files of book parts (book --shard) joined into OUT/.budgetdoc-book/

    def line(self, out: str) -> str:
        """The closing line: what was merged into ``out``."""
        book = f", 책 부분 파일 {self.book_parts}개" if self.book_parts else ""
        return f"{out}: 샤드 {self.parts}개에서 문서 {self.documents}개, 파일 {self.files}개{book}를 합쳤습니다"


@dataclass
class _Copy:
    """One file merge copies: from a part to its place below OUT."""

    source: Path
    rel: PurePath  # below OUT
    kind: str  # "output", "draft" or "book"
    digest: str | None = None  # the content it must have (an output's hash in the manifest, a book part's)
    document: tuple[str, str] | None = None  # an output's (name, format)


def _open(path: Path) -> int:
    """A descriptor of the regular file ``path`` (never a link, FIFO or device); raises :class:`MergeError`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as exc:
        raise MergeError(f"{shown_path(str(path))}: {os_message(exc)}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise MergeError(f"{shown_path(str(path))}: 일반 파일이 아니라 합칠 수 없습니다")
    return fd


def _chunks(path: Path, digest: Any) -> Iterator[bytes]:
    """The bytes of ``path`` a piece at a time, each added to ``digest`` (a hashlib object)."""
    fd = _open(path)
    try:
        while True:
            try:
                chunk = os.read(fd, CHUNK)
            except OSError as exc:
                raise MergeError(f"{shown_path(str(path))}: {os_message(exc)}") from None
            if not chunk:
                return
            digest.update(chunk)
            yield chunk
    finally:
        os.close(fd)


def _hash(path: Path) -> str:
    digest = hashlib.sha256()
    for _ in _chunks(path, digest):
        pass
    return digest.hexdigest()


def _files(folder: Path, nested: bool) -> list[PurePath]:
    """The regular files in ``folder`` of a part (and in its folders with ``nested``), by name below it.

    Hidden names (the book cache's lock, temporary files) are passed over. A link, wherever
    it points, and anything but a regular file or a folder raise :class:`MergeError`.
    """
    try:
        mode = os.lstat(folder).st_mode
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise MergeError(f"{shown_path(str(folder))}: {os_message(exc)}") from None
    if not stat.S_ISDIR(mode):
        _refuse(folder, mode, "폴더가 아니라")
    found: list[PurePath] = []
    todo = [PurePath()]
    while todo:
        rel = todo.pop()
        try:
            names = sorted(os.listdir(folder / rel))
        except OSError as exc:
            raise MergeError(f"{shown_path(str(folder / rel))}: {os_message(exc)}") from None
        for name in names:
            if name.startswith("."):
                continue
            try:
                mode = os.lstat(folder / rel / name).st_mode
            except OSError as exc:
                raise MergeError(f"{shown_path(str(folder / rel / name))}: {os_message(exc)}") from None
            if stat.S_ISREG(mode):
                found.append(rel / name)
            elif stat.S_ISDIR(mode):
                if nested:
                    todo.append(rel / name)
            else:
                _refuse(folder / rel / name, mode, "일반 파일이 아니라")
    return sorted(found)


def _refuse(path: Path, mode: int, why: str) -> NoReturn:
    """A link in a part (wherever it points) or another node merge does not copy."""
    if stat.S_ISLNK(mode):
        why = f"링크라 합칠 수 없습니다 (→ {shown_path(os.path.realpath(path))}) — 샤드 폴더 안의 일반 파일만 합칩니다"
    else:
        why += " 합칠 수 없습니다"
    raise MergeError(f"{shown_path(str(path))}: {why}")


def _read_part(part: Path) -> dict[str, Any]:
    """The manifest of one part; an empty one for a part without documents (an empty shard, book parts only)."""
    if not part.is_dir():
        raise MergeError(f"{shown_path(str(part))}: 폴더가 없습니다")
    if not (part / MANIFEST).exists():
        if any(p.name not in (LOCK, BOOK_CACHE) for p in part.iterdir()):
            raise MergeError(f"{shown_path(str(part))}: 빌드 매니페스트({MANIFEST})가 없어 합칠 수 없습니다")
        return {"version": MANIFEST_VERSION, "documents": {}}
    notes: list[str] = []
    manifest = read_manifest(part, notes)
    if notes:
        raise MergeError(notes[0].replace("모든 출력을 다시 확인합니다", "합칠 수 없습니다"))
    if manifest["documents"] and not isinstance(manifest.get("environment"), str):
        raise MergeError(f"{shown_path(str(part / MANIFEST))}: 환경 키가 없습니다 — 이 버전의 build로 다시 만드세요")
    return manifest


def merge(out: Path, parts: list[Path]) -> MergeSummary:
    """Join the output folders ``parts`` into ``out`` (absent or without documents yet).

    Every part is checked before anything is written: same environment key, no
    document or draft in two parts, every recorded output present with its recorded
    size and content hash, only regular files; and every place in ``out``: no link on
    the way, nothing but a regular file where a file goes. Then everything is copied
    beside its place and renamed into place, the manifest last; a merge that fails
    leaves ``out`` as it was. Raises :class:`MergeError`.
    """
    out = out.resolve()
    summary = MergeSummary()
    read: list[tuple[Path, dict[str, Any]]] = []
    for given in parts:
        part = given.resolve()
        if part == out:
            raise MergeError(f"{shown_path(str(given))}: 합칠 폴더와 결과 폴더가 같습니다")
        read.append((part, _read_part(part)))
        summary.parts += 1
    environments = {m["environment"]: p for p, m in read if m["documents"]}
    if len(environments) > 1:
        (a, pa), (b, pb) = sorted(environments.items(), key=lambda kv: str(kv[1]))[:2]
        raise MergeError(
            f"{shown_path(str(pa))}와(과) {shown_path(str(pb))}는 서로 다른 도구·템플릿·글꼴·옵션으로 만들어져 "
            f"합칠 수 없습니다 (환경 키 {a[:12]} ≠ {b[:12]})"
        )
    documents, copies = _plan(out, read)
    copies = _check_out(out, copies)
    for copy in copies:
        if copy.kind == "output" and copy.digest is not None and _hash(copy.source) != copy.digest:
            raise MergeError(f"{shown_path(str(copy.source))}: 내용이 매니페스트의 해시와 다릅니다")
    with locked(out):
        copies = _check_out(out, copies)  # again, now that no build or merge can change it
        clean_leftovers(out, stale_only=True)
        try:
            done = _commit(out, _stage(out, copies))
            for copy, recorded in done:
                if copy.document is not None:
                    rel, fmt = copy.document
                    documents[rel]["outputs"][fmt] = recorded
            if documents:
                environment = next(iter(environments))
                _save(out, {"version": MANIFEST_VERSION, "environment": environment, "documents": documents})
        except OSError as exc:
            raise MergeError(str(unwritable(exc))) from None
    summary.documents = len(documents)
    summary.files = sum(copy.kind != "book" for copy in copies)
    summary.book_parts = sum(copy.kind == "book" for copy in copies)
    return summary


def _plan(out: Path, read: list[tuple[Path, dict[str, Any]]]) -> tuple[dict[str, dict[str, Any]], list[_Copy]]:
    """The merged manifest's entries (without their outputs yet) and every file to copy; raises :class:`MergeError`."""
    documents: dict[str, dict[str, Any]] = {}
    copies: list[_Copy] = []
    owner: dict[str, Path] = {}
    drafts: dict[str, Path] = {}
    book: dict[str, tuple[str, Path]] = {}
    for part, manifest in read:
        for rel, entry in manifest["documents"].items():
            if rel.casefold() in owner:
                raise MergeError(
                    f"{shown_path(rel)}: {shown_path(str(owner[rel.casefold()]))}와(과) {shown_path(str(part))}에 "
                    "모두 있습니다 (겹치는 샤드는 합칠 수 없습니다)"
                )
            owner[rel.casefold()] = part
            documents[rel] = {"key": entry.get("key"), "outputs": {}}
            where = entry.get("source")
            if isinstance(where, str):
                documents[rel]["source"] = os.path.relpath(os.path.normpath(os.path.join(part, where)), out)
            check = entry.get("key") is not None
            outputs = entry.get("outputs")
            for fmt, recorded in (outputs if isinstance(outputs, dict) else {}).items():
                path = _output(part, rel, fmt)
                try:
                    size = os.stat(path).st_size
                except OSError:
                    if not check:
                        continue  # a document that failed: what it had is copied if it is there
                    raise MergeError(f"{shown_path(str(path))}: 매니페스트에 있는 출력이 없습니다") from None
                if check and (not isinstance(recorded, list) or len(recorded) != 3 or recorded[0] != size):
                    raise MergeError(f"{shown_path(str(path))}: 매니페스트에 적힌 크기와 다릅니다")
                digest = recorded[2] if check else None
                copies.append(_Copy(path, PurePath(f"{rel}.{fmt}"), "output", digest, (rel, fmt)))
        for name in _files(part / DRAFTS, nested=True):
            key = name.as_posix().casefold()
            if key in drafts:
                raise MergeError(
                    f"{DRAFTS}/{name.as_posix()}: {shown_path(str(drafts[key]))}와(과) {shown_path(str(part))}에 "
                    "모두 있습니다 (겹치는 샤드는 합칠 수 없습니다)"
                )
            drafts[key] = part
            copies.append(_Copy(part / DRAFTS / name, PurePath(DRAFTS) / name, "draft"))
        for name in _files(part / BOOK_CACHE, nested=False):
            source = part / BOOK_CACHE / name
            digest = _hash(source)  # content-addressed: a name present twice must hold the same bytes
            if name.as_posix() in book:
                if book[name.as_posix()][0] != digest:
                    raise MergeError(f"{shown_path(str(source))}: 같은 이름의 책 부분이 다른 샤드와 내용이 다릅니다")
                continue
            book[name.as_posix()] = (digest, source)
            copies.append(_Copy(source, PurePath(BOOK_CACHE) / name, "book", digest))
    return documents, copies


def _check_out(out: Path, copies: list[_Copy]) -> list[_Copy]:
    """The copies to make, once ``out`` is checked; raises :class:`MergeError`.

    Refused: ``out`` holding documents, or a place in it that cannot take its file (a link
    on the way, a link, FIFO, device or folder where the file goes). A book part already
    in ``out`` with the same content is not copied again; with other content it is refused.
    """
    try:
        refuse_outside(out, PurePath(MANIFEST), HINT)
        for copy in copies:
            refuse_outside(out, copy.rel, HINT)
    except OutputError as exc:
        raise MergeError(str(exc)) from None
    if read_manifest(out)["documents"]:
        raise MergeError(f"{shown_path(str(out))}: 이미 빌드 결과가 있습니다 — 빈 폴더에 합치세요")
    todo: list[_Copy] = []
    for copy in copies:
        there = out / copy.rel
        if copy.kind == "book" and os.path.lexists(there):
            if _hash(there) != copy.digest:
                raise MergeError(f"{shown_path(str(copy.source))}: 같은 이름의 책 부분이 다른 샤드와 내용이 다릅니다")
            continue
        todo.append(copy)
    return todo


def _stage(out: Path, copies: list[_Copy]) -> list[tuple[_Copy, str, str]]:
    """Copy every file to a temporary file beside its place: (copy, temporary file, content hash).

    A file whose content changed since it was checked stops the merge. On any failure the
    temporary files and the folders made for them are removed: ``out`` is as it was.
    """
    staged: list[tuple[_Copy, str, str]] = []
    made: list[Path] = []
    try:
        for copy in copies:
            target = out / copy.rel
            digest = hashlib.sha256()
            try:
                made.extend(_make_folders(out, target.parent))
                tmp = write_temp(target.parent, _chunks(copy.source, digest), target.suffix)
            except OSError as exc:
                raise MergeError(str(unwritable(exc, target))) from None
            staged.append((copy, tmp, digest.hexdigest()))
            if copy.digest is not None and digest.hexdigest() != copy.digest:
                raise MergeError(f"{shown_path(str(copy.source))}: 확인한 뒤에 내용이 바뀌었습니다 — 다시 합치세요")
    except BaseException:
        for _, tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return staged


def _make_folders(out: Path, folder: Path) -> list[Path]:
    """Make ``folder`` below ``out`` (``out`` itself exists); the folders made, outermost first."""
    made: list[Path] = []
    here = out
    for name in folder.relative_to(out).parts:
        here = here / name
        try:
            os.mkdir(here)
        except FileExistsError:
            continue
        made.append(here)
    return made


def _commit(out: Path, staged: list[tuple[_Copy, str, str]]) -> list[tuple[_Copy, list[int | str]]]:
    """Rename every staged file into place; each copy with what the manifest records of it."""
    done: list[tuple[_Copy, list[int | str]]] = []
    try:
        for copy, tmp, digest in staged:
            target = out / copy.rel
            try:
                os.replace(tmp, target)
                st = target.stat()
            except OSError as exc:
                raise MergeError(str(unwritable(exc, target))) from None
            done.append((copy, [st.st_size, st.st_mtime_ns, digest]))
    finally:
        for _, tmp, _ in staged[len(done) :]:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return done


def _output(base: Path, rel: str, fmt: str) -> Path:
    try:
        return output_path(base, rel, fmt)
    except UsageError as exc:
        raise MergeError(str(exc)) from None
