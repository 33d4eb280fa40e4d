"""Render time of the old templates against the new layout's, on the same documents, in one run.

The old HTML is made by the package and templates as they were before the layout model
(``git archive`` of ``--old``, by default the merge base of HEAD and ``main``), in a
subprocess; the new HTML by this checkout. Both go through the same WeasyPrint in this
process, with one font configuration, the keep-all joiners applied to both, alternately
per document so that a change of the machine's load falls on both alike. The new side is
timed twice: WeasyPrint alone on the new HTML (the markup), and ``Renderer.pdf`` (what a
build runs: the same one layout with the form's page rules, :mod:`budgetdoc.write.pagebreaks`).
Prints each side's seconds, the ratios new / old, and the machine.

    python bench/bench_render.py [--docs 12] [--rounds 2] [--old REV]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

OLD_HTML = """
import json, sys
from budgetdoc.formats.load import load_text
from budgetdoc.write.render import Renderer
r = Renderer()
docs = json.load(sys.stdin)
json.dump([r.html(load_text(text, name + ".yaml").project) for name, text in docs], sys.stdout)
"""


def old_html(rev: str, docs: list[tuple[str, str]], where: Path) -> list[str]:
    archive = subprocess.run(
        ["git", "archive", rev, "budgetdoc", "templates"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(where, filter="data")
    env = {**os.environ, "PYTHONPATH": str(where), "BUDGETDOC_TEMPLATES": str(where / "templates")}
    out = subprocess.run(
        [sys.executable, "-c", OLD_HTML],
        input=json.dumps(docs),
        env=env,
        cwd=where,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--old", default="")
    args = parser.parse_args()
    rev = (
        args.old
        or subprocess.run(
            ["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    )

    import weasyprint
    from docgen import pages
    from weasyprint.text.fonts import FontConfiguration

    from budgetdoc.formats.load import load_text
    from budgetdoc.write.keepall import join_words
    from budgetdoc.write.render import Renderer

    docs = [("reference", (ROOT / "data" / "2024" / "지역균형발전_추진.yaml").read_text(encoding="utf-8"))]
    docs += pages(args.docs - 1)
    renderer = Renderer()
    new = [renderer.html(load_text(text, name + ".yaml").project) for name, text in docs]
    with tempfile.TemporaryDirectory() as tmp:
        old = old_html(rev, docs, Path(tmp))
        assert old[0] != new[0], "the old HTML is the new one: the old package was not used"
        old_templates = Path(tmp) / "templates"
        fonts = FontConfiguration()

        def bare(html: str, base: Path) -> float:
            started = time.perf_counter()
            document = weasyprint.HTML(string=html, base_url=base.as_uri() + "/")
            join_words(document.etree_element)
            document.write_pdf(font_config=fonts)
            return time.perf_counter() - started

        for html in (old[0], new[0]):  # warm the font configuration
            bare(html, renderer.templates)
        t_old = t_new = t_full = 0.0
        for _ in range(args.rounds):
            for o, n in zip(old, new, strict=True):
                t_old += bare(o, old_templates)
                t_new += bare(n, renderer.templates)
                started = time.perf_counter()
                renderer.pdf(n)
                t_full += time.perf_counter() - started
    count = len(docs) * args.rounds
    print(f"documents: {len(docs)} (the reference and {len(docs) - 1} of tests/docgen.py), rounds: {args.rounds}")
    print(f"old templates ({rev[:10]}): {t_old:.2f} s, {t_old / count:.3f} s per document (WeasyPrint)")
    print(f"new layout:               {t_new:.2f} s, {t_new / count:.3f} s per document (WeasyPrint)")
    print(f"new, Renderer.pdf:        {t_full:.2f} s, {t_full / count:.3f} s per document (with the page rules)")
    print(f"ratio new / old: {t_new / t_old:.2f}x (WeasyPrint), {t_full / t_old:.2f}x (Renderer.pdf)")
    load_avg = os.getloadavg()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"WeasyPrint {weasyprint.__version__}, load average {load_avg[0]:.1f} at the end"
    )


if __name__ == "__main__":
    main()
