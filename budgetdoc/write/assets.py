"""What the documents are made with besides the data: the templates folder and the fonts.

Light on purpose (standard library only): the build key needs these before it knows whether
anything is to be rendered, and a build with nothing to do must not pay for Jinja2 or
WeasyPrint.
"""

from __future__ import annotations

import ctypes.util
import hashlib
import importlib.util
import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from budgetdoc.errors import RenderError


def _templates() -> Path:
    """$BUDGETDOC_TEMPLATES, else the installed copy (budgetdoc/templates in a wheel), else the checkout's."""
    if os.environ.get("BUDGETDOC_TEMPLATES"):
        return Path(os.environ["BUDGETDOC_TEMPLATES"])
    package = Path(__file__).resolve().parent.parent  # budgetdoc/
    installed = package / "templates"
    return installed if (installed / "project.html.j2").is_file() else package.parent / "templates"


TEMPLATES = _templates()
FONTS = {
    "NanumGothic": "fonts-nanum",
    "NanumGothic:style=Bold": "fonts-nanum",
    "DejaVu Sans": "fonts-dejavu-core",
}


def check_hwpx() -> None:
    """Stop, with the command that fixes it, when python-hwpx (the HWPX writer's library) is missing."""
    if importlib.util.find_spec("hwpx") is None:
        raise RenderError("HWPX 출력에는 python-hwpx가 필요합니다: pip install python-hwpx")


@lru_cache(maxsize=1)
def check_fonts() -> None:
    """Stop, with the command that fixes it, when a font the templates need is missing.

    HarfBuzz's subsetter is checked too: without it WeasyPrint silently subsets fonts
    with fontTools, several times slower.
    """
    if ctypes.util.find_library("harfbuzz-subset") is None:
        raise RenderError(
            "HarfBuzz 서브셋 라이브러리가 없습니다 (없으면 PDF 생성이 몇 배 느려집니다). "
            "설치: sudo apt-get install libharfbuzz-subset0"
        )
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise RenderError("fontconfig가 없습니다: apt-get install fontconfig fonts-nanum fonts-dejavu-core")
    missing = []
    for pattern, package in FONTS.items():
        out = subprocess.run([fc_list, pattern, "family"], capture_output=True, text=True, check=False).stdout
        if not out.strip():
            missing.append((pattern, package))
    if missing:
        names = ", ".join(p for p, _ in missing)
        packages = " ".join(sorted({pkg for _, pkg in missing}))
        raise RenderError(f"글꼴이 없습니다: {names}. 설치: sudo apt-get install {packages}")


def fonts_fingerprint() -> str:
    """A hash of the font files the documents embed (part of the build cache key)."""
    fc_list = shutil.which("fc-list")
    digest = hashlib.sha256()
    if fc_list:
        for pattern in FONTS:
            out = subprocess.run([fc_list, pattern, "file"], capture_output=True, text=True, check=False).stdout
            for path in sorted(out.split()):
                path = path.rstrip(":")
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                digest.update(f"{path}:{st.st_size}:{int(st.st_mtime)}".encode())
    return digest.hexdigest()
