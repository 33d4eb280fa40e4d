"""Time ``check`` of the same projects as YAML files and as one workbook, and the workbook readers.

    .venv/bin/python bench/bench_workbook.py [--projects 120] [--runs 3]

The projects are varied ones (tests/docgen.py), exported to one workbook by ``export``.
Each ``check`` runs in a fresh process, as a user runs it; the best of ``--runs`` is
printed with the ratio workbook / YAML. Then, in this process, the time to read every
sheet of the workbook with the form's own reader (budgetdoc/formats/workbook/xlsx.py)
against openpyxl's full loader, twice (formulas and cached values), which it replaced, and,
when installed, python-calamine (values and merged ranges only: it gives no formula text).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import docgen  # noqa: E402
import openpyxl  # noqa: E402

from budgetdoc.formats.workbook import xlsx  # noqa: E402


def best(runs: int, *args: str) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, str(ROOT / "generate.py"), *args], capture_output=True)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            sys.exit(f"{' '.join(args)} failed: {done.stderr.decode()[-500:]}")
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=120)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "yaml"
        docgen.write(folder, docgen.specs(args.projects))
        book = Path(tmp) / "all.xlsx"
        subprocess.run([sys.executable, str(ROOT / "generate.py"), "export", str(folder), "-o", str(book)], check=True)
        yaml_s = best(args.runs, "check", str(folder))
        book_s = best(args.runs, "check", str(book))
        print(
            f"check {args.projects} projects: YAML files {yaml_s:.2f} s, one workbook {book_s:.2f} s, "
            f"ratio {book_s / yaml_s:.1f}×"
        )

        data = book.read_bytes()
        start = time.perf_counter()
        sheets = xlsx.read_sheets(zipfile.ZipFile(io.BytesIO(data)), 5000)
        own = time.perf_counter() - start
        start = time.perf_counter()
        openpyxl.load_workbook(io.BytesIO(data), data_only=False, keep_links=False)
        openpyxl.load_workbook(io.BytesIO(data), data_only=True, keep_links=False)
        full = time.perf_counter() - start
        print(
            f"read {len(sheets)} sheets ({len(data):,} bytes): form reader {own:.2f} s, "
            f"openpyxl full load ×2 {full:.2f} s, ratio {full / own:.0f}×"
        )
        try:  # not a dependency: values and merged ranges only, no formula text (which the form checks)
            import python_calamine
        except ImportError:
            print("python-calamine: not installed (pip install python-calamine to compare)")
            return
        start = time.perf_counter()
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            sheet.to_python()
            _ = sheet.merged_cell_ranges
        values = time.perf_counter() - start
        print(f"python-calamine, values and merged ranges of the same sheets (no formulas): {values:.2f} s")


if __name__ == "__main__":
    main()
