"""Reaching a Dask scheduler before Dask's client is trusted with it: the address, the connection, the greeting.

Dask's client waits for a scheduler's greeting without a time limit and allocates whatever
length its first 8 bytes announce: a port that accepts and never answers hangs it for ever,
and an HTTP server's ``HTTP/1.1`` read as a length asks for exabytes. So only ``tcp://`` and
``tls://`` addresses are taken (:func:`parse_address`, before anything is connected to; TLS
with the certificates of Dask's configuration, :func:`tls_context`), and :func:`greet`
connects once and reads the greeting itself, within :data:`HANDSHAKE` seconds and
:data:`GREETING` bytes. Every failure is a :class:`ClusterError` that says what the peer did.
"""

from __future__ import annotations

import os
import pickle
import socket
import ssl
import struct
import sys
import time
import urllib.parse

from budgetdoc.errors import BudgetdocError

SCHEMES = ("tcp", "tls")  # the addresses the client connects to (Dask's UCX, WebSocket and in-process comms: no)
CONNECT = 20.0  # seconds to reach the scheduler (a connection refused is tried again meanwhile)
HANDSHAKE = 10.0  # seconds, once connected, for the scheduler's greeting
GREETING = 64 * 1024  # bytes at most in a scheduler's greeting (Dask's is under 100)


class ClusterError(BudgetdocError):
    """The cluster cannot be used for this build (exit 2, one line)."""


def parse_address(address: str) -> tuple[str, str, int]:
    """The scheme, host and port of a scheduler's address (``tcp`` when it names no scheme).

    Raises :class:`ClusterError`, before anything is connected to, for a scheme this client
    does not speak (``ucx://``, ``ws://``, ``inproc://``, a typo) and for an address
    without a host and a port.
    """
    scheme, named, rest = address.partition("://")
    if not named:
        scheme, rest = "tcp", address
    if scheme.lower() not in SCHEMES:
        raise ClusterError(
            f"Dask 스케줄러 주소 {address}: {scheme}://는 쓸 수 없습니다 (tcp://HOST:PORT나 tls://HOST:PORT만 됩니다)"
        )
    try:
        parts = urllib.parse.urlsplit(f"//{rest}")
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or not port or parts.netloc != rest or "@" in rest:
        raise ClusterError(f"Dask 스케줄러 주소 {address}: HOST:PORT 형식이 아닙니다 (예: tcp://10.0.0.5:8786)")
    return scheme.lower(), host, port


def tls_context(address: str) -> ssl.SSLContext:
    """The client's TLS context from Dask's configuration, which must name a CA and this client's certificate."""
    import dask.config  # deferred: distributed is an optional extra
    from distributed.security import Security

    for key in ("ca-file", "client.cert", "client.key"):
        named = dask.config.get(f"distributed.comm.tls.{key}", None)
        if isinstance(named, str) and named and "\n" not in named and not os.path.isfile(named):  # not inline PEM
            raise ClusterError(
                f"Dask 스케줄러 {address}: TLS 인증서 파일이 없습니다: {named} (Dask 설정 distributed.comm.tls.{key})"
            )
    try:
        context: ssl.SSLContext | None = Security().get_connection_args("client")["ssl_context"]  # type: ignore[no-untyped-call]
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        raise ClusterError(f"Dask 스케줄러 {address}: TLS 인증서를 읽을 수 없습니다: {exc}") from None
    if context is None:
        raise ClusterError(
            f"Dask 스케줄러 {address}: tls://에는 인증서가 필요합니다 — Dask 설정 distributed.comm.tls.ca-file과 "
            "distributed.comm.tls.client.cert·key (환경 변수 DASK_DISTRIBUTED__COMM__TLS__CA_FILE 등)"
        )
    return context


def _why(exc: OSError) -> str:
    """Why a connection failed, in words."""
    if isinstance(exc, ConnectionRefusedError):
        return "연결 거부 (그 포트에서 기다리는 프로그램이 없습니다)"
    if isinstance(exc, TimeoutError):
        return "응답 없음"
    if isinstance(exc, socket.gaierror):
        return "호스트 이름을 찾을 수 없습니다"
    return exc.strerror or str(exc) or type(exc).__name__


def _unreachable(address: str, why: str) -> ClusterError:
    return ClusterError(f"Dask 스케줄러 {address}에 연결할 수 없습니다: {why}")


def _reach(address: str, host: str, port: int) -> socket.socket:
    """A TCP connection to ``host:port``, tried again for :data:`CONNECT` seconds (a scheduler may be starting)."""
    deadline = time.monotonic() + CONNECT
    pause = 0.05
    while True:
        try:
            return socket.create_connection((host, port), timeout=max(0.01, deadline - time.monotonic()))
        except socket.gaierror as exc:
            raise _unreachable(address, _why(exc)) from None
        except OSError as exc:
            if time.monotonic() + pause >= deadline:
                raise _unreachable(address, f"{CONNECT:g}초 동안 연결되지 않았습니다: {_why(exc)}") from None
        time.sleep(pause)
        pause = min(2 * pause, 1.0)


def _receive(sock: socket.socket, size: int, deadline: float) -> bytes:
    """Up to ``size`` bytes, fewer when the peer closes; :class:`TimeoutError` at ``deadline``."""
    data = bytearray()
    while len(data) < size:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        sock.settimeout(left)
        chunk = sock.recv(min(size - len(data), 65536))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def _frames(message: bytes) -> list[bytes] | None:
    """The frames of one Dask message (its 8-byte length already read), or None when it is not one."""
    if len(message) < 16:
        return None
    (count,) = struct.unpack_from("Q", message)
    start = 8 * (1 + count)
    if not 1 <= count <= 8 or len(message) < start:
        return None
    lengths = struct.unpack_from(f"{count}Q", message, 8)
    if start + sum(lengths) != len(message):
        return None
    frames = []
    for length in lengths:
        frames.append(message[start : start + length])
        start += length
    return frames


CLOSED = (
    "Dask의 인사 없이 연결을 끊었습니다: Dask 스케줄러가 아니거나 TLS로 기다리는 스케줄러입니다 "
    "(그러면 tls:// 주소와 인증서를 쓰세요)"
)
CLOSED_TLS = (
    "TLS로 연결한 뒤 Dask의 인사 없이 끊었습니다: 스케줄러가 이 컴퓨터의 인증서를 받지 않은 듯합니다 "
    "(distributed.comm.tls.client.cert·key가 스케줄러가 믿는 CA로 서명되었는지 확인하세요)"
)
NOT_DASK = "Dask 스케줄러가 아닙니다 (Dask의 인사 대신 알 수 없는 바이트를 보냄)"
HTTP = "HTTP 서버입니다 — 대시보드(보통 :8787)가 아닌 스케줄러의 주소(보통 :8786)를 주세요"


def _exchange(sock: socket.socket, tls: bool) -> str | None:
    """Greet as Dask's client does and read the peer's greeting: None for a Dask scheduler's, else what it did."""
    import msgpack  # deferred: comes with distributed, an optional extra

    deadline = time.monotonic() + HANDSHAKE
    ours = msgpack.packb(
        {"compression": None, "python": tuple(sys.version_info)[:3], "pickle-protocol": pickle.HIGHEST_PROTOCOL},
        use_bin_type=True,
    )
    # Dask's greeting (the frames' length, their count, their lengths, the msgpack), then an empty line: a scheduler
    # takes those 4 bytes for the start of a next message that never comes (Dask notes it at debug level), an HTTP
    # server (the dashboard's port given by mistake) for the end of a malformed request, answered at once with a 400.
    sock.sendall(struct.pack("QQQ", 16 + len(ours), 1, len(ours)) + ours + b"\r\n\r\n")
    head = _receive(sock, 8, deadline)
    if head.upper().startswith((b"HTTP/", b"<!DOCTYP", b"<HTML")):  # a status line, or an HTTP/0.9 answer's page
        return HTTP
    if len(head) < 8:
        return CLOSED_TLS if tls else CLOSED
    (size,) = struct.unpack("Q", head)
    if size > GREETING:  # what Dask would have allocated
        return NOT_DASK
    frames = _frames(_receive(sock, size, deadline))
    try:
        info = msgpack.unpackb(frames[0], use_list=False) if frames else None
    except (ValueError, msgpack.UnpackException):
        info = None
    return None if isinstance(info, dict) and "pickle-protocol" in info else NOT_DASK


def greet(address: str, context: ssl.SSLContext | None = None) -> None:
    """Connect to the scheduler at ``address`` once and read its greeting, bounded in time and in bytes.

    Dask's client waits for the scheduler's greeting (the handshake, under 100 bytes)
    without a time limit and allocates whatever length its first 8 bytes announce: a port
    that accepts and never answers hangs it for ever, and an HTTP server's ``HTTP/1.1``
    read as a length asks for exabytes. Here the greeting is read first, within
    :data:`HANDSHAKE` seconds and :data:`GREETING` bytes, and decoded as plain msgpack
    (never unpickled); only a peer that greets as a Dask scheduler is handed to Dask's
    client. ``context`` is the TLS context of a ``tls://`` address. Raises
    :class:`ClusterError` with what the peer did.
    """
    _, host, port = parse_address(address)
    sock = _reach(address, host, port)
    try:
        sock.settimeout(HANDSHAKE)
        if context is not None:
            sock = context.wrap_socket(sock)
        why = _exchange(sock, context is not None)
    except TimeoutError:
        why = f"연결은 되었지만 {HANDSHAKE:g}초 동안 Dask의 인사가 없습니다 (Dask 스케줄러가 아닌 듯합니다)"
    except ssl.SSLCertVerificationError as exc:
        why = (
            f"스케줄러의 TLS 인증서를 확인할 수 없습니다 ({exc.verify_message}): "
            "Dask 설정 distributed.comm.tls.ca-file이 스케줄러의 인증서를 서명한 CA인지 확인하세요"
        )
    except (ConnectionError, ssl.SSLEOFError):
        why = CLOSED_TLS if context is not None else CLOSED
    except ssl.SSLError as exc:
        if "CERTIFICATE" in (exc.reason or "") or "UNKNOWN_CA" in (exc.reason or ""):  # an alert about this client's
            why = CLOSED_TLS
        elif exc.reason == "WRONG_VERSION_NUMBER":
            why = "TLS로 답하지 않습니다 (TLS 없이 기다리는 스케줄러라면 tcp:// 주소를 쓰세요)"
        else:
            why = f"TLS 연결에 실패했습니다 ({exc.reason or exc}): 인증서를 확인하세요"
    except OSError as exc:
        why = _why(exc)
    finally:
        sock.close()
    if why is not None:
        raise _unreachable(address, why)
