"""The project around the code: CI runs the README's test command, and the wheel works."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def readme_quick_start() -> list[str]:
    """The command lines of the README's quick start block."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Quick start"):]
    block = re.search(r"```sh\n(.*?)```", section, re.S)[1]
    return [line for line in block.splitlines() if line.strip()]


def test_ci_runs_the_readme_test_command():
    readme_steps = [shlex.split(step) for step in readme_quick_start()[1].split(" && ")]
    script = (ROOT / ".ci" / "run").read_text().splitlines()
    ci_steps = [shlex.split(line) for line in script[script.index("set -x") + 1:]
                if line.strip() and not line.lstrip().startswith("#")]
    assert ci_steps == readme_steps
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


# the wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """`pip wheel .`: a plain, non-editable build (it fetches hatchling)."""
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                             "-w", str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    (path,) = out.glob("autodiff_cli-*.whl")
    return path


def test_the_wheel_ships_the_grammar_inside_the_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "autodiff_cli/grammar/adiff.lark" in names
    grammar = zipfile.ZipFile(wheel).read("autodiff_cli/grammar/adiff.lark")
    assert grammar == (ROOT / "grammar" / "adiff.lark").read_bytes()


def test_the_wheel_declares_the_console_script(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (entry_points,) = [n for n in archive.namelist() if n.endswith("entry_points.txt")]
        text = archive.read(entry_points).decode()
    assert "adiff = autodiff_cli.__main__:main" in text


def test_the_wheel_installed_in_a_fresh_venv_works_outside_the_repo(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                              "--no-deps", "--no-index", str(wheel)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    # The dependencies (numpy, lark, typer, rich) come from this venv's site-packages; its
    # editable autodiff_cli is a .pth file, which PYTHONPATH does not read.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"],
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    where = subprocess.run([str(python), "-c", "import autodiff_cli; print(autodiff_cli.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(venv)
    result = subprocess.run([str(venv / "bin" / "adiff"), "grad", "x**2", "--x", "3", "--json"],
                            cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"value": 9, "grad": {"x": 6}}
