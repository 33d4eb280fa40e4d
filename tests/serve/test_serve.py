"""The live preview, started for real on a free port and driven over HTTP (httpx) and in Chromium."""

from __future__ import annotations

import contextlib
import html
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from conftest import REFERENCE_YAML, ROOT

LIMIT = 60.0  # seconds: a hang guard for every wait below, never a speed requirement
REF = "ref.yaml"
BASIS_LINE = "              amount: 5100\n"  # the first - part of 사무관리비 in the reference (line 46)


# --------------------------------------------------------------------------- documents


def synthesize(seed: int) -> dict[str, Any]:
    """A complete, consistent project: 2–8 과목, long 산출근거, varied accounts, periods and funding."""
    rng = random.Random(seed)
    year = 2024 + rng.randint(0, 2)
    items, total = [], 0
    for k in range(rng.randint(2, 8)):
        basis = []
        for j in range(rng.randint(0 if k == 0 else 1, 5)):
            price, count = rng.choice([15_000, 250_000, 1_200_000]), rng.randint(1, 40)
            basis.append(
                {
                    "label": f"산출 항목 {j + 1} " + "세부 내용 " * rng.randint(1, 12),
                    "formula": f"{price:,}원*{count}명",
                    "amount": price * count // 1000,
                }
            )
        current = sum(b["amount"] for b in basis)
        previous = rng.choice([0, current, current + rng.randint(1, 9000)])
        items.append({"name": f"과목{k + 1}", "previous": previous, "current": current, "basis": basis})
        total += current
    national = rng.choice([0, total // 2])
    period = rng.choice(
        [
            {"kind": "연례반복"},
            {"kind": "계속", "start": year - 2, "end": year + 2},
            {"kind": "한시", "start": year, "end": year + 1},
        ]
    )
    return {
        "fiscal_year": year,
        "title": f"시험 사업 {seed}",
        "overview": {
            "account": rng.choice(["일반회계", "도시개발특별회계", "기후대응기금"]),
            "period": period,
            "summary": ["시험 사업의 개요"],
            "funding": {"national": national or None, "city": total - national, "district": rng.choice([None, 500])},
        },
        "contacts": {
            "office": rng.choice(["기후환경본부", "복지정책실"]),
            "department": rng.choice(["환경정책과", "복지기획관"]),
            "director": {"name": "김가나", "phone": "2133-1000"},
            "team_leader": {"name": "이다라", "phone": "2133-1001"},
            "officer": {"name": "박마바", "phone": "2133-1002"},
        },
        "budget": {"items": items},
        "description": {"purpose": ["목적"], "legal_basis": ["근거 조례"], "content": ["내용"], "history": []},
        "schedule": {"rows": [{"step": "집행", "period": f"{year}.01~{year}.12", "amount": total, "detail": "연중"}]},
        "effects": {"achievements": {year - 3 + k: [f"{year - 3 + k}년 실적"] for k in range(3)}, "expected": ["효과"]},
        "settlement": [
            {"year": year - 4 + k, "final_budget": 1000, "carried_in": 0, "change": 0, "spent": 900, "carried_out": 0}
            for k in range(3)
        ],
    }


def write_yaml(path: Path, data: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def save_by_rename(path: Path, text: str) -> None:
    """What many editors do: write a temporary file beside the file, then rename it over."""
    tmp = path.with_name(f".{path.name}.swp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``generate.py serve`` in a subprocess; its stderr is collected for the tests to read."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "generate.py"), "serve", *args],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.folder = Path(args[0])  # the path served
        self.lines: list[str] = []
        self.url = ""
        started = threading.Event()

        def read() -> None:
            assert self.proc.stderr is not None
            for line in self.proc.stderr:
                self.lines.append(line.rstrip("\n"))
                found = re.search(r"미리보기: (http://\S+/)", line)
                if found:
                    self.url = found[1]
                    started.set()
            started.set()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        if not started.wait(LIMIT) or not self.url:
            self.stop()
            raise AssertionError(f"the server did not start: {self.lines}")
        self.http = httpx.Client(base_url=self.url, timeout=LIMIT)

    def page(self, path: Path) -> str:
        return "/p/" + str(path)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(url, **kwargs)

    def workers(self) -> list[int]:
        """The process ids of the rendering processes."""
        found = []
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():  # started by any of the server's threads
            with contextlib.suppress(OSError):
                for child in (task / "children").read_text().split():
                    if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                        found.append(int(child))
        return sorted(found)

    def told(self, *lines: str) -> list[str]:
        """The terminal's lines from the first of ``lines`` on, once they were all printed in this order."""
        deadline = time.monotonic() + LIMIT
        while time.monotonic() < deadline:
            printed = list(self.lines)
            for start in (i for i, line in enumerate(printed) if line == lines[0]):
                if printed[start : start + len(lines)] == list(lines):
                    return printed[start:]
            time.sleep(0.05)
        raise AssertionError(f"not printed: {lines}; printed: {self.lines}")

    def stop(self) -> int:
        if hasattr(self, "http"):
            self.http.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.reader.join(10)
        assert self.proc.stderr is not None
        self.proc.stderr.close()
        return self.proc.returncode


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("serve") / "data"
    (folder / "sub").mkdir(parents=True)
    (folder / REF).write_text(REFERENCE_YAML.read_text(encoding="utf-8"), encoding="utf-8")
    for seed in range(4):
        write_yaml(folder / "sub" / f"p{seed}.yaml", synthesize(seed))
    return folder


@pytest.fixture(scope="module")
def server(data: Path) -> Iterator[Server]:
    running = Server(str(data), "--port", str(free_port()))
    yield running
    running.stop()


def rows(index: str) -> list[list[str]]:
    """The index table as text cells."""
    body = index.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    found = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        found.append(cells)
    return found


def document(page: str) -> str | None:
    """The document shown on a project page (the iframe's srcdoc), or None."""
    found = re.search(r'<iframe id="doc"[^>]*srcdoc="([^"]*)"', page)
    return html.unescape(found[1]) if found else None


class _Marked(HTMLParser):
    """The cells of a document that name their field: field → (tag, classes, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[str, tuple[str, set[str], str]] = {}
        self.open: list[tuple[str, str, set[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("data-field"):
            self.open.append((str(found["data-field"]), tag, set((found.get("class") or "").split())))
            self.cells[str(found["data-field"])] = (tag, set((found.get("class") or "").split()), "")

    def handle_data(self, data: str) -> None:
        for field, tag, classes in self.open:
            self.cells[field] = (tag, classes, self.cells[field][2] + data)

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1][1] == tag:
            self.open.pop()


def marked(doc: str | None) -> dict[str, tuple[str, set[str], str]]:
    parser = _Marked()
    parser.feed(doc or "")
    return parser.cells


def problems(page: str) -> list[dict[str, str]]:
    shown = []
    for item in re.findall(r'<li class="problem[^"]*"(.*?)</li>', page, re.S):
        text = {k: html.unescape(v).strip() for k, v in re.findall(r'<span class="(\w+)">(.*?)</span>', item, re.S)}
        field = re.search(r'data-field="([^"]*)"', item)
        text["field"] = html.unescape(field[1]) if field else ""
        shown.append(text)
    return shown


# --------------------------------------------------------------------------- over HTTP


def test_index_lists_every_project_with_its_status(server: Server, data: Path) -> None:
    response = server.get("/")
    assert response.status_code == 200
    listed = rows(response.text)
    assert listed[0] == ["지역균형발전 추진", "균형발전본부", "균형발전정책과", "통과", f"{data / REF}"]
    for seed in range(4):
        project = synthesize(seed)
        row = next(r for r in listed if r[4] == str(data / "sub" / f"p{seed}.yaml"))
        assert row[:3] == [project["title"], project["contacts"]["office"], project["contacts"]["department"]]
        assert row[3] in ("통과", "통과 (경고 1개)")  # an item without 산출근거 warns (basis-missing)
    assert len(listed) == 5


@pytest.mark.slow
def test_each_project_sheet_of_a_workbook_is_a_document_of_its_own(tmp_path: Path) -> None:
    from budgetdoc.formats.load import load
    from budgetdoc.formats.workbook.write import export_workbook

    folder = tmp_path / "data"
    folder.mkdir()
    first = load(str(REFERENCE_YAML))
    second = first.project.model_copy(update={"title": "균형발전 둘째 사업"})
    workbook = folder / "two.xlsx"
    workbook.write_bytes(export_workbook([(first, "a.yaml", ""), (type(first)(second, first.source), "b.yaml", "")]))
    running = Server(str(folder), "--port", str(free_port()))
    try:
        listed = rows(running.get("/").text)
        assert sorted(r[0] for r in listed) == ["균형발전 둘째 사업", "지역균형발전 추진"]
        paths = sorted(r[4] for r in listed)
        assert all(p.startswith(f"{workbook}!") for p in paths) and len(set(paths)) == 2
        for title, path in ((r[0], r[4]) for r in listed):
            page = running.get("/p/" + path)
            assert page.status_code == 200 and f"<title>{title}" in page.text
        # The workbook saved in place (a "modified" change, as a spreadsheet program saves) is noticed.
        third = first.project.model_copy(update={"title": "균형발전 셋째 사업"})
        sheets = [(first, "a.yaml", ""), (type(first)(third, first.source), "b.yaml", "")]
        second_key = next(r[4] for r in listed if r[0] == "균형발전 둘째 사업")
        heard = events(running, Path(second_key), {"checked"}, lambda: workbook.write_bytes(export_workbook(sheets)))
        assert heard and heard[-1]["stage"] in ("checked", "rendered")
        assert "균형발전 셋째 사업" in [r[0] for r in rows(running.get("/").text)]
        # A wrong amount in a sheet is shown at FILE.xlsx!시트!C22, the cell a clerk would fix.
        import openpyxl

        broken = tmp_path / "broken.xlsx"
        broken.write_bytes(export_workbook(sheets))
        wb = openpyxl.load_workbook(broken)
        ws = wb["균형발전 셋째 사업"]
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "국외업무여비")
        ws.cell(row, 3).value = 50001
        wb.save(broken)
        key = f"{workbook}!균형발전 셋째 사업"
        events(running, Path(key), {"checked"}, lambda: workbook.write_bytes(broken.read_bytes()))
        page = running.get("/p/" + key).text
        assert f'<span class="where">{workbook}!균형발전 셋째 사업!C{row}</span>' in page
        assert "2024예산액(B)" in page
    finally:
        running.stop()


def test_discovery_reads_a_workbook_again_only_when_the_folder_or_the_workbook_changed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import asyncio

    from budgetdoc.formats.load import load
    from budgetdoc.formats.workbook import read
    from budgetdoc.formats.workbook.write import export_workbook
    from budgetdoc.serve.documents import Site
    from budgetdoc.serve.worker import Pool

    folder = tmp_path / "data"
    folder.mkdir()
    first = load(str(REFERENCE_YAML))
    second = type(first)(first.project.model_copy(update={"title": "균형발전 둘째 사업"}), first.source)
    workbook = folder / "book.xlsx"
    workbook.write_bytes(export_workbook([(first, "a.yaml", "")]))
    write_yaml(folder / "x.yaml", synthesize(3))
    listed: list[str] = []
    sheets = read.project_sheets

    def counted(data: bytes, file: str = "") -> list[str]:
        listed.append(file)
        return sheets(data, file)

    monkeypatch.setattr(read, "project_sheets", counted)
    site = Site([str(folder)], Pool())

    async def index() -> None:  # what a request for the index or for an unknown URL does
        await site.refresh_all()
        await asyncio.to_thread(site.discover)

    async def requests() -> None:
        for _ in range(3):
            await index()
        assert len(listed) == 1 and len(site.entries) == 2
        # A data file saved (in place or by rename) and a file that is not data: the workbook is not read again.
        write_yaml(folder / "x.yaml", synthesize(4))
        save_by_rename(folder / "x.yaml", yaml.safe_dump(synthesize(5), allow_unicode=True))
        (folder / "메모.txt").write_text("메모", encoding="utf-8")
        await index()
        assert len(listed) == 1
        assert site.entries[str(folder / "x.yaml")].title == synthesize(5)["title"]
        # A new data file, or the workbook saved again: discovery reads the workbook again, once.
        write_yaml(folder / "y.yaml", synthesize(6))
        await index()
        assert len(listed) == 2 and len(site.entries) == 3
        workbook.write_bytes(export_workbook([(first, "a.yaml", ""), (second, "b.yaml", "")]))
        await index()
        await index()
        assert len(listed) == 3
        assert sorted(e.title for e in site.entries.values() if e.source.sheet) == [
            "균형발전 둘째 사업",
            "지역균형발전 추진",
        ]

    asyncio.run(requests())


@pytest.mark.slow
def test_a_project_page_shows_exactly_the_html_build_writes(server: Server, data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    built = subprocess.run(
        [sys.executable, str(ROOT / "generate.py"), "build", str(data), "-o", str(out), "--format", "html"],
        capture_output=True,
        text=True,
        timeout=LIMIT * 2,
    )
    assert built.returncode == 0, built.stderr
    for rel in (REF, "sub/p0.yaml", "sub/p3.yaml"):
        page = server.get(server.page(data / rel))
        assert page.status_code == 200
        expected = (out / rel).with_suffix(".html").read_text(encoding="utf-8")
        assert document(page.text) == expected
    assert "검산을 모두 통과했습니다." in server.get(server.page(data / REF)).text


def test_a_wrong_number_is_shown_at_once_and_gone_when_fixed(server: Server, data: Path) -> None:
    path = data / REF
    good = path.read_text(encoding="utf-8")
    assert BASIS_LINE in good
    clean = document(server.get(server.page(path)).text)
    path.write_text(good.replace(BASIS_LINE, BASIS_LINE.replace("5100", "5200")), encoding="utf-8")
    try:
        page = server.get(server.page(path)).text  # right after the save: no waiting for the watcher
        # The terminal tells each problem as `check` prints it, then the document's status.
        told = server.told(
            f"{path}:46:23: basis-formula: 150,000원×17명×2회 = 5,100천원인데 5,200천원으로 적혀 있습니다"
        )
        assert told[1].startswith(f"{path}: 오류 1개 (검사 ")
        assert problems(page) == [
            {
                "rule": "basis-formula",
                "message": "150,000원×17명×2회 = 5,100천원인데 5,200천원으로 적혀 있습니다",
                "values": "계산한 값 5,100 · 적힌 값 5,200",
                "where": f"{path}:46:23",
                "field": "budget.items[1].basis[0].parts[0].amount",
            }
        ]
        draft = document(page)
        assert draft is not None
        # The draft: the wrong cell is marked and names its field, so that the problem can point at it.
        assert marked(draft) == {"budget.items[1].basis[0].parts[0].amount": ("td", {"num", "wrong"}, "5,200천원")}
        assert "검증 오류가 있는 초안입니다" in draft
        assert 'id="status">오류 1개<' in page
        assert rows(server.get("/").text)[0][3] == "오류 1개"
    finally:
        path.write_text(good, encoding="utf-8")
    page = server.get(server.page(path)).text
    assert problems(page) == []
    assert document(page) == clean
    assert rows(server.get("/").text)[0][3] == "통과"


def test_the_problem_list_alone_is_served_after_the_check(server: Server, data: Path) -> None:
    path = data / "sub" / "p1.yaml"
    project = synthesize(1)
    project["budget"]["items"][1]["previous"] = -5
    write_yaml(path, project)
    try:
        part = server.get(server.page(path), params={"part": "problems"}).text
        assert part.startswith('<aside id="problems"')
        shown = problems(part)
        assert [p["rule"] for p in shown] == ["negative-amount"]
        assert shown[0]["field"] == "budget.items[1].previous"
        page = server.get(server.page(path)).text
        assert problems(page) == shown
        assert marked(document(page)) == {"budget.items[1].previous": ("td", {"num", "wrong"}, "△5")}
    finally:
        write_yaml(path, synthesize(1))


def test_a_deleted_file_keeps_its_last_rendering_under_the_error(server: Server, data: Path) -> None:
    path = data / "sub" / "p2.yaml"
    before = document(server.get(server.page(path)).text)
    assert before is not None
    path.unlink()
    try:
        page = server.get(server.page(path))
        assert page.status_code == 200
        assert "파일이 없습니다 (지워졌거나 이름이 바뀌었습니다)" in page.text
        assert "아래는 마지막으로 읽은 내용입니다." in page.text
        assert document(page.text) == before
        assert [p["rule"] for p in problems(page.text)] == ["unreadable"]
        assert 'class="pdf"' not in page.text
        row = next(r for r in rows(server.get("/").text) if r[4] == str(path))
        assert row[3] == "파일 없음"
    finally:
        write_yaml(path, synthesize(2))
    assert document(server.get(server.page(path)).text) == before


def test_a_broken_file_shows_the_error_above_the_last_good_rendering(server: Server, data: Path) -> None:
    path = data / "sub" / "p3.yaml"
    good = path.read_text(encoding="utf-8")
    before = document(server.get(server.page(path)).text)
    broken = good.replace("budget:\n", "budget:\n\titems: [\n", 1)
    path.write_text(broken, encoding="utf-8")
    try:
        page = server.get(server.page(path)).text
        assert "파일을 읽을 수 없습니다:" in page
        assert "아래는 마지막으로 읽은 내용입니다." in page
        assert document(page) == before
        shown = problems(page)
        assert shown and shown[0]["rule"] == "yaml-syntax"
        assert shown[0]["message"] == "들여쓰기나 키 앞에는 탭 문자를 쓸 수 없습니다 — 공백으로 바꾸세요"
        line = broken.splitlines().index("\titems: [") + 1
        assert shown[0]["where"] == f"{path}:{line}:1"
        assert server.get("/").status_code == 200  # the server goes on
    finally:
        path.write_text(good, encoding="utf-8")
    assert document(server.get(server.page(path)).text) == before


def test_a_file_never_read_shows_its_error_without_a_document(server: Server, data: Path) -> None:
    path = data / "sub" / "new.yaml"
    path.write_text("title: [닫히지 않음\n", encoding="utf-8")
    try:
        page = server.get(server.page(path))  # a new file is found by its first request too
        assert page.status_code == 200
        assert "이 파일은 아직 한 번도 읽지 못해 보여 줄 문서가 없습니다." in page.text
        assert document(page.text) is None
        assert problems(page.text)[0]["rule"] == "yaml-syntax"
        assert server.get("/pdf/" + str(path)).status_code == 409
    finally:
        path.unlink()
        server.get("/")


def test_a_fifo_named_like_a_data_file_is_refused_without_hanging(server: Server, data: Path) -> None:
    fifo = data / "sub" / "pipe.yaml"
    os.mkfifo(fifo)
    try:
        page = server.get(server.page(fifo))
        assert page.status_code == 200
        assert [(p["rule"], p["message"]) for p in problems(page.text)] == [("unreadable", "일반 파일이 아닙니다")]
        row = next(r for r in rows(server.get("/").text) if r[4] == str(fifo))
        assert row[3] == "읽을 수 없음 (오류 1개)"
    finally:
        fifo.unlink()
    assert server.get(server.page(data / REF)).status_code == 200


def test_a_dead_worker_is_replaced_and_the_server_goes_on(server: Server, data: Path) -> None:
    path = data / "sub" / "p0.yaml"
    server.get(server.page(path))
    before = server.workers()
    assert len(before) == 2  # the rendering processes
    for worker in before:
        os.kill(worker, signal.SIGKILL)
    project = synthesize(0)
    project["title"] = "렌더링 프로세스가 바뀐 뒤"
    write_yaml(path, project)
    try:
        page = server.get(server.page(path)).text
        assert "<h1>렌더링 프로세스가 바뀐 뒤</h1>" in page
        # The first try may meet the dead process; then the page says so and the next request renders.
        if document(page) is None or "렌더링 프로세스가 바뀐 뒤" not in (document(page) or ""):
            assert "렌더링하지 못했습니다: 렌더링 프로세스가 멈췄습니다" in page
            project["title"] = "렌더링 프로세스가 바뀐 뒤 다시"
            write_yaml(path, project)
            page = server.get(server.page(path)).text
        assert project["title"] in (document(page) or "")
        assert not set(server.workers()) & set(before)
    finally:
        write_yaml(path, synthesize(0))


def test_the_pdf_is_rendered_on_demand(server: Server, data: Path, tmp_path: Path) -> None:
    path = data / "sub" / "p0.yaml"
    response = server.get("/pdf/" + str(path))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    pdf = tmp_path / "p0.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert synthesize(0)["title"] in text
    assert "초안" not in text
    assert server.get("/pdf/" + str(path)).content == response.content  # kept until the file changes


def test_no_url_reaches_the_file_system(server: Server, data: Path) -> None:
    secret = data.parent / "secret.yaml"
    secret.write_text("title: 비밀\n", encoding="utf-8")
    for url in (
        "/p/" + str(secret),
        "/p/../secret.yaml",
        "/p/%2e%2e/secret.yaml",
        "/pdf/" + str(secret),
        "/_serve/../../pyproject.toml",
        "/_serve/%2e%2e%2fserve.py",
        "/_serve/index.html.j2",
        "/etc/passwd",
        "/p//etc/passwd",
    ):
        response = server.get(url)
        assert response.status_code == 404, url
        assert "비밀" not in response.text and "root:" not in response.text
    assert server.get("/_serve/serve.js").headers["content-type"].startswith("text/javascript")
    assert "default-src 'none'" in server.get("/").headers["content-security-policy"]
    # Another site's page cannot reach the preview through a name that resolves to this machine.
    assert server.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert server.url.startswith("http://127.0.0.1:")


def test_nothing_is_written_into_the_watched_folder(server: Server, data: Path) -> None:
    before = sorted(p.relative_to(data) for p in data.rglob("*"))
    server.get("/pdf/" + str(data / REF))
    server.get(server.page(data / "sub" / "p0.yaml"))
    assert sorted(p.relative_to(data) for p in data.rglob("*")) == before


# --------------------------------------------------------------------------- a slow document

LINES = 150  # 사업목적 lines of 1,990 characters each (within the limits): its PDF takes seconds, about 60 pages
MARK = "가나다라"  # the words of those lines


def slow_project(title: str, lines: int = LINES) -> dict[str, Any]:
    project = yaml.safe_load(REFERENCE_YAML.read_text(encoding="utf-8"))
    project["title"] = title
    project["description"]["purpose"] = [" ".join([MARK] * 398)] * lines or ["시험"]
    return project


def pdf_text(content: bytes, tmp_path: Path) -> str:
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(content)
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def slow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of three documents: slow.yaml (its PDF takes seconds), fast.yaml, and quiet.yaml (never opened)."""
    folder = tmp_path_factory.mktemp("slow")
    write_yaml(folder / "slow.yaml", slow_project("느린 사업"))
    write_yaml(folder / "fast.yaml", synthesize(11))
    (folder / "quiet.yaml").write_text(REFERENCE_YAML.read_text(encoding="utf-8"), encoding="utf-8")
    running = Server(str(folder), "--port", "0")
    yield running
    running.stop()


class Fetch(threading.Thread):
    """A GET in the background, timed."""

    def __init__(self, server: Server, url: str) -> None:
        super().__init__(daemon=True)
        self.server, self.url = server, url
        self.response: httpx.Response | None = None
        self.seconds = 0.0
        self.start()

    def run(self) -> None:
        started = time.monotonic()
        with httpx.Client(base_url=self.server.url, timeout=LIMIT * 2) as client:
            self.response = client.get(self.url)
        self.seconds = time.monotonic() - started


@pytest.mark.slow
def test_a_slow_pdf_delays_only_its_own_document(slow: Server, tmp_path: Path) -> None:
    path, other = slow.folder / "slow.yaml", slow.folder / "fast.yaml"
    assert document(slow.get(slow.page(path)).text) is not None  # the page itself is quick: only the PDF is slow
    pdf = Fetch(slow, "/pdf/" + str(path))
    time.sleep(1.0)  # the PDF is being rendered
    project = synthesize(11)
    project["title"] = "느린 문서 옆의 사업"
    write_yaml(other, project)
    started = time.monotonic()
    page = slow.get(slow.page(other)).text
    waited = time.monotonic() - started
    assert "느린 문서 옆의 사업" in (document(page) or "")
    assert pdf.is_alive(), "the PDF was done before the other page was asked for: make LINES more"
    pdf.join(LIMIT * 2)
    assert pdf.response is not None and pdf.response.status_code == 200
    assert f"{MARK} {MARK}" in pdf_text(pdf.response.content, tmp_path)
    assert waited < pdf.seconds / 2, (waited, pdf.seconds)


@pytest.mark.slow
def test_a_save_stops_the_rendering_of_the_version_before(slow: Server, tmp_path: Path) -> None:
    path = slow.folder / "slow.yaml"
    write_yaml(path, slow_project("느린 사업 둘째 판"))  # a version whose PDF was never made
    before = set(slow.workers())
    pdf = Fetch(slow, "/pdf/" + str(path))
    time.sleep(1.0)  # the PDF is being rendered
    save_by_rename(path, yaml.safe_dump(slow_project("고친 사업", lines=0), allow_unicode=True, sort_keys=False))
    pdf.join(LIMIT * 2)
    assert pdf.response is not None and pdf.response.status_code == 200
    text = pdf_text(pdf.response.content, tmp_path)
    assert "고친 사업" in text and MARK not in text  # the PDF of the version saved last
    # The rendering of the version before was stopped: its process was killed and another one started.
    deadline = time.monotonic() + LIMIT
    while len(before - set(slow.workers())) != 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    now = set(slow.workers())
    assert len(before - now) == 1 and len(now) == 2, (before, now)


def test_a_file_broken_before_its_page_was_opened_shows_its_last_good_version(slow: Server) -> None:
    path = slow.folder / "quiet.yaml"
    good = path.read_text(encoding="utf-8")
    assert document(slow.get(slow.page(slow.folder / "fast.yaml")).text) is not None  # another page, not this one
    broken = good.replace("budget:\n", "budget:\n\titems: [\n", 1)
    save_by_rename(path, broken)
    try:
        # The watcher reads it: the terminal tells its problems exactly as `check` prints them.
        checked = subprocess.run(
            [sys.executable, str(ROOT / "generate.py"), "check", str(path)],
            capture_output=True,
            text=True,
            timeout=LIMIT,
        )
        assert checked.returncode == 1 and checked.stdout
        told = slow.told(*checked.stdout.splitlines())
        assert told[len(checked.stdout.splitlines())].startswith(f"{path}: 읽을 수 없음 (오류 1개) (검사 ")
        page = slow.get(slow.page(path)).text
        assert "파일을 읽을 수 없습니다:" in page
        assert "아래는 마지막으로 읽은 내용입니다." in page
        assert [p["rule"] for p in problems(page)] == ["yaml-syntax"]
        shown = document(page)
        assert shown is not None and "지역균형발전 추진" in shown and "5,100천원" in shown  # read at the start
        assert 'class="pdf"' not in page
    finally:
        save_by_rename(path, good)
    assert document(slow.get(slow.page(path)).text) == shown


def events(server: Server, path: Path, stages: set[str], act: Callable[[], None]) -> list[dict[str, Any]]:
    """The server-sent events about ``path`` until every stage in ``stages`` was heard, ``act`` done first."""
    heard: list[dict[str, Any]] = []
    with httpx.Client(base_url=server.url, timeout=httpx.Timeout(LIMIT, read=LIMIT)) as client:
        with client.stream("GET", "/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            assert next(lines) == "retry: 1000"
            act()
            deadline = time.monotonic() + LIMIT
            for line in lines:
                if line.startswith("data: "):
                    message = json.loads(line[6:])
                    if message["path"] == str(path):
                        heard.append(message)
                if {m["stage"] for m in heard} >= stages or time.monotonic() > deadline:
                    break
    return heard


@pytest.mark.slow
@pytest.mark.parametrize("poll", [False, True], ids=["notify", "poll"])
def test_a_save_by_rename_is_noticed_and_pushed(poll: bool, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "x.yaml"
    project = synthesize(7)
    write_yaml(path, project)
    running = Server(str(folder), "--port", "0", *(["--poll"] if poll else []))
    try:
        assert running.url.startswith("http://127.0.0.1:")
        running.get(running.page(path))
        project["title"] = "이름을 바꾼 사업"
        text = yaml.safe_dump(project, allow_unicode=True, sort_keys=False)
        heard = events(running, path, {"checked", "rendered"}, lambda: save_by_rename(path, text))
        assert [m["stage"] for m in heard][-2:] == ["checked", "rendered"]
        assert heard[-1]["status"] in ("통과", "통과 (경고 1개)")
        page = running.get(running.page(path)).text
        assert "<h1>이름을 바꾼 사업</h1>" in page
        # A second save of the same size, within the same second, is noticed too.
        project["title"] = "이름을 고친 사업"
        text = yaml.safe_dump(project, allow_unicode=True, sort_keys=False)
        heard = events(running, path, {"rendered"}, lambda: save_by_rename(path, text))
        assert heard[-1]["stage"] == "rendered"
        assert "<h1>이름을 고친 사업</h1>" in running.get(running.page(path)).text
        assert not list(folder.glob(".*"))  # the editor's temporary file is gone, and nothing else was written
    finally:
        assert running.stop() in (0, 130)
    assert not any("Traceback" in line for line in running.lines), running.lines


def test_usage_errors_exit_2_in_one_line(tmp_path: Path) -> None:
    missing = subprocess.run(
        [sys.executable, str(ROOT / "generate.py"), "serve", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=LIMIT,
    )
    assert missing.returncode == 2
    assert f"파일이나 폴더가 없습니다: {tmp_path / 'none'}" in missing.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = subprocess.run(
            [sys.executable, str(ROOT / "generate.py"), "serve", str(REFERENCE_YAML), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=LIMIT,
        )
    assert busy.returncode == 2
    assert busy.stderr.strip().splitlines()[-1] == (
        f"오류: 127.0.0.1:{port}에서 기다릴 수 없습니다: 이미 다른 프로그램이 쓰고 있습니다 — --port로 다른 번호를 주세요"
    )


# --------------------------------------------------------------------------- in a browser


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (./run test installs it)")
def test_the_page_updates_by_itself_in_a_browser(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / REF
    good = REFERENCE_YAML.read_text(encoding="utf-8")
    path.write_text(good, encoding="utf-8")
    running = Server(str(folder), "--port", "0")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            try:
                page = browser.new_page(viewport={"width": 1300, "height": 700})
                page.set_default_timeout(LIMIT * 1000)
                # The index's status is a compact badge inside its cell, not a cell-sized box.
                page.goto(running.url)
                badge, cell = page.evaluate(
                    """() => [document.querySelector('#projects td.state > .status'),
                              document.querySelector('#projects td.state')]
                        .map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })"""
                )
                assert badge[0] < cell[0] - 15 and badge[1] < cell[1] - 10, (badge, cell)
                assert page.inner_text("#projects td.state") == "통과"
                page.goto(running.url + running.page(path)[1:])
                page.wait_for_selector("body[data-live=on]")
                page.evaluate("window.notReloaded = true")
                assert page.inner_text("#problems h2").startswith("문제 없음")
                save_by_rename(path, good.replace(BASIS_LINE, BASIS_LINE.replace("5100", "5200")))
                page.wait_for_selector("#problems li.problem[data-field]")
                doc = page.frame_locator("#doc")
                doc.locator("td.wrong").wait_for()
                assert doc.locator("td.wrong").inner_text() == "5,200천원"
                assert page.inner_text("#status") == "오류 1개"
                assert "5,100천원인데 5,200천원으로" in page.inner_text("#problems")
                assert page.evaluate("window.notReloaded") is True
                # A click on the problem scrolls the document to the marked cell.
                element = page.query_selector("#doc")
                assert element is not None
                frame = element.content_frame()
                assert frame is not None
                top = frame.evaluate("window.scrollY")
                page.click("#problems li.problem[data-field]")
                page.wait_for_function(
                    "() => document.getElementById('doc').contentDocument.querySelector('td.wrong').style.outline !== ''"
                )
                assert frame.evaluate("window.scrollY") > top
                box = frame.evaluate("[document.querySelector('td.wrong').getBoundingClientRect().top, innerHeight]")
                assert 0 <= box[0] <= box[1]
                # Fixed: the problem goes away by itself too.
                save_by_rename(path, good)
                page.wait_for_selector("#problems p.clean")
                doc.locator("td.wrong").wait_for(state="detached")
                assert page.evaluate("window.notReloaded") is True
            finally:
                browser.close()
    finally:
        running.stop()


def test_the_preview_is_not_part_of_the_build_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import shutil

    from budgetdoc.batch.job import Options
    from budgetdoc.batch.manifest import environment_key
    from budgetdoc.write import assets

    templates = tmp_path / "templates"
    shutil.copytree(assets.TEMPLATES, templates)
    monkeypatch.setattr(assets, "TEMPLATES", templates)
    key = environment_key(Options())
    (templates / "serve" / "serve.css").write_text("body { color: red; }\n", encoding="utf-8")
    assert environment_key(Options()) == key  # editing the preview rebuilds no document
    (templates / "print.css").write_text("body { color: red; }\n", encoding="utf-8")
    assert environment_key(Options()) != key
