"""The fonts of an HTML page, embedded in it, so that a browser prints the PDF's letters.

A page that only names NanumGothic is printed in whatever font a browser finds instead
on a machine without it: other widths, other line breaks, another document. So the HTML
file that ``build --format html`` writes and ``serve`` shows carries its own fonts: one
``<style>`` element of ``@font-face`` rules whose ``data:`` URIs hold WOFF subsets of the
fonts the PDF embeds (NanumGothic regular and bold, DejaVu Sans for the ☑/☐ boxes), with
only the characters the page uses. The reference document gains about 72 KB.

HarfBuzz's subsetter makes each subset (about a millisecond; WeasyPrint needs the same
library), fontTools wraps it as WOFF. The subsets are the same bytes on every run.
:meth:`budgetdoc.write.render.Renderer.pdf` cuts the element out before WeasyPrint reads the
page, which takes its fonts from fontconfig: the PDF of a page with fonts is the PDF of
the page without them.
"""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import html as html_lib
import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from budgetdoc.errors import RenderError

START = '<style id="budgetdoc-fonts">'
END = "</style>\n"
BOXES = frozenset("☑☐")


@dataclass(frozen=True)
class Face:
    """One embedded font: the fontconfig pattern that finds its file, and its CSS face."""

    pattern: str
    family: str
    weight: int
    fallback: bool  # only the characters the faces before it lack (and the boxes)


FACES = (
    Face("NanumGothic", "NanumGothic", 400, False),
    Face("NanumGothic:style=Bold", "NanumGothic", 700, False),
    Face("DejaVu Sans", "DejaVu Sans", 400, True),
)


class _HarfBuzz:
    """The few HarfBuzz calls a subset needs, through ctypes."""

    def __init__(self) -> None:
        names = ctypes.util.find_library("harfbuzz"), ctypes.util.find_library("harfbuzz-subset")
        if None in names:
            raise RenderError("HarfBuzz 서브셋 라이브러리가 없습니다. 설치: sudo apt-get install libharfbuzz-subset0")
        hb, sub = (ctypes.CDLL(name) for name in names)
        p, u = ctypes.c_void_p, ctypes.c_uint
        for lib, name, restype, argtypes in (
            (hb, "hb_blob_create", p, [ctypes.c_char_p, u, ctypes.c_int, p, p]),
            (hb, "hb_face_create", p, [p, u]),
            (hb, "hb_face_reference_blob", p, [p]),
            (hb, "hb_blob_get_data", ctypes.POINTER(ctypes.c_char), [p, ctypes.POINTER(u)]),
            (hb, "hb_blob_destroy", None, [p]),
            (hb, "hb_face_destroy", None, [p]),
            (hb, "hb_set_create", p, []),
            (hb, "hb_set_add", None, [p, u]),
            (hb, "hb_set_has", ctypes.c_int, [p, u]),
            (hb, "hb_face_collect_unicodes", None, [p, p]),
            (sub, "hb_subset_input_create_or_fail", p, []),
            (sub, "hb_subset_input_destroy", None, [p]),
            (sub, "hb_subset_input_set", p, [p, ctypes.c_int]),
            (sub, "hb_subset_input_set_flags", None, [p, u]),
            (sub, "hb_subset_or_fail", p, [p, p]),
        ):
            function = getattr(lib, name)
            function.restype, function.argtypes = restype, argtypes
        self.hb, self.sub = hb, sub

    def face(self, data: bytes) -> tuple[Any, Any]:
        """A HarfBuzz face of ``data`` (copied) and the set of characters it has."""
        blob = self.hb.hb_blob_create(data, len(data), 0, None, None)  # HB_MEMORY_MODE_DUPLICATE
        face = self.hb.hb_face_create(blob, 0)
        self.hb.hb_blob_destroy(blob)
        unicodes = self.hb.hb_set_create()
        self.hb.hb_face_collect_unicodes(face, unicodes)
        return face, unicodes

    def subset(self, face: Any, characters: list[int]) -> bytes:
        """The TrueType bytes of ``face`` cut down to ``characters`` (no hinting)."""
        request = self.sub.hb_subset_input_create_or_fail()
        try:
            wanted = self.sub.hb_subset_input_set(request, 1)  # HB_SUBSET_SETS_UNICODE
            for code in characters:
                self.hb.hb_set_add(wanted, code)
            self.sub.hb_subset_input_set_flags(request, 0x1 | 0x4)  # NO_HINTING | DESUBROUTINIZE
            result = self.sub.hb_subset_or_fail(face, request)
        finally:
            self.sub.hb_subset_input_destroy(request)
        if not result:
            raise RenderError("글꼴을 HTML에 넣을 서브셋으로 만들지 못했습니다 (HarfBuzz)")
        blob = self.hb.hb_face_reference_blob(result)
        size = ctypes.c_uint()
        data = ctypes.string_at(self.hb.hb_blob_get_data(blob, ctypes.byref(size)), size.value)
        self.hb.hb_blob_destroy(blob)
        self.hb.hb_face_destroy(result)
        return data


@lru_cache(maxsize=1)
def _harfbuzz() -> _HarfBuzz:
    return _HarfBuzz()


@cache
def _font(pattern: str) -> tuple[Any, Any]:
    """The HarfBuzz face (and its characters) of the file fontconfig gives for ``pattern``, read once per process."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        raise RenderError("fontconfig가 없습니다: apt-get install fontconfig fonts-nanum fonts-dejavu-core")
    path = subprocess.run([fc_match, "-f", "%{file}", pattern], capture_output=True, text=True, check=False).stdout
    try:
        with open(path, "rb") as file:
            return _harfbuzz().face(file.read())
    except OSError as exc:
        raise RenderError(f"글꼴 파일을 읽을 수 없습니다 ({pattern}): {path or '없음'}: {exc.strerror}") from None


_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6}) ?")


def characters(page: str) -> set[str]:
    """Every character ``page`` can show: its text, its entities and the CSS strings of its running header."""
    text = html_lib.unescape(page)
    found = set(text) | {chr(int(m[1], 16)) for m in _CSS_ESCAPE.finditer(text)}
    found |= {chr(c) for c in range(0x20, 0x7F)}  # what a reader may type into the page's search
    return {c for c in found if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF}


def _woff(ttf: bytes) -> bytes:
    from fontTools.ttLib import TTFont  # deferred: a build with nothing to do imports this module

    font = TTFont(io.BytesIO(ttf), recalcTimestamp=False, recalcBBoxes=False)
    font.flavor = "woff"
    out = io.BytesIO()
    font.save(out, reorderTables=True)
    return out.getvalue()


def font_faces(page: str) -> str:
    """The ``<style>`` element with the fonts ``page`` needs, as WOFF subsets in ``data:`` URIs."""
    wanted = characters(page)
    codes = sorted(ord(c) for c in wanted)
    hb = _harfbuzz()
    rules = []
    covered: list[Any] = []
    for face in FACES:
        font, unicodes = _font(face.pattern)
        chosen = [
            c
            for c in codes
            if hb.hb.hb_set_has(unicodes, c)
            and (not face.fallback or chr(c) in BOXES or not any(hb.hb.hb_set_has(u, c) for u in covered))
        ]
        if not face.fallback:
            covered.append(unicodes)
        if not chosen:
            continue
        data = base64.b64encode(_woff(hb.subset(font, chosen))).decode("ascii")
        rules.append(
            f'@font-face {{ font-family: "{face.family}"; font-weight: {face.weight}; font-style: normal; '
            f'src: url(data:font/woff;base64,{data}) format("woff"); }}\n'
        )
    return START + "\n" + "".join(rules) + END


def embed(page: str) -> str:
    """``page`` with :func:`font_faces` as the last element of its head (unchanged when it has them already).

    Last, not first: a browser looks for ``<meta charset>`` in a page's first 1,024 bytes.
    """
    if START in page:
        return page
    at = page.find("</head>")
    if at < 0:
        return page
    return page[:at] + font_faces(page) + page[at:]


def strip(page: str) -> str:
    """``page`` without its embedded fonts (what WeasyPrint reads)."""
    at = page.find(START)
    if at < 0:
        return page
    end = page.find(END, at)
    return page if end < 0 else page[:at] + page[end + len(END) :]
