"""The real command in its own process, for the hostile tests: a time limit, a 2 GB address space.

``generate`` runs ``generate.py`` as a user would; ``KILLED_WHILE_WRITING`` runs it so that it
is killed (SIGKILL) the moment its first temporary file is written; ``refusal`` is the one
line of an exit-2 refusal; ``tree`` is every node under a folder (kind, inode, content or
link target), to compare before and after: nothing written, no node replaced.
"""

from __future__ import annotations

import os
import resource
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import ROOT

MEMORY = 2 << 30  # bytes of address space a command may take


def capped() -> None:
    """In the child, before the command runs: at most :data:`MEMORY` of address space."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def generate(
    *args: str | Path, cwd: Path = ROOT, code: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``generate.py ARGS`` in its own process; with ``code``, that Python runs first (``-c``)."""
    head = [sys.executable, "-c", code] if code else [sys.executable, str(ROOT / "generate.py")]
    return subprocess.run(
        [*head, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        preexec_fn=capped,
    )


# The writer killed (SIGKILL) the moment its first temporary file is written, before it is put in place.
KILLED_WHILE_WRITING = (
    "import os, runpy, signal, sys\n"
    "os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)\n"
    f"sys.argv = [{str(ROOT / 'generate.py')!r}, *sys.argv[1:]]\n"
    f"runpy.run_path({str(ROOT / 'generate.py')!r}, run_name='__main__')\n"
)


def refusal(run: subprocess.CompletedProcess[str]) -> str:
    """The one line of a refusal (exit 2), without the error prefix."""
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    prefix, _, message = lines[0].partition(": ")
    assert prefix == "오류", lines[0]
    return message


def tree(root: Path) -> dict[str, tuple[Any, ...]]:
    """Every node under ``root`` (links not followed): its kind, inode and content or target."""
    nodes: dict[str, tuple[Any, ...]] = {}
    if not os.path.lexists(root):
        return nodes
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            rel = path.relative_to(root).as_posix()
            if stat.S_ISLNK(st.st_mode):
                nodes[rel] = ("link", st.st_ino, os.readlink(path))
            elif stat.S_ISREG(st.st_mode):
                nodes[rel] = ("file", st.st_ino, st.st_mtime_ns, path.read_bytes())
            elif stat.S_ISDIR(st.st_mode):
                nodes[rel] = ("folder", st.st_ino)
            else:
                nodes[rel] = ("special", st.st_ino, stat.S_IFMT(st.st_mode))
    return nodes
