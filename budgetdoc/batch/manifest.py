"""The build's memory: the manifest of what each output was made from, and the environment key.

A document is fresh when the manifest holds, for its output name, the key made of its data
file's bytes and of :func:`environment_key`, and its outputs on disk still have the recorded
size and time (or, failing the time, content hash).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from budgetdoc import __version__
from budgetdoc.batch.files import DRAFTS, FORMATS, output_path, write_atomic
from budgetdoc.errors import UsageError
from budgetdoc.formats.reading import Refused, read_file
from budgetdoc.names import shown_path
from budgetdoc.write import assets

if TYPE_CHECKING:
    from budgetdoc.batch.job import Options

MANIFEST = ".budgetdoc-manifest.json"
MANIFEST_VERSION = 2
# The engine whose every module is part of the build key, in every folder: a module that
# moves or is added can never drop out of it.
PACKAGE = Path(__file__).resolve().parent.parent
NOT_OUTPUT_TEMPLATES = {"serve"}  # folders of templates/ that shape no output (the live preview's pages)


def environment_key(options: Options) -> str:
    """Hash of everything besides the YAML that shapes the outputs (computed once per build)."""
    digest = hashlib.sha256()
    digest.update(f"budgetdoc {__version__}".encode())
    for package in ("weasyprint", "pydyf", "jinja2", "python-hwpx"):
        try:
            digest.update(f"{package} {version(package)}".encode())
        except PackageNotFoundError:
            pass
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    digest.update(json.dumps([sorted(options.formats), options.variant, epoch]).encode())
    templates = assets.TEMPLATES
    for path in sorted(templates.rglob("*")):
        if path.is_file() and path.relative_to(templates).parts[0] not in NOT_OUTPUT_TEMPLATES:
            digest.update(path.relative_to(templates).as_posix().encode())
            digest.update(path.read_bytes())
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(assets.fonts_fingerprint().encode())
    return digest.hexdigest()


MAX_MANIFEST = 256 * 1024 * 1024  # bytes: far above a manifest of 100,000 documents


def _safe_key(rel: object) -> bool:
    """A document's key as the build writes it: a relative path inside the output, no NUL, no ``..``."""
    if not isinstance(rel, str) or not rel or "\0" in rel or rel.startswith(("/", "\\")):
        return False
    return ".." not in PurePosixPath(rel).parts


def read_manifest(out: Path, warnings: list[str] | None = None) -> dict[str, Any]:
    """The manifest of ``out``; an unreadable or foreign one counts as empty (and is told in ``warnings``)."""
    empty: dict[str, Any] = {"version": MANIFEST_VERSION, "documents": {}}
    path = out / MANIFEST
    said = warnings if warnings is not None else []
    why = "형식이 다릅니다"
    try:
        # The one reader: a regular file only (a FIFO cannot hang the build), never more than the limit.
        data = json.loads(read_file(path, limit=MAX_MANIFEST).decode("utf-8"))
    except Refused as exc:
        if exc.errno == errno.ENOENT:
            return empty
        data, why = None, exc.message
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested deeper than any manifest
        data, why = None, "JSON이 아닙니다"
    if (
        not isinstance(data, dict)
        or data.get("version") != MANIFEST_VERSION
        or not isinstance(data.get("documents"), dict)
        or not all(_safe_key(rel) for rel in data["documents"])
    ):
        said.append(f"{shown_path(str(path))}: 매니페스트를 읽을 수 없어({why}) 모든 출력을 다시 확인합니다")
        return empty
    data["documents"] = {rel: e for rel, e in data["documents"].items() if isinstance(e, dict)}
    return data


def is_fresh(
    entry: dict[str, Any] | None, key: str, out: Path, rel: str, formats: tuple[str, ...], verify: bool = False
) -> bool | None:
    """Whether the outputs on disk are the ones the manifest recorded for this key.

    Size and modification time decide; when only the time differs (a cache restored by
    a CI runner, a copy), the content hash does, and the entry takes the new time:
    then the answer is ``None`` ("fresh, but the manifest changed"). With ``verify``
    the content hash always decides.
    """
    if entry is None or entry.get("key") != key:
        return False
    outputs = entry.get("outputs")
    if not isinstance(outputs, dict) or set(outputs) != set(formats):
        return False
    touched = False
    for fmt in formats:
        recorded = outputs[fmt]
        path = out / f"{rel}.{fmt}"
        try:
            st = os.stat(path)
        except OSError:
            return False
        if not isinstance(recorded, list) or len(recorded) != 3 or recorded[0] != st.st_size:
            return False
        if verify or recorded[1] != st.st_mtime_ns:
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                return False
            if digest != recorded[2]:
                return False
            if recorded[1] != st.st_mtime_ns:
                recorded[1] = st.st_mtime_ns
                touched = True
    return None if touched else True


def remove_deleted(
    out: Path, documents: dict[str, dict[str, Any]], present: set[str], roots: list[str]
) -> tuple[int, bool]:
    """Delete the outputs (and drafts) of data files under the built folders that no longer exist."""
    folders = [os.path.abspath(r) for r in roots if os.path.isdir(r)]
    removed, changed = 0, False
    for rel, entry in list(documents.items()):
        where = entry.get("source")
        if rel in present or not isinstance(where, str):
            continue
        path = os.path.normpath(os.path.join(out, where))
        if os.path.exists(path) or not any(path.startswith(folder + os.sep) for folder in folders):
            continue
        for base in (out, out / DRAFTS):
            for fmt in FORMATS:
                with contextlib.suppress(OSError, UsageError):
                    output_path(base, rel, fmt).unlink()
                    removed += 1
        del documents[rel]
        changed = True
    return removed, changed


def save(out: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest of ``out`` atomically, documents sorted by output name."""
    data = {**manifest, "version": MANIFEST_VERSION, "documents": dict(sorted(manifest["documents"].items()))}
    write_atomic(out / MANIFEST, json.dumps(data, ensure_ascii=False, indent=1))
