"""The package as a wheel: it carries the templates and renders without the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REFERENCE_YAML, ROOT, pdftotext


def test_wheel_carries_the_templates_and_renders_from_them(tmp_path: Path) -> None:
    # Built from a copy, so that setuptools' build/ folder is not left in the checkout.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(".git", ".venv", "output", "build", "*.egg-info", "__pycache__", ".*_cache"),
    )
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("budgetdoc-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {p.relative_to(ROOT).as_posix() for p in (ROOT / "templates").rglob("*") if p.is_file()}
    assert {f"budgetdoc/{name}" for name in templates} <= names
    assert "generate.py" in names
    skeleton = {
        p.relative_to(ROOT).as_posix() for p in (ROOT / "budgetdoc" / "project" / "skeleton").rglob("*") if p.is_file()
    }
    assert len(skeleton) >= 5 and skeleton <= names  # init's files, dotfiles included

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "import sys; from pathlib import Path\n"
        "from budgetdoc.write.render import TEMPLATES, Renderer\n"
        "from budgetdoc.formats.load import load\n"
        "print(TEMPLATES)\n"
        "sys.stdout.flush()\n"
        "Path(sys.argv[2]).write_bytes(Renderer().pdf(Renderer().html(load(sys.argv[1]).project)))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "BUDGETDOC_TEMPLATES"}
    env["PYTHONPATH"] = str(site)
    pdf = tmp_path / "out.pdf"
    # Run from elsewhere, with the unpacked wheel first on the path: the checkout is not used.
    ran = subprocess.run(
        [sys.executable, "-P", "-c", script, str(REFERENCE_YAML), str(pdf)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == str(site / "budgetdoc" / "templates")
    assert "지역균형발전 추진" in pdftotext(pdf.read_bytes())


def test_the_projects_own_pre_commit_hooks_are_valid_and_check_the_data() -> None:
    pre_commit = Path(sys.executable).with_name("pre-commit")
    config = ROOT / ".pre-commit-config.yaml"
    valid = subprocess.run([str(pre_commit), "validate-config", str(config)], capture_output=True, text=True)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    ran = subprocess.run(
        [str(pre_commit), "run", "budgetdoc-check", "--files", str(REFERENCE_YAML.relative_to(ROOT))],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "사업설명서 숫자 검증 (data/)" in ran.stdout
    assert "Passed" in ran.stdout
    layers = subprocess.run(
        [str(pre_commit), "run", "import-linter", "--files", "budgetdoc/pipeline.py"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert layers.returncode == 0, layers.stdout + layers.stderr
    assert "import-linter (the package's layers, no circles)" in layers.stdout and "Passed" in layers.stdout
