"""``build --scheduler`` against what is not a working Dask scheduler.

Each case runs the real command in its own process, with a time limit and a 2 GB address
space: a port that accepts and never answers, an HTTP server, one that sends garbage (a
length of exabytes, frames that do not add up), one that hangs up, addresses of schemes the
client does not speak, a real scheduler without workers, one that dies or freezes in the
middle of the build, and a TLS scheduler with the right and the wrong certificates. Every
case ends well within the limit with one line naming the address and what went wrong, exit
code 2, no traceback (not even from a client's ``__del__`` at exit) and no output written.
"""

from __future__ import annotations

import http.server
import os
import queue
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import REFERENCE_YAML, ROOT
from processes import capped

from budgetdoc.batch import cluster as C
from budgetdoc.batch import scheduler as S

distributed = pytest.importorskip("distributed")

LIMIT = 30  # seconds a case may take, from the command's start to its exit
TLS_ENV = "DASK_DISTRIBUTED__COMM__TLS__"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    (root / "2024").mkdir()
    shutil.copyfile(REFERENCE_YAML, root / "2024" / REFERENCE_YAML.name)
    return root


def start(data: Path, out: Path, address: str, env: dict[str, str]) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if k != C.WAIT_ENV and not k.startswith(TLS_ENV)}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "generate.py"), "build", str(data), "-o", str(out), "--scheduler", address],
        cwd=ROOT,
        env={**clean, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=capped,
    )


def refused(run: subprocess.Popen[str], out: Path, began: float) -> str:
    """The one line a build that cannot use its cluster ends with (without the error prefix), within LIMIT."""
    try:
        stdout, stderr = run.communicate(timeout=max(0.0, began + LIMIT - time.monotonic()))
    except subprocess.TimeoutExpired:
        run.kill()
        run.communicate()
        pytest.fail(f"no answer after {LIMIT} s")
    assert run.returncode == 2, stderr
    assert stdout == ""
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    *_, last = stderr.splitlines()
    prefix, _, message = last.partition(": ")
    assert prefix in ("오류", "Error"), last
    assert not [p for p in out.rglob("*") if p.suffix in (".html", ".pdf")]
    return message


def build(data: Path, out: Path, address: str, **env: str) -> str:
    """``generate.py build DATA -o OUT --scheduler ADDRESS`` in its own process: its refusal."""
    began = time.monotonic()
    return refused(start(data, out, address, env), out, began)


@contextmanager
def serving(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """A TCP server on 127.0.0.1 that calls ``answer`` with each connection it accepts (and keeps it open)."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()
        for conn in held:
            conn.close()


def silent(conn: socket.socket) -> None:
    """Accepts and never says a word."""


def hangs_up(conn: socket.socket) -> None:
    conn.close()


def sends(data: bytes) -> Callable[[socket.socket], None]:
    def answer(conn: socket.socket) -> None:
        try:
            conn.sendall(data)
        except OSError:
            pass

    return answer


def web_server(conn: socket.socket) -> None:
    """Reads a request to its empty line, answers 400 as web servers do."""
    request = b""
    try:
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(4096)
            if not chunk:
                return
            request += chunk
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    except OSError:
        pass


CANNOT = "에 연결할 수 없습니다: "
SILENT = "연결은 되었지만 10초 동안 Dask의 인사가 없습니다 (Dask 스케줄러가 아닌 듯합니다)"
HUGE = struct.pack("Q", 7_460_000_000_000_000_000) + bytes(56)  # a length of 6.47 EiB, as the report had it

CASES = [
    pytest.param(sends(HUGE), S.NOT_DASK, id="length-of-exabytes"),
    pytest.param(sends(b"\xff" * 4096), S.NOT_DASK, id="0xff-bytes"),
    # 24 bytes announced and sent, but as 2 frames of 5 bytes: they do not add up.
    pytest.param(sends(struct.pack("QQQQ", 24, 2, 5, 5) + bytes(8)), S.NOT_DASK, id="frames-that-do-not-add-up"),
    # Frames that add up, but not msgpack of a greeting.
    pytest.param(sends(struct.pack("QQQ", 20, 1, 4) + b"\xc1\xc1\xc1\xc1"), S.NOT_DASK, id="not-msgpack"),
    pytest.param(sends(b"SSH-2.0-OpenSSH_9.6\r\n"), S.NOT_DASK, id="ssh-banner"),
    pytest.param(web_server, S.HTTP, id="web-server"),
    pytest.param(hangs_up, S.CLOSED, id="hangs-up"),
]


@pytest.mark.parametrize(("answer", "why"), CASES)
def test_a_peer_that_is_not_a_scheduler_is_told_at_once(
    data: Path, tmp_path: Path, answer: Callable[[socket.socket], None], why: str
) -> None:
    with serving(answer) as address:
        began = time.monotonic()
        assert build(data, tmp_path / "out", address) == f"Dask 스케줄러 {address}{CANNOT}{why}"
        assert time.monotonic() - began < 10  # no waiting: the peer said enough


@pytest.mark.slow
def test_a_port_that_accepts_and_never_answers(data: Path, tmp_path: Path) -> None:
    with serving(silent) as address:
        assert build(data, tmp_path / "out", address) == f"Dask 스케줄러 {address}{CANNOT}{SILENT}"


def test_pythons_http_server(data: Path, tmp_path: Path) -> None:
    # It takes Dask's greeting for an HTTP/0.9 request and answers with a page, without a status line.
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        address = f"tcp://127.0.0.1:{server.server_address[1]}"
        assert build(data, tmp_path / "out", address) == f"Dask 스케줄러 {address}{CANNOT}{S.HTTP}"
    finally:
        server.shutdown()
        server.server_close()


SCHEMES = "(tcp://HOST:PORT나 tls://HOST:PORT만 됩니다)"


@pytest.mark.parametrize(
    ("address", "message"),
    [
        pytest.param(
            "ucx://127.0.0.1:8786",
            f"Dask 스케줄러 주소 ucx://127.0.0.1:8786: ucx://는 쓸 수 없습니다 {SCHEMES}",
            id="ucx",
        ),
        pytest.param(
            "foo://127.0.0.1:8786",
            f"Dask 스케줄러 주소 foo://127.0.0.1:8786: foo://는 쓸 수 없습니다 {SCHEMES}",
            id="foo",
        ),
        pytest.param(
            "ws://127.0.0.1:8786", f"Dask 스케줄러 주소 ws://127.0.0.1:8786: ws://는 쓸 수 없습니다 {SCHEMES}", id="ws"
        ),
        pytest.param(
            "tcp://127.0.0.1",
            "Dask 스케줄러 주소 tcp://127.0.0.1: HOST:PORT 형식이 아닙니다 (예: tcp://10.0.0.5:8786)",
            id="no-port",
        ),
        pytest.param(
            "tls://127.0.0.1:8786",
            "Dask 스케줄러 tls://127.0.0.1:8786: tls://에는 인증서가 필요합니다 — Dask 설정 "
            "distributed.comm.tls.ca-file과 distributed.comm.tls.client.cert·key "
            "(환경 변수 DASK_DISTRIBUTED__COMM__TLS__CA_FILE 등)",
            id="tls-without-certificates",
        ),
    ],
)
def test_addresses_the_client_cannot_use_are_refused_before_connecting(
    data: Path, tmp_path: Path, address: str, message: str
) -> None:
    assert build(data, tmp_path / "out", address) == message


def test_an_unknown_scheme_is_refused_with_nothing_to_build(tmp_path: Path) -> None:
    empty = tmp_path / "data"
    empty.mkdir()
    began = time.monotonic()
    message = refused(start(empty, tmp_path / "out", "ucx://127.0.0.1:8786", {}), tmp_path / "out", began)
    assert message == f"Dask 스케줄러 주소 ucx://127.0.0.1:8786: ucx://는 쓸 수 없습니다 {SCHEMES}"


@pytest.mark.parametrize(
    ("address", "host", "port"),
    [
        ("tcp://10.0.0.5:8786", "10.0.0.5", 8786),
        ("TCP://node-1:8786", "node-1", 8786),
        ("10.0.0.5:8786", "10.0.0.5", 8786),
        ("tcp://[::1]:8786", "::1", 8786),
    ],
)
def test_parse_address(address: str, host: str, port: int) -> None:
    assert S.parse_address(address) == ("tcp", host, port)


@pytest.mark.parametrize(
    "address", ["tcp://h:0", "tcp://h:99999", "tcp://h:x", "tcp://h:1/path", "tcp://u@h:1", "tcp://:1", "tcp://"]
)
def test_parse_address_wants_a_host_and_a_port(address: str) -> None:
    with pytest.raises(S.ClusterError, match=f"^Dask 스케줄러 주소 {address}: HOST:PORT 형식이 아닙니다"):
        S.parse_address(address)


def test_workers_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(C.WAIT_ENV, raising=False)
    assert C.workers_wait() == C.WAIT == 20
    monkeypatch.setenv(C.WAIT_ENV, "2.5")
    assert C.workers_wait() == 2.5
    for bad in ("0", "-1", "abc", "inf", "nan"):
        monkeypatch.setenv(C.WAIT_ENV, bad)
        with pytest.raises(S.ClusterError, match=f"^BUDGETDOC_DASK_WAIT={bad}: 작업자를 기다릴 시간은 0보다 큰 초여야"):
            C.workers_wait()


# --------------------------------------------------------------------------- real schedulers


@pytest.fixture(scope="module")
def no_workers() -> Iterator[object]:
    with distributed.LocalCluster(
        n_workers=0, processes=False, protocol="tcp://", dashboard_address=":0", silence_logs=50
    ) as local:
        yield local


def nobody(address: str, seconds: str) -> str:
    return (
        f"Dask 스케줄러 {address}에 작업자가 {seconds}초 동안 하나도 없습니다: 작업자를 띄우세요 "
        f"(dask worker {address} --nthreads 1; 기다릴 시간은 BUDGETDOC_DASK_WAIT=초)"
    )


def test_a_scheduler_without_workers(data: Path, tmp_path: Path, no_workers: object) -> None:
    address = no_workers.scheduler_address  # type: ignore[attr-defined]
    began = time.monotonic()
    assert build(data, tmp_path / "out", address, BUDGETDOC_DASK_WAIT="2") == nobody(address, "2")
    assert time.monotonic() - began < 15


def test_the_dashboards_port_is_an_http_server(data: Path, tmp_path: Path, no_workers: object) -> None:
    address = f"tcp://127.0.0.1:{no_workers.scheduler.http_server.port}"  # type: ignore[attr-defined]
    assert build(data, tmp_path / "out", address) == f"Dask 스케줄러 {address}{CANNOT}{S.HTTP}"


def test_a_wrong_waiting_time(data: Path, tmp_path: Path, no_workers: object) -> None:
    address = no_workers.scheduler_address  # type: ignore[attr-defined]
    assert build(data, tmp_path / "out", address, BUDGETDOC_DASK_WAIT="soon") == (
        "BUDGETDOC_DASK_WAIT=soon: 작업자를 기다릴 시간은 0보다 큰 초여야 합니다"
    )


@contextmanager
def scheduler_process() -> Iterator[tuple[subprocess.Popen[str], str, queue.Queue[str]]]:
    """A ``dask scheduler`` of its own process: the process, its address and the lines it logs."""
    process = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0"]
        + ["--dashboard-address", ":0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line)

    pumping = threading.Thread(target=pump, daemon=True)
    pumping.start()
    try:
        logged = until(lines, "Scheduler at:")
        yield process, logged.split("Scheduler at:")[1].strip(), lines
    finally:
        process.kill()
        process.wait()
        pumping.join()
        assert process.stderr is not None
        process.stderr.close()


def until(lines: queue.Queue[str], text: str) -> str:
    deadline = time.monotonic() + LIMIT
    while True:
        line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        if text in line:
            return line


@pytest.mark.slow
@pytest.mark.parametrize(
    ("how", "message"),
    [
        (signal.SIGKILL, "Dask 스케줄러 {}의 연결이 끊겼습니다 (스케줄러가 멈추었거나 네트워크가 끊김)"),
        (signal.SIGSTOP, "Dask 스케줄러 {}에서 10초 동안 답이 없습니다"),
    ],
    ids=["killed", "frozen"],
)
def test_a_scheduler_that_dies_or_freezes_during_the_build(
    data: Path, tmp_path: Path, how: signal.Signals, message: str
) -> None:
    with scheduler_process() as (process, address, lines):
        began = time.monotonic()
        run = start(data, tmp_path / "out", address, {})  # no worker: the build waits for one
        until(lines, "Registering Worker plugin budgetdoc-worker")
        time.sleep(2)  # the build is waiting for a worker by now, asking the scheduler every second
        process.send_signal(how)
        try:
            assert refused(run, tmp_path / "out", began) == message.format(address)
        finally:
            process.send_signal(signal.SIGCONT)


# --------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA with a scheduler's and a client's certificates, and another CA with a client of its own."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl이 없어 TLS 인증서를 만들 수 없습니다")
    folder = tmp_path_factory.mktemp("tls")

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=folder, check=True, capture_output=True, timeout=60)

    key = ("-newkey", "rsa:2048", "-nodes", "-days", "2")
    for ca in ("ca", "other"):
        run("req", "-x509", *key, "-keyout", f"{ca}.key", "-out", f"{ca}.pem", "-subj", f"/CN={ca}")
    for name, ca in (("scheduler", "ca"), ("client", "ca"), ("stranger", "other")):
        run("req", *key, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}")
        run(
            "x509",
            "-req",
            "-days",
            "2",
            "-in",
            f"{name}.csr",
            "-CA",
            f"{ca}.pem",
            "-CAkey",
            f"{ca}.key",
            "-out",
            f"{name}.pem",
        )
    return folder


@pytest.fixture(scope="module")
def tls_scheduler(certificates: Path) -> Iterator[str]:
    """A scheduler that speaks TLS only, trusting the first CA; no workers."""
    from distributed.security import Security

    security = Security(  # type: ignore[no-untyped-call]
        tls_ca_file=str(certificates / "ca.pem"),
        tls_scheduler_cert=str(certificates / "scheduler.pem"),
        tls_scheduler_key=str(certificates / "scheduler.key"),
        tls_client_cert=str(certificates / "client.pem"),
        tls_client_key=str(certificates / "client.key"),
        require_encryption=True,
    )
    with distributed.LocalCluster(
        n_workers=0, processes=False, protocol="tls://", security=security, dashboard_address=":0", silence_logs=50
    ) as local:
        yield local.scheduler_address


def tls(folder: Path, ca: str = "ca", client: str = "client") -> dict[str, str]:
    """Dask's TLS settings for this client, as environment variables."""
    return {
        f"{TLS_ENV}CA_FILE": str(folder / f"{ca}.pem"),
        f"{TLS_ENV}CLIENT__CERT": str(folder / f"{client}.pem"),
        f"{TLS_ENV}CLIENT__KEY": str(folder / f"{client}.key"),
    }


@pytest.mark.slow
def test_tls_with_the_clusters_certificates_reaches_the_scheduler(
    data: Path, tmp_path: Path, certificates: Path, tls_scheduler: str
) -> None:
    message = build(data, tmp_path / "out", tls_scheduler, BUDGETDOC_DASK_WAIT="1", **tls(certificates))
    assert message == nobody(tls_scheduler, "1")  # connected, greeted, asked for workers: TLS works


@pytest.mark.slow
def test_tls_with_the_wrong_certificates(data: Path, tmp_path: Path, certificates: Path, tls_scheduler: str) -> None:
    # A CA that did not sign the scheduler's certificate: this client does not trust the scheduler.
    message = build(data, tmp_path / "out1", tls_scheduler, **tls(certificates, ca="other"))
    head = f"Dask 스케줄러 {tls_scheduler}{CANNOT}스케줄러의 TLS 인증서를 확인할 수 없습니다 ("
    assert message.startswith(head), message
    assert message.endswith("): Dask 설정 distributed.comm.tls.ca-file이 스케줄러의 인증서를 서명한 CA인지 확인하세요")
    # A client certificate from another CA: the scheduler does not trust this client.
    message = build(data, tmp_path / "out2", tls_scheduler, **tls(certificates, client="stranger"))
    assert message == f"Dask 스케줄러 {tls_scheduler}{CANNOT}{S.CLOSED_TLS}"
    # A file that is not there.
    missing = {**tls(certificates), f"{TLS_ENV}CLIENT__CERT": str(certificates / "nope.pem")}
    assert build(data, tmp_path / "out3", tls_scheduler, **missing) == (
        f"Dask 스케줄러 {tls_scheduler}: TLS 인증서 파일이 없습니다: {certificates / 'nope.pem'} "
        "(Dask 설정 distributed.comm.tls.client.cert)"
    )


@pytest.mark.slow
def test_tls_and_tcp_mixed_up(
    data: Path, tmp_path: Path, certificates: Path, tls_scheduler: str, no_workers: object
) -> None:
    plain = tls_scheduler.replace("tls://", "tcp://")
    assert build(data, tmp_path / "out1", plain) == f"Dask 스케줄러 {plain}{CANNOT}{S.CLOSED}"
    secure = no_workers.scheduler_address.replace("tcp://", "tls://")  # type: ignore[attr-defined]
    assert build(data, tmp_path / "out2", secure, **tls(certificates)) == (
        f"Dask 스케줄러 {secure}{CANNOT}TLS로 답하지 않습니다 (TLS 없이 기다리는 스케줄러라면 tcp:// 주소를 쓰세요)"
    )
