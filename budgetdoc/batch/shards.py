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
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from budgetdoc.batch.files import BOOK_CACHE, DRAFTS, LOCK, locked, output_path, unwritable
from budgetdoc.batch.files import write_atomic as _write_atomic
from budgetdoc.batch.manifest import MANIFEST, MANIFEST_VERSION, read_manifest
from budgetdoc.batch.manifest import save as _save
from budgetdoc.errors import BudgetdocError, UsageError
from budgetdoc.names import shown_path


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


def _draft_files(part: Path) -> list[str]:
    drafts = part / DRAFTS
    return sorted(p.relative_to(drafts).as_posix() for p in drafts.rglob("*") if p.is_file()) if drafts.is_dir() else []


def _merge_book_cache(source: Path, target: Path) -> int:
    """Copy the book parts a shard rendered (content-addressed: a name present twice must hold the same bytes)."""
    if not source.is_dir():
        return 0
    copied = 0
    for path in sorted(source.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        data = path.read_bytes()
        there = target / path.name
        if there.exists():
            if there.read_bytes() != data:
                raise MergeError(f"{shown_path(str(path))}: 같은 이름의 책 부분이 다른 샤드와 내용이 다릅니다")
            continue
        _write_atomic(there, data)
        copied += 1
    return copied


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
    size. Each output's content hash is checked as it is copied. Raises
    :class:`MergeError`.
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
    owner: dict[str, Path] = {}
    drafts: dict[str, Path] = {}
    for part, manifest in read:
        for rel, entry in manifest["documents"].items():
            if rel.casefold() in owner:
                raise MergeError(
                    f"{shown_path(rel)}: {shown_path(str(owner[rel.casefold()]))}와(과) {shown_path(str(part))}에 "
                    "모두 있습니다 (겹치는 샤드는 합칠 수 없습니다)"
                )
            owner[rel.casefold()] = part
            outputs = entry.get("outputs")
            if entry.get("key") is None or not isinstance(outputs, dict):
                continue
            for fmt, recorded in outputs.items():
                path = _output(part, rel, fmt)
                try:
                    size = path.stat().st_size
                except OSError:
                    raise MergeError(f"{shown_path(str(path))}: 매니페스트에 있는 출력이 없습니다") from None
                if not isinstance(recorded, list) or len(recorded) != 3 or recorded[0] != size:
                    raise MergeError(f"{shown_path(str(path))}: 매니페스트에 적힌 크기와 다릅니다")
        for name in _draft_files(part):
            if name.casefold() in drafts:
                raise MergeError(
                    f"{DRAFTS}/{name}: {shown_path(str(drafts[name.casefold()]))}와(과) {shown_path(str(part))}에 "
                    "모두 있습니다 (겹치는 샤드는 합칠 수 없습니다)"
                )
            drafts[name.casefold()] = part
    with locked(out):
        existing = read_manifest(out)
        if existing["documents"]:
            raise MergeError(f"{shown_path(str(out))}: 이미 빌드 결과가 있습니다 — 빈 폴더에 합치세요")
        documents: dict[str, Any] = {}
        try:
            for part, manifest in read:
                for rel, entry in manifest["documents"].items():
                    documents[rel] = _copy_entry(part, out, rel, entry, check=entry.get("key") is not None)
                    summary.documents += 1
                    summary.files += len(documents[rel].get("outputs", {}))
                for name in _draft_files(part):
                    _write_atomic(out / DRAFTS / name, (part / DRAFTS / name).read_bytes())
                    summary.files += 1
                summary.book_parts += _merge_book_cache(part / BOOK_CACHE, out / BOOK_CACHE)
            if documents:
                environment = next(iter(environments))
                _save(out, {"version": MANIFEST_VERSION, "environment": environment, "documents": documents})
        except OSError as exc:
            raise MergeError(str(unwritable(exc))) from None
    return summary


def _output(base: Path, rel: str, fmt: str) -> Path:
    try:
        return output_path(base, rel, fmt)
    except UsageError as exc:
        raise MergeError(str(exc)) from None


def _copy_entry(part: Path, out: Path, rel: str, entry: dict[str, Any], check: bool) -> dict[str, Any]:
    """Copy one document's outputs from ``part`` to ``out``; its manifest entry as it is in ``out``."""
    copied: dict[str, Any] = {"key": entry.get("key"), "outputs": {}}
    where = entry.get("source")
    if isinstance(where, str):
        copied["source"] = os.path.relpath(os.path.normpath(os.path.join(part, where)), out)
    outputs = entry.get("outputs")
    for fmt, recorded in (outputs if isinstance(outputs, dict) else {}).items():
        source = _output(part, rel, fmt)
        try:
            data = source.read_bytes()
        except FileNotFoundError:
            if check:
                raise
            continue
        digest = hashlib.sha256(data).hexdigest()
        if check and digest != recorded[2]:
            raise MergeError(f"{shown_path(str(source))}: 내용이 매니페스트의 해시와 다릅니다")
        target = _output(out, rel, fmt)
        _write_atomic(target, data)
        st = target.stat()
        copied["outputs"][fmt] = [st.st_size, st.st_mtime_ns, digest]
    return copied
