#!/usr/bin/env python3
"""사업설명서 생성기 — budget project explanations from YAML, checked, as HTML and PDF.

The command line only: each command parses its options, calls one engine function, prints what
it returns and exits with the code it carries; engine errors (:mod:`budgetdoc.errors`: 1 data
problems, 2 usage and unusable input or output, 3 templates or a bug) become messages in
:class:`Command`. One click command per subcommand, with its help text in Korean.
"""

from __future__ import annotations

import functools
import importlib
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from budgetdoc import PDF_VARIANTS, __version__
from budgetdoc.batch.outputs import expect_file, expect_folder
from budgetdoc.cliwords import korean, speak_korean
from budgetdoc.errors import EXIT_BUG, BudgetdocError, UsageError

speak_korean()  # before the commands are declared: click words some of their help when it is declared

F = TypeVar("F", bound=Callable[..., Any])

BUG_REPORT = "도구 자체의 오류입니다. 위 내용을 붙여 예산 사업설명서 생성기 저장소에 이슈로 알려 주세요."


class Command(click.Command):
    """A command whose engine errors end it in one place: their message and their exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; an engine error becomes its message (a usage error with the usage line)."""
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            raise click.UsageError(str(exc), ctx) from None
        except BudgetdocError as exc:
            click.echo(korean("Error: {message}").format(message=exc) if exc.prefixed else str(exc), err=True)
            sys.exit(exc.exit_code)


class Commands(click.Group):
    """The command group; each of its commands is a :class:`Command`."""

    command_class = Command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """No command at all asks for the help (exit 0), as ``--help`` does."""
        if not args:
            click.echo(ctx.get_help())
            ctx.exit(0)
        return super().parse_args(ctx, args)


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _paths(paths: tuple[str, ...]) -> list[str]:
    return list(paths) or ["data"]


@click.group(context_settings=CONTEXT, cls=Commands)
@click.version_option(__version__, prog_name="budgetdoc")
def cli() -> None:
    """예산 사업설명서(사업설명서)를 YAML에서 검증하고 HTML·PDF로 만듭니다.

    \b
    흔한 순서:
      python generate.py check              data/ 아래 모든 YAML의 숫자를 검증
      python generate.py build              검증을 통과한 문서를 output/에 HTML·PDF로
      python generate.py import 문서.txt    게시된 텍스트 문서를 YAML로 변환
      python generate.py book -o 책.pdf     의회 제출용 합본 PDF

    종료 코드: 0 성공, 1 데이터 문제, 2 사용법 오류·읽을 수 없는 입력, 3 도구 자체의 오류.
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="문제 출력 형식: text (파일:행:열: 규칙: 메시지), json, github (워크플로 주석).",
)
def check(paths: tuple[str, ...], fmt: str) -> None:
    """YAML 파일과 통합 문서(.xlsx)(또는 폴더 아래 모든 데이터 파일)의 숫자를 빠짐없이 검증합니다.

    기본 경로는 data/ 입니다. 모든 문제를 한 번에, 틀린 값이 적힌 행과 열(통합 문서는
    파일!시트!칸), 규칙 id, 계산한 값과 적힌 값과 함께 보여 줍니다.
    """
    from budgetdoc.check.report import render
    from budgetdoc.pipeline import check_paths

    report = check_paths(_paths(paths))
    for note in report.notes:
        click.echo(note, err=True)
    click.echo(render(report.problems, fmt), nl=False)
    click.echo(report.line(), err=True)
    sys.exit(report.exit_code)


def rendering_options(draft: str) -> Callable[[F], F]:
    """The options ``build`` and ``book`` share: workers, PDF standard, drafts, time limit, progress."""
    options = [
        click.option(
            "-j",
            "--jobs",
            type=click.IntRange(min=0),
            default=0,
            metavar="N",
            help="동시에 렌더링할 프로세스 수 (기본: 코어 수).",
        ),
        click.option(
            "--pdf-variant",
            type=click.Choice(PDF_VARIANTS),
            default=None,
            help="보존용 PDF/A 또는 접근성 PDF/UA(태그)로 만듭니다.",
        ),
        click.option("--draft", is_flag=True, help=draft),
        click.option(
            "--timeout",
            type=click.FloatRange(min=1),
            metavar="초",
            default=120,
            show_default=True,
            help="문서 하나에 허용하는 최대 시간(초).",
        ),
        click.option(
            "--progress/--no-progress", default=None, help="진행 막대 (기본: 터미널이면 막대, 아니면 문서마다 한 줄)."
        ),
    ]
    return lambda command: functools.reduce(lambda done, option: option(done), reversed(options), command)


def _parsed(module: str, name: str) -> Callable[[click.Context, click.Parameter, str | None], Any]:
    """An option callback that parses with the engine's ``module.name``; its ``ValueError`` is the option's error."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
        try:
            return None if value is None else getattr(importlib.import_module(module), name)(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return callback


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False),
    default="output",
    show_default=True,
    help="출력 폴더. 데이터 폴더의 구조를 그대로 따릅니다.",
)
@click.option("--force", is_flag=True, help="바뀌지 않은 문서도 모두 다시 만듭니다.")
@click.option(
    "--verify", is_flag=True, help="모든 출력의 내용 해시를 다시 계산해, 매니페스트와 다른 출력을 다시 만듭니다."
)
@click.option(
    "--format",
    "fmt",
    default="html,pdf",
    metavar="형식,…",
    show_default=True,
    callback=_parsed("budgetdoc.batch.files", "parse_formats"),
    help="만들 형식, 쉼표로 구분: html, pdf, hwpx.",
)
@rendering_options(draft="검증에 실패한 문서도 틀린 칸을 표시하고 '검증 오류' 워터마크를 넣어 OUT/_drafts/에 만듭니다.")
@click.option(
    "--shard",
    callback=_parsed("budgetdoc.batch.shards", "parse_shard"),
    default=None,
    metavar="I/N",
    help="데이터 파일을 경로의 해시로 N개로 나눈 가운데 I번째만 만듭니다 (CI 매트릭스용; 나중에 merge로 합침).",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="tcp://HOST:PORT",
    help="렌더링을 이 주소의 Dask 클러스터에 보냅니다 (pip install 'budgetdoc[dask]'; 출력은 이 컴퓨터에 씀).",
)
def build(
    paths: tuple[str, ...],
    out: str,
    jobs: int,
    force: bool,
    verify: bool,
    fmt: tuple[str, ...],
    pdf_variant: str | None,
    draft: bool,
    timeout: float,
    progress: bool | None,
    shard: tuple[int, int] | None,
    scheduler: str | None,
) -> None:
    """검증을 통과한 문서를 HTML·PDF로 만듭니다 (기본: data/ → output/).

    바뀐 문서만 다시 만들고(--force로 전부), 삭제된 데이터의 출력은 지웁니다.
    검증에 실패한 문서는 만들지 않고 이전 출력을 그대로 두며, 문제를 보여 주고 종료
    코드 1로 끝납니다. 나머지 문서는 그대로 만들어집니다.
    """
    from budgetdoc.batch.build import build as run_build
    from budgetdoc.batch.job import Options
    from budgetdoc.batch.progress import Progress
    from budgetdoc.check.report import render

    expect_folder(out, "문서를")
    options = Options(formats=fmt, variant=pdf_variant, draft=draft, timeout=timeout)
    shown = Progress(progress, "build")

    with shown:
        summary = run_build(
            _paths(paths),
            Path(out),
            options,
            jobs=jobs,
            force=force,
            on_result=shown.result,
            on_plan=shown.plan,
            on_wait=lambda: shown.waiting(out),
            verify=verify,
            shard=shard,
            scheduler=scheduler,
        )
    for note in summary.notes:
        click.echo(note, err=True)
    click.echo(render(summary.problems), nl=False)
    click.echo(summary.line(), err=True)
    sys.exit(summary.exit_code)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "-o", "--out", type=click.Path(dir_okay=False), default="output/book.pdf", show_default=True, help="만들 합본 PDF."
)
@click.option("--title", default=None, metavar="제목", help="표지 제목 (기본: '{회계연도}년도 예산 사업설명서').")
@click.option("--org", default="", metavar="기관", help="표지에 넣을 기관 이름 (예: 서울특별시).")
@rendering_options(draft="검증에 실패한 문서도 틀린 칸을 표시하고 '검증 오류' 워터마크를 넣어 책에 넣습니다.")
@click.option(
    "--shard",
    callback=_parsed("budgetdoc.batch.shards", "parse_shard"),
    default=None,
    metavar="I/N",
    help="N개 샤드 가운데 I번째 문서의 책 부분만 OUT 옆 .budgetdoc-book/에 렌더링하고 책은 만들지 않습니다 "
    "(merge로 합친 뒤 book이 다시 렌더링하지 않음).",
)
def book(
    paths: tuple[str, ...],
    out: str,
    title: str | None,
    org: str,
    jobs: int,
    pdf_variant: str | None,
    draft: bool,
    timeout: float,
    progress: bool | None,
    shard: tuple[int, int] | None,
) -> None:
    """모든 사업설명서를 의회 제출용 합본 PDF 한 권으로 만듭니다 (기본: data/).

    \b
    순서: 표지(제목·기관) → 목차(실·국 > 부서 > 사업, 시작 쪽) → 총괄표(실·국·부서별
    사업 수, 전년도·당해연도 예산액, 증감) → 사업설명서마다 새 쪽에서 시작.
    실·국과 부서는 데이터 파일 순서(경로 이름순)에서 처음 나온 차례대로 묶습니다.
    쪽 번호는 표지·목차·총괄표가 i, ii, …, 본문이 1부터 끊김 없이 이어지고, PDF 책갈피는
    실·국 > 부서 > 사업으로 중첩됩니다.

    검증에 실패한 문서가 하나라도 있으면 책을 만들지 않고 문제를 모두 보여 준 뒤 종료
    코드 1로 끝납니다 (--draft이면 표시해서 넣고, 역시 종료 코드 1).
    문서마다 렌더링한 결과는 출력 파일 옆 .budgetdoc-book/ 에 내용 해시로 보관해, 다음에는
    바뀐 문서만 다시 렌더링합니다.
    """
    from budgetdoc.batch.progress import Progress
    from budgetdoc.book.make import make_book
    from budgetdoc.check.report import render

    expect_file(out, (".pdf",), "합본")
    shown = Progress(progress, "book")
    with shown:
        result = make_book(
            _paths(paths),
            Path(out),
            title=title,
            org=org,
            variant=pdf_variant,
            draft=draft,
            jobs=jobs,
            timeout=timeout,
            on_plan=shown.plan,
            on_result=shown.result,
            shard=shard,
        )
    click.echo(render(result.problems), nl=False)
    for failure in result.failures:
        click.echo(f"{failure.source.shown}: 렌더링 오류: {failure.message}", err=True)
    click.echo(result.line(out), err=True)
    sys.exit(result.exit_code)


@cli.command()
@click.option("-o", "--out", type=click.Path(dir_okay=False), default=None, help="스키마를 쓸 파일 (기본: 표준 출력).")
def schema(out: str | None) -> None:
    """YAML 데이터 형식의 JSON Schema를 출력합니다 (편집기 자동 완성·검사용).

    데이터 파일 첫 줄에 `# yaml-language-server: $schema=<경로>`를 적으면 VS Code 등의
    YAML 편집기가 이 스키마로 키를 완성하고 값을 검사합니다.
    """
    from budgetdoc.batch.files import write_file
    from budgetdoc.model.schema import schema_json

    text = schema_json()
    if out:
        expect_file(out, (".json",), "JSON Schema")
        write_file(out, text)
    else:
        click.echo(text, nl=False)


@cli.command("import")
@click.argument("source", type=click.Path())
@click.option(
    "-o",
    "--out",
    type=click.Path(),
    default=None,
    help="쓸 YAML 파일, 또는 출력 폴더 (폴더를 변환할 때, 사업이 여럿인 통합 문서를 변환할 때). 없으면 표준 출력.",
)
@click.option(
    "--force", is_flag=True, help="이미 있는 YAML 파일을 덮어씁니다 (없으면 있는 파일은 그대로 두고 멈춥니다)."
)
def import_(source: str, out: str | None, force: bool) -> None:
    """게시된 사업설명서 텍스트(.txt)나 통합 문서(.xlsx)를 YAML로 변환합니다.

    SOURCE가 폴더이면 그 안의 모든 .txt와 .xlsx를 -o 폴더에 하나씩 YAML로 씁니다.
    통합 문서는 사업 시트마다 YAML 하나가 됩니다 (export한 YAML의 이름으로). 형식이
    잘못된 입력(중간에 잘린 문서 포함)은 위치와 함께 알리고 아무것도 쓰지 않습니다. 통합
    문서의 수식 칸은 믿지 않고 다시 계산해, 맞지 않는 값을 칸 위치와 함께 알립니다. 텍스트도
    변환한 뒤 검산해, 맞지 않는 수를 텍스트 파일의 행·칸으로 알립니다 (값은 적힌 그대로). 이미
    있는 파일은 --force 없이는 덮어쓰지 않습니다.
    """
    from budgetdoc.convert import plan_import, write_import

    plan = plan_import(source, out)
    if not plan.to_stdout:
        write_import(plan, force)
    elif not plan.failed:
        click.echo(plan.outputs[0][1], nl=False)
    for line in plan.report(out):
        click.echo(line, err=True)
    sys.exit(plan.exit_code)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(),
    help="쓸 통합 문서 FILE.xlsx (모든 사업을 시트 하나씩), 또는 폴더 DIR/ (사업마다 통합 문서 하나).",
)
def export(paths: tuple[str, ...], out: str) -> None:
    """YAML 파일(또는 폴더 아래 모든 YAML)을 엑셀 통합 문서(.xlsx)로 내보냅니다.

    기본 경로는 data/ 입니다. 사업마다 시트 하나에 공식 양식과 같은 순서로 쓰고(첫 절부터
    결산 현황까지), 합계·증감·증감률은 엑셀 수식으로 씁니다.
    고친 통합 문서는 import로 YAML로 되돌리거나 check, build로 바로 검산하고 만듭니다.
    """
    from budgetdoc.convert import plan_export, write_export

    expect_file(out, (".xlsx",), "통합 문서", folder="폴더에 사업마다 하나씩")
    plan = plan_export(_paths(paths), out)
    write_export(plan)
    for line in plan.report():
        click.echo(line, err=True)
    sys.exit(plan.exit_code)


@cli.command()
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False), help="쓸 빈 양식 FILE.xlsx.")
@click.option(
    "--year", type=click.IntRange(1901, 2200), default=None, metavar="연도", help="회계연도 (기본: 올해의 다음 해)."
)
@click.option("--count", type=click.IntRange(1, 500), default=1, show_default=True, metavar="N", help="사업 시트 수.")
def template(out: str, year: int | None, count: int) -> None:
    """부서에 나누어 줄 빈 양식(.xlsx)을 만듭니다.

    사업마다 시트 하나, 목록마다 빈 줄 다섯 개가 있습니다 (행을 더 넣어도 됩니다).
    채운 양식은 import로 YAML이 되고, check와 build는 그대로 읽습니다.
    """
    from budgetdoc.convert import write_template

    expect_file(out, (".xlsx",), "빈 양식")
    click.echo(write_template(out, year, count), err=True)


@cli.command()
@click.argument("folder", type=click.Path())
@click.option("--force", is_flag=True, help="이미 있는 파일도 도구의 것으로 덮어씁니다.")
def init(folder: str, force: bool) -> None:
    """사업설명서 데이터 저장소를 FOLDER에 만듭니다 (새 폴더나 이미 있는 git 저장소).

    예제 사업 하나(data/2024/), 데이터 파일의 $schema 줄이 가리키는 schema/project.schema.json,
    GitHub Actions 워크플로(검증, 바뀐 문서만 빌드, 문서 아티팩트), .pre-commit-config.yaml,
    사무실용 README.md를 씁니다. 이미 있는 저장소에는 없는 파일만 쓰고, .gitignore에는 필요한
    줄을 덧붙이며, README.md가 있으면 README.budgetdoc.md로 씁니다. 그 밖에 이미 있는 파일은
    그대로 둡니다(--force로 덮어씀). 파일마다 어떻게 했는지 알립니다.

    \b
    예: python generate.py init 예산-사업설명서
    """
    from budgetdoc.project.init import init as make

    for line in make(Path(folder), force).report(folder):
        click.echo(line, err=True)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    metavar="N",
    help="기다릴 포트 (0이면 빈 포트).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    metavar="주소",
    show_default=True,
    help="기다릴 주소. 기본은 이 컴퓨터에서만 열 수 있는 127.0.0.1입니다.",
)
@click.option(
    "--poll", is_flag=True, help="변경 알림 대신 파일을 주기적으로 확인합니다 (네트워크 드라이브, 컨테이너, WSL)."
)
@click.option("--open/--no-open", "open_browser", default=False, show_default=True, help="시작하면 브라우저로 엽니다.")
def serve(paths: tuple[str, ...], port: int, host: str, poll: bool, open_browser: bool) -> None:
    """문서를 고치는 동안 브라우저에서 미리 봅니다: 문서 옆에 문제 목록 (기본: data/).

    \b
    사업 목록(사업명, 실·국, 부서, 통과 / 오류 N개)과 사업마다 한 쪽: build가 만드는 것과
    같은 HTML 문서 옆에 문제마다 규칙, 메시지, 계산한 값과 적힌 값, 파일:행:열.
    문제를 누르면 문서의 그 칸으로 갑니다. 오류가 있는 문서는 틀린 칸을 표시한 초안으로,
    읽을 수 없는 파일은 마지막으로 읽은 내용 위에 오류를 보여 줍니다.
    파일을 저장하면 그 문서만 다시 검사하고 렌더링하며, 열린 쪽은 저절로 바뀝니다.
    PDF 링크는 그 자리에서 PDF를 만듭니다. 아무 파일도 쓰지 않습니다. 멈추려면 Ctrl+C.
    """
    from budgetdoc.serve.server import serve as run_serve

    run_serve(_paths(paths), host=host, port=port, poll=poll, open_browser=open_browser)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--to",
    "to",
    type=click.IntRange(1901, 2200),
    required=True,
    metavar="연도",
    help="초안의 회계연도 (올해 문서의 연도 + 1).",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False),
    default=None,
    help="초안을 둘 폴더. 없으면 경로에서 올해 연도 폴더를 새 연도로 바꾼 곳 (data/2024/x.yaml → data/2025/x.yaml).",
)
@click.option(
    "--base",
    type=click.Choice(["current"]),
    default="current",
    show_default=True,
    help="초안의 전년도 예산액 (A)를 채울 기준: current = 올해 문서의 예산액 (B).",
)
@click.option("--write", is_flag=True, help="초안을 실제로 씁니다. 없으면 무엇을 옮길지 보고만 합니다.")
def rollover(paths: tuple[str, ...], to: int, out: str | None, base: str, write: bool) -> None:
    """올해 문서에서 다음 연도 사업설명서 초안을 만듭니다 (기본: data/, 미리 보기).

    \b
    문서마다: 회계연도 +1; 과목마다 전년도 예산액 (A) ← 올해 예산액 (B); (B)·산출근거·
    재원은 그대로 옮겨 고칠 출발점으로; 추진실적은 올해를 빈 칸으로 더하고 가장 오랜 해를
    빼며; 결산은 한 해 옮겨 새 해의 행을 0으로 채워 둡니다. 사업기간은 그대로 두고, 기간이
    끝난 계속·한시 사업은 옮기지 않습니다.

    초안에는 draft 항목(할 일 목록)이 붙어, 사람이 확인하고 지울 때까지 check가 경고합니다.
    --write가 없으면 아무것도 쓰지 않고 보고만 합니다. 이미 있는 파일은 덮어쓰지 않습니다.
    종료 코드 1: 형식이 틀렸거나 검증 오류가 있는 문서, 확인하지 않은 초안, 둘 곳을 모르는 문서가
    있음; 2: 읽을 수 없는 데이터 파일(UTF-8이 아님 등)이 있거나 초안을 쓸 수 없음.
    """
    from budgetdoc.cycle.rollover import plan, report
    from budgetdoc.cycle.rollover import write as write_drafts

    if out:
        expect_folder(out, "초안을")
    result = plan(_paths(paths), to, Path(out) if out else None, base)
    for note in result.notes:
        click.echo(note, err=True)
    if write:
        write_drafts(result)
    click.echo(report(result, write), nl=False)
    sys.exit(result.exit_code)


@cli.command()
@click.argument("base")
@click.argument("head")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json", "xlsx"]),
    help="보고 형식: text (기본, 터미널), markdown (GitHub 단계 요약·PR 댓글), json, xlsx (신구대비표: -o 파일.xlsx).",
)
@click.option("-o", "--out", type=click.Path(dir_okay=False), help="보고를 쓸 파일 (.xlsx로 끝나면 신구대비표).")
@click.option(
    "--threshold-amount",
    type=click.IntRange(min=0),
    metavar="천원",
    default=100_000,
    show_default=True,
    help="이 금액(천원) 이상 늘거나 준 사업, 이 금액 이상의 신규·폐지 사업을 표시합니다 (기본 1억 원).",
)
@click.option(
    "--threshold-rate",
    default="30",
    metavar="PERCENT",
    show_default=True,
    callback=_parsed("budgetdoc.cycle.diff", "parse_threshold"),
    help="예산액 (B)의 증감률이 이 값(%) 이상인 사업을 표시합니다.",
)
@click.option(
    "--fit",
    type=click.Choice(["summary", "comment"]),
    default="summary",
    show_default=True,
    help="markdown 길이 한도: summary = GitHub 단계 요약 (1 MiB 미만), comment = PR 댓글 (60,000자).",
)
@click.option("--repo", type=click.Path(), default=".", show_default=True, help="리비전을 읽을 git 저장소.")
@click.option(
    "--data",
    "folder",
    default="data",
    metavar="폴더",
    show_default=True,
    help="리비전만 줄 때 읽을 데이터 폴더 (저장소 최상위에서). 다른 폴더는 REV:폴더로 줍니다.",
)
def diff(base: str, head: str, **options: Any) -> None:
    """두 판의 데이터를 비교해 예산이 어떻게 바뀌었는지 보고합니다.

    \b
    BASE와 HEAD는 폴더나 git 리비전입니다 (main, HEAD~1, 커밋, REV:폴더). 리비전은 git으로
    읽기만 하고 작업 트리는 건드리지 않습니다. 사업은 YAML의 id로, 없으면 경로로 맞추고, 옮긴
    파일은 사업명과 부서로, id 없이 이름을 바꾼 사업은 실·국과 과목별 예산액(1% 이내)으로 찾습니다.
    \b
    보고 순서: 실·국·부서·회계·재원별 합계와 증감; 신규·폐지·이름이 바뀐 사업; 예산액 (B)·사업비·
    재원이 바뀐 사업(증감이 큰 차례, 바뀐 과목과 함께); 기준을 넘은 것; 사업명·부서·글 등 금액 밖의
    변경; 변경 후의 모든 문서가 검증을 통과하는지. -o 파일.xlsx는 사업·과목별 신구대비표입니다.

    종료 코드: 0 보고함, 1 HEAD에 검증을 통과하지 못한 문서가 있음, 2 읽을 수 없는 BASE·HEAD나
    HEAD의 데이터 파일(UTF-8이 아님, 너무 큼, 일반 파일이 아님; 보고는 그대로 나옴), 쓸 수 없는 -o.
    """
    from budgetdoc.cycle.review import run_diff

    done = run_diff(base, head, **options)
    for note in done.notes:
        click.echo(note, err=True)
    click.echo(done.text, nl=False)
    sys.exit(done.exit_code)


@cli.command()
@click.argument("out", type=click.Path(file_okay=False))
@click.argument("parts", nargs=-1, required=True, type=click.Path(file_okay=False))
def merge(out: str, parts: tuple[str, ...]) -> None:
    """샤드별 출력 폴더(PARTS)를 출력 폴더 OUT 하나로 합칩니다 (build --shard I/N의 결과).

    \b
    예: python generate.py build --shard 1/4 -o shards/1   (샤드마다, 여러 컴퓨터에서)
        python generate.py merge output shards/*
        python generate.py build                          (아무것도 다시 만들지 않음)

    두 샤드에 같은 문서가 있거나, 샤드들이 서로 다른 도구·템플릿·글꼴·옵션으로
    만들어졌으면(매니페스트의 환경 키가 다르면) 아무것도 쓰지 않고 종료 코드 2로 끝납니다.
    OUT은 없거나 아직 빌드 결과가 없는 폴더여야 합니다. 합친 매니페스트는 복사한 출력을
    기록하므로, 같은 데이터로 OUT에 build를 하면 아무것도 다시 만들지 않습니다.
    """
    from budgetdoc.batch.shards import merge as run_merge

    expect_folder(out, "합친 출력을")
    summary = run_merge(Path(out), [Path(p) for p in parts])
    click.echo(summary.line(out), err=True)


speak_korean(cli)


def main() -> None:
    """Console entry point: click handles usage errors; anything unexpected is a bug."""
    try:  # without standalone mode click returns the code of an exit (--help, --version) rather than raising
        if code := cli.main(standalone_mode=False):
            sys.exit(code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("중단했습니다.", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except BaseException:
        traceback.print_exc()
        click.echo(BUG_REPORT, err=True)
        sys.exit(EXIT_BUG)


if __name__ == "__main__":
    main()
