"""The versions of the data that ``diff`` compares: a folder, or a git revision read with git itself.

A revision is read with ``git ls-tree`` and one ``git cat-file --batch``, so the working
tree and the index are never touched. The files read are the ones ``check`` reads in a
folder (hidden ones, ``_`` folders and other suffixes are left out); links are not
followed. A :class:`Loader` shared by both versions loads a file that is the same in
both (same path, same bytes) once.

A revision is named for people by its short hash, subject and date (``HEAD~1 (9d190c1
「2025 본예산 반영」, 2026-11-30)``). A version that is neither a folder nor a revision is
refused with both reasons: what is at the path, and why git could not read it as a
revision (git missing, no repository there, no commit yet, no such revision: and which exist).
"""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from budgetdoc.check.rules import check, errors
from budgetdoc.errors import BudgetdocError
from budgetdoc.formats.load import LoadError, decode, load_text
from budgetdoc.formats.reading import MAX_DATA, MAX_WORKBOOK, TOO_BIG, TOO_BIG_WORKBOOK
from budgetdoc.formats.sources import WORKBOOK_SUFFIX, Source, discover, is_data_file, sheet_sources
from budgetdoc.model.document import Document, Problem, Project
from budgetdoc.names import shown_path

DEFAULT_FOLDER = "data"  # the folder of a revision given alone (``--data``)
SUBJECT_WIDTH = 40  # a commit subject longer than this is cut short (with …) in the version's name


class DiffError(BudgetdocError):
    """A version that cannot be read: not a folder, not a revision, git missing (exit 2)."""


class _NoGit(Exception):
    """git cannot be run at all."""


@dataclass(frozen=True)
class Doc:
    """One data file of a version."""

    key: str  # the path in the version without its suffix: the identity when there is no id
    path: str  # the path in the version, as shown
    project: Project | None  # None: it could not be loaded
    problems: tuple[Problem, ...] = ()  # why it could not be loaded, or (HEAD) what its checks found

    @property
    def errors(self) -> list[Problem]:
        """The problems that are errors (a document that could not be loaded has at least one)."""
        return errors(list(self.problems))


@dataclass
class Side:
    """One version of the data: where it comes from and its documents."""

    label: str  # for people: the folder, or the revision with its short hash, subject and date
    docs: list[Doc] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    version: dict[str, str] = field(default_factory=dict)  # for tools (JSON): folder, or revision and commit


class Loader:
    """Loads data files, each content once: a file the same in BASE and HEAD is read for both."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str, bytes], Document | LoadError] = {}

    def doc(self, key: str, path: str, data: bytes | None, checked: bool, source: Source | None = None) -> Doc:
        """The :class:`Doc` of ``data`` at ``path`` (its checks' problems too when ``checked``).

        With ``source``, it is loaded as ``check`` loads it (``data`` ``None``: unread, so not kept).
        """
        digest = (path, source.sheet if source is not None else "", hashlib.sha256(data or b"").digest())
        found = self.seen.get(digest) if data is not None else None
        if found is None:
            try:
                found = source.load() if source is not None else load_text(decode(data or b"", path), path)
            except LoadError as exc:
                found = exc
            if data is not None:
                self.seen[digest] = found
        if isinstance(found, LoadError):
            return Doc(key, path, None, tuple(found.problems))
        return Doc(key, path, found.project, tuple(check(found)) if checked else ())

    def workbook(self, key: str, path: str, data: bytes, checked: bool) -> list[Doc]:
        """One :class:`Doc` per project sheet of a workbook's bytes, keyed as ``check`` names them."""
        return [self.doc(s.rel, path, data, checked, s) for s in sheet_sources(Source(key, path, data=data))]


def read_folder(folder: str, checked: bool = False, loader: Loader | None = None) -> Side:
    """Every data file under ``folder`` (the same files ``check`` reads)."""
    loader = loader or Loader()
    side = Side(shown_path(folder), version={"folder": shown_path(folder)})
    for source in discover([folder], side.notes):
        path = shown_path(source.rel + PurePosixPath(source.path).suffix)
        source = source.with_read()  # without the bytes, the source says why they cannot be read
        side.docs.append(loader.doc(source.rel, path, source.data, checked, source))
    return side


def _run(repo: str, *args: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", repo, *args], input=data, capture_output=True, check=False)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise _NoGit() from None
        raise DiffError(f"git을 실행할 수 없습니다: {exc.strerror or exc}") from None


def _git(repo: str, *args: str, data: bytes | None = None) -> bytes:
    try:
        done = _run(repo, *args, data=data)
    except _NoGit:
        raise DiffError("git이 설치되어 있지 않습니다 (git 명령을 찾을 수 없습니다)") from None
    if done.returncode:
        raise DiffError(done.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} 실패")
    return done.stdout


def _why_not_a_revision(repo: str, revision: str) -> str:
    """Why ``revision`` could not be read from ``repo``: no git, no repository there, no commit, no such revision."""
    shown = shown_path(repo)
    if not os.path.isdir(repo):
        where = "파일입니다" if os.path.exists(repo) else "없습니다"
        return f"git 리비전으로 읽을 저장소(--repo) {shown}이(가) {where}"
    try:
        if _run(repo, "rev-parse", "--git-dir").returncode:
            return f"{shown}에 git 저장소가 없어 git 리비전으로도 읽을 수 없습니다"
        refs = _run(
            repo, "for-each-ref", "--format=%(refname:short)", "--sort=-committerdate", "refs/heads", "refs/tags"
        )
        commits = _run(repo, "rev-parse", "--verify", "--quiet", "HEAD").returncode == 0
    except _NoGit:
        return "git이 설치되어 있지 않아 git 리비전으로도 읽을 수 없습니다"
    names = refs.stdout.decode("utf-8", "replace").split()
    if not names and not commits:
        return f"저장소 {shown}에 아직 커밋이 없어 git 리비전으로도 읽을 수 없습니다"
    missing = f"저장소 {shown}에 git 리비전 '{revision}'도 없습니다"
    if not names:
        return missing
    more = f" 외 {len(names) - 5:,}개" if len(names) > 5 else ""
    return f"{missing} (있는 브랜치·태그: {', '.join(names[:5])}{more})"


def _not_a_folder(path: str) -> str:
    """What is at ``path`` on disk, when it is not a folder."""
    if os.path.lexists(path):
        return "폴더가 아닌 파일이고"
    return "그런 폴더가 없고"


def _subject(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUBJECT_WIDTH else text[: SUBJECT_WIDTH - 1] + "…"


def read_revision(
    repo: str, revision: str, folder: str, checked: bool = False, loader: Loader | None = None, name: str = ""
) -> Side:
    """The data files under ``folder`` (from the top of the repository) at git ``revision``.

    ``name`` is the version as it was given (``HEAD~1``, ``main:data/2024``): how the report names it.
    """
    loader = loader or Loader()
    name = name or f"{revision}:{folder}"
    try:
        found = _run(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}")
        ok = found.returncode == 0
    except _NoGit:
        ok = False
    if not ok:
        raise DiffError(f"'{shown_path(name)}': {_not_a_folder(name)}, {_why_not_a_revision(repo, revision)}")
    sha = found.stdout.decode().strip()
    short, date, subject = (
        _git(repo, "show", "-s", "--date=short", "--format=%h%x00%ad%x00%s", sha)
        .decode("utf-8", "replace")
        .rstrip("\n")
        .split("\0", 2)
    )
    where = folder.strip("/")
    side = Side(
        f"{shown_path(name)} ({short} 「{_subject(subject)}」, {date})",
        version={"revision": revision, "folder": where, "commit": sha, "subject": subject, "date": date},
    )
    spec = f"{sha}:{where}" if where else f"{sha}^{{tree}}"
    try:
        listing = _git(repo, "ls-tree", "-r", "-z", "-l", spec)
    except DiffError:
        side.notes.append(f"{revision}에 {where or '최상위'} 폴더가 없어 빈 것으로 봅니다")
        return side
    blobs: list[tuple[str, str]] = []
    links = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, obj_id, size = meta.split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if kind != b"blob" or not is_data_file(path):
            continue
        if mode == b"120000":
            links.append(path)
            continue
        # The size ls-tree gives, before any byte of the blob is read: over the limit, it is not read.
        workbook = path.lower().endswith(WORKBOOK_SUFFIX)
        if int(size) > (MAX_WORKBOOK if workbook else MAX_DATA):
            rule, message = TOO_BIG_WORKBOOK if workbook else TOO_BIG
            key = str(PurePosixPath(path).with_suffix(""))
            side.docs.append(Doc(key, shown_path(path), None, (Problem(shown_path(path), 1, 1, rule, message),)))
            continue
        blobs.append((path, obj_id.decode()))
    if links:
        side.notes.append(f"{side.label}: 심볼릭 링크 {len(links)}개는 읽지 않습니다: {', '.join(links[:5])}")
    contents = _cat(repo, [blob for _, blob in blobs])
    for path, blob in sorted(blobs):
        key = str(PurePosixPath(path).with_suffix(""))
        if path.lower().endswith(WORKBOOK_SUFFIX):
            side.docs.extend(loader.workbook(key, shown_path(path), contents[blob], checked))
        else:
            side.docs.append(loader.doc(key, shown_path(path), contents[blob], checked))
    return side


def _cat(repo: str, objects: list[str]) -> dict[str, bytes]:
    """The contents of git blobs, with one ``git cat-file --batch``."""
    if not objects:
        return {}
    out = _git(repo, "cat-file", "--batch", data="".join(f"{o}\n" for o in objects).encode())
    found: dict[str, bytes] = {}
    at = 0
    for obj in objects:
        header_end = out.index(b"\n", at)
        sha, _kind, size = out[at:header_end].split()
        start = header_end + 1
        found[obj] = out[start : start + int(size)]
        at = start + int(size) + 1
        assert sha.decode() == obj
    return found


def read_version(
    spec: str, repo: str = ".", folder: str = "data", checked: bool = False, loader: Loader | None = None
) -> Side:
    """A folder when ``spec`` is one; else the git revision ``REV`` (its ``folder``) or ``REV:PATH``.

    Give both versions one ``loader``, so that what did not change is loaded once.
    """
    if os.path.isdir(spec):
        return read_folder(spec, checked, loader)
    revision, colon, path = spec.partition(":")
    name = spec if colon or folder == DEFAULT_FOLDER else f"{spec}:{folder}"
    return read_revision(repo, revision, path if colon else folder, checked, loader, name)
