"""Conversions into and out of YAML: ``import`` (published text, workbooks) and ``export`` (workbooks).

:func:`plan_import` decides everything an ``import`` does before anything is written: which
files it converts (a folder's ``.txt`` and ``.xlsx``), the YAML of each and where it goes (a
workbook's project sheets each become one file, named as :func:`yaml_name` says), what the
checks find in the published numbers, and which targets exist already. :func:`write_import`
then writes the whole plan or nothing. :func:`plan_export` reads the YAML files under some
paths into the workbooks ``export`` writes, and :func:`write_template` writes the blank form
``template`` hands out. The command line only prints what they return.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from budgetdoc.batch.files import refuse_outside, write_file
from budgetdoc.batch.outputs import expect_file, expect_folder, is_folder_name
from budgetdoc.check.rules import check as check_document
from budgetdoc.errors import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, BudgetdocError, NoData, OutputError, UsageError
from budgetdoc.formats.legacy import LegacyError, convert
from budgetdoc.formats.load import LoadError
from budgetdoc.formats.reading import UNREADABLE
from budgetdoc.formats.sources import Source, discover, read_sources
from budgetdoc.formats.workbook.read import ImportedSheet, import_workbook, skipped_sheets
from budgetdoc.formats.workbook.write import export_workbook, template_workbook
from budgetdoc.formats.yamlout import leading_comments
from budgetdoc.model.document import Document, Problem
from budgetdoc.model.schema import with_modeline
from budgetdoc.names import shown_path

TEXT_SUFFIX, WORKBOOK_SUFFIX = ".txt", ".xlsx"
AS_IS = " (가져온 값 그대로 썼습니다)"
LINK_HINT = "출력 폴더 안의 실제 폴더에 씁니다"  # after a check problem of an imported document: its numbers are kept


class Unreadable(BudgetdocError):
    """An input ``import`` cannot read at all (exit 2): one line per problem, nothing written."""

    prefixed = False


# --------------------------------------------------------------------------- import


@dataclass
class ImportPlan:
    """What an ``import`` writes, or why it writes nothing."""

    outputs: list[tuple[Path | None, str]] = field(default_factory=list)  # (target, YAML); None: standard output
    failed: list[Problem] = field(default_factory=list)  # malformed input: nothing is written (exit 1)
    audited: list[Problem] = field(default_factory=list)  # the checks on the imported numbers, kept as they are
    warnings: list[str] = field(default_factory=list)  # what the text importer could not place
    existing: list[Path] = field(default_factory=list)  # targets on disk already (refused without force)
    many: bool = False  # a folder was converted: the command reports the count
    where: str = ""  # the folder the files went to, for the report
    refused: bool = False  # write_import wrote nothing because a target exists

    @property
    def exit_code(self) -> int:
        """The exit code: 2, 1 or 0.

        2 when an input cannot be read (a sheet over its row limit, as ``check`` says) or a
        target exists and was not overwritten; 1 when an input is malformed; else 0.
        """
        if any(p.rule in UNREADABLE for p in self.failed) or self.refused:
            return EXIT_USAGE
        return EXIT_PROBLEMS if self.failed else EXIT_OK

    def report(self, out: str | None) -> list[str]:
        """What the command says on stderr once the plan is written (or refused)."""
        lines = list(self.warnings)
        if self.failed:
            lines += [str(p) if p.sheet else f"{p.file}:{p.line}: {p.message}" for p in self.failed]
            return [*lines, f"변환 실패: {len({p.file for p in self.failed})}개 파일, 아무것도 쓰지 않았습니다."]
        if self.refused:
            lines += [f"{t}: 이미 있는 파일이라 덮어쓰지 않습니다 (덮어쓰려면 --force)" for t in self.existing]
            return [*lines, "아무것도 쓰지 않았습니다."]
        lines += [f"{p}{AS_IS}" for p in self.audited]
        if out and (self.many or len(self.outputs) > 1):
            lines.append(f"{len(self.outputs)}개 파일을 {out}에 변환했습니다.")
        elif len(self.outputs) > 1:  # beside the workbook, named by the tool: the names are told
            names = ", ".join(shown_path(os.path.basename(str(t))) for t, _ in self.outputs)
            lines.append(f"{len(self.outputs)}개 파일을 통합 문서 옆({self.where})에 변환했습니다: {names}")
        return lines

    @property
    def to_stdout(self) -> bool:
        """Whether the one YAML goes to standard output (no ``-o``, one project)."""
        return [t for t, _ in self.outputs] == [None]


def yaml_name(imported: ImportedSheet, workbook: str, count: int) -> str:
    """The file name an imported project is written to.

    Its source's name; for a filled form the workbook's (and the sheet's, when the
    workbook has several projects).
    """
    if imported.source:
        name = os.path.basename(imported.source.replace("\\", "/"))
        if name.lower().endswith((".yaml", ".yml")) and not name.startswith("."):
            return name
    stem = os.path.splitext(os.path.basename(workbook))[0]
    return (f"{stem}_{imported.sheet}" if count > 1 else stem).replace("/", "_") + ".yaml"


def _refused(problems: list[Problem]) -> Unreadable:
    return Unreadable("\n".join(str(p) if p.sheet else f"{p.file}: {p.message}" for p in problems))


def _workbook(file: Path, data: bytes, src: Path, out: str | None, plan: ImportPlan) -> None:
    """Each project of a workbook and where it goes; its problems instead when it has any."""
    try:
        found = list(import_workbook(data, str(file)))
    except LoadError as exc:
        if exc.unreadable:
            raise _refused(exc.problems) from None
        plan.failed.extend(exc.problems)
        return
    plan.warnings.extend(f"{file}!{name}: {why}" for name, why in skipped_sheets(data, str(file)))
    problems = [p for imported, _ in found for p in imported.problems]
    if problems:
        plan.failed.extend(problems)
        return
    many = src.is_dir() or len(found) > 1 or bool(out and is_folder_name(out))
    if len(found) > 1 and out and not src.is_dir():
        expect_folder(out, f"사업 {len(found)}개의 YAML 파일을")
    if out and not many:
        expect_file(out, (".yaml", ".yml"), "YAML 파일", folder="폴더에")
    for imported, text in found:
        assert text is not None and imported.document is not None
        plan.audited.extend(check_document(imported.document))  # the recomputed totals against the cells
        if many:  # a workbook of several projects without -o: one file per project next to it
            base = Path(out) if out else file.parent
            folder = base / file.parent.relative_to(src) if src.is_dir() else base
            plan.where = plan.where or str(base)
            plan.outputs.append((folder / yaml_name(imported, str(file), len(found)), text))
        else:
            plan.outputs.append((Path(out) if out else None, text))


def plan_import(source: str, out: str | None) -> ImportPlan:
    """Read and convert every input under ``source``; nothing is written.

    Raises :class:`UsageError` for a folder without ``out``, several projects without
    ``out`` or two inputs with one target; :class:`Unreadable` for an input that cannot
    be read at all (too big, not UTF-8, not a regular file).
    """
    src = Path(source)
    if not os.path.lexists(src):
        raise UsageError(f"파일이나 폴더가 없습니다: {shown_path(source)}")
    if src.is_dir():
        if not out:
            raise UsageError("폴더를 변환할 때는 -o 출력 폴더가 필요합니다.")
        expect_folder(out, "YAML 파일들을")
        # Not only regular files: a FIFO or a device named like an input is refused by name, not passed over.
        files = sorted(
            p for p in src.rglob("*") if not p.is_dir() and p.suffix.lower() in (TEXT_SUFFIX, WORKBOOK_SUFFIX)
        )
    else:
        if out and not is_folder_name(out) and src.suffix.lower() != WORKBOOK_SUFFIX:
            expect_file(out, (".yaml", ".yml"), "YAML 파일", folder="폴더에")
        files = [src]
    plan = ImportPlan(many=src.is_dir())
    for file, read in zip(files, read_sources([Source("", str(f)) for f in files]), strict=True):
        if read.data is None:
            assert read.refused is not None
            cannot = "읽을 수 없습니다: " if not read.workbook and read.refused.rule == "unreadable" else ""
            raise Unreadable(f"{shown_path(str(file))}: {cannot}{read.refused.message}")
        if read.workbook:
            _workbook(file, read.data, src, out, plan)
            continue
        try:
            imported = convert(read.data.decode("utf-8-sig"), str(file))
        except UnicodeDecodeError as exc:
            raise Unreadable(f"{file}: 읽을 수 없습니다: {exc}") from None
        except LegacyError as exc:
            plan.failed.extend(exc.problems)
            continue
        plan.warnings.extend(str(w) for w in imported.warnings)
        plan.audited.extend(check_document(imported.document))
        if src.is_dir() and out:
            target: Path | None = Path(out) / file.relative_to(src).with_suffix(".yaml")
        elif out and is_folder_name(out):
            target = Path(out) / file.with_suffix(".yaml").name
        else:
            target = Path(out) if out else None
        plan.outputs.append((target, imported.yaml))
    if plan.failed:
        return plan
    if not plan.outputs:
        what = (
            "가져올 .txt·.xlsx 파일이 없습니다"
            if src.is_dir()
            else "가져올 사업이 없습니다 (값을 채운 사업 시트가 없습니다)"
        )
        raise NoData(f"{shown_path(source)}: {what}")
    targets = [t for t, _ in plan.outputs]
    if len(set(targets)) != len(targets):
        same = sorted({str(t) for t in targets if targets.count(t) > 1})
        raise OutputError(f"출력 이름이 겹쳐 아무것도 쓰지 않았습니다: {', '.join(same)}")
    plan.existing = [t for t in targets if t is not None and os.path.lexists(t)]
    return plan


def write_import(plan: ImportPlan, force: bool = False) -> bool:
    """Write every planned YAML file (with its schema line); ``False``, and nothing written, when one exists.

    A plan with malformed inputs writes nothing either. Raises :class:`OutputError` when a
    file cannot be written.
    """
    if plan.failed:
        return False
    if plan.existing and not force:
        plan.refused = True
        return False
    for target, text in plan.outputs:
        if target is not None:
            write_file(target, with_modeline(text, target))
    return True


# --------------------------------------------------------------------------- export


def write_template(out: str, year: int | None, count: int) -> str:
    """Write a blank form of ``count`` project sheets for fiscal ``year`` (next year by default); says what it wrote."""
    chosen = year or datetime.date.today().year + 1
    write_file(out, template_workbook(chosen, count))
    return f"{chosen}년도 빈 양식 ({count}개 사업)을 {out}에 썼습니다."


@dataclass
class ExportPlan:
    """The workbooks ``export`` writes, or the problems that keep it from writing any."""

    files: list[tuple[str, bytes]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the folders hold besides YAML files
    folder: str = ""  # the folder -o named, when one workbook per project is written under it

    @property
    def exit_code(self) -> int:
        """2 when a YAML file cannot be read, 1 when one is malformed, else 0."""
        if any(p.rule in UNREADABLE for p in self.problems):
            return EXIT_USAGE
        return EXIT_PROBLEMS if self.problems else EXIT_OK

    def report(self) -> list[str]:
        """What the command says on stderr: the notes, then the problems or the workbooks written."""
        if self.problems:
            refusal = "내보내지 못했습니다: 읽을 수 없는 YAML이 있어 아무것도 쓰지 않았습니다."
            return [*self.notes, *(str(p) for p in self.problems), refusal]
        shown = ", ".join(str(p) for p, _ in self.files[:5])
        return [*self.notes, f"통합 문서 {len(self.files)}개를 썼습니다: {shown}"]


def plan_export(paths: list[str], out: str) -> ExportPlan:
    """Every YAML file under ``paths``: one workbook for all, or with ``out`` a folder one per project.

    Workbooks among the data files are not exported again. Raises :class:`UsageError`
    for a path that does not exist.
    """
    plan = ExportPlan()
    found = discover(paths, plan.notes)
    workbooks = sorted({shown_path(s.path) for s in found if s.workbook})
    if workbooks:
        plan.notes.append(f"통합 문서는 다시 내보내지 않습니다 (YAML만 내보냄): {', '.join(workbooks)}")
    sources = read_sources([s for s in found if not s.workbook])
    if not sources:
        raise NoData(f"내보낼 YAML 파일이 없습니다: {', '.join(shown_path(p) for p in paths)}")
    loaded: list[tuple[Document, str, str, str]] = []
    for source in sources:
        try:
            doc = source.load()
        except LoadError as exc:
            plan.problems.extend(exc.problems)
            continue
        assert source.data is not None
        head = leading_comments(source.data.decode("utf-8-sig"))
        loaded.append((doc, source.path, head, source.rel))
    if plan.problems:
        return plan
    if is_folder_name(out):
        plan.folder = out
        plan.files = [
            (os.path.join(out, rel + ".xlsx"), export_workbook([(doc, path, head)])) for doc, path, head, rel in loaded
        ]
    else:
        plan.files = [(out, export_workbook([(doc, path, head) for doc, path, head, _ in loaded]))]
    return plan


def write_export(plan: ExportPlan) -> None:
    """Write the planned workbooks (none when the plan has problems); raises :class:`OutputError`."""
    for path, data in [] if plan.problems else plan.files:
        if plan.folder:  # one workbook per project under the folder named: no link in it is followed
            base = Path(plan.folder)
            refuse_outside(base.resolve(), PurePath(os.path.relpath(path, plan.folder)), LINK_HINT, base)
        write_file(path, data)
