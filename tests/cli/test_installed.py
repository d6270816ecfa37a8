"""The installed `adiff` console script in a real process: output, imports, colour, depth."""

from __future__ import annotations

import json
import math
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autodiff_cli import __version__

BIN = Path(sys.executable).parent
ADIFF = str(BIN / "adiff") if (BIN / "adiff").exists() else shutil.which("adiff")
# Colour-neutral environment: what a script or a plain terminal gets.
ENV = {k: v for k, v in os.environ.items()
       if k not in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "TERM", "COLUMNS",
                    "PYTHONPROFILEIMPORTTIME")}


def adiff(*args, input: str | None = None, env: dict | None = None, timeout: float = 60):
    assert ADIFF, "the adiff console script is not installed"
    return subprocess.run([ADIFF, *map(str, args)], input=input, capture_output=True,
                          text=True, encoding="utf-8", env={**ENV, **(env or {})},
                          timeout=timeout)


def imported_modules(*args) -> set[str]:
    """Every module a run of `adiff *args` imports (from `-X importtime`, on stderr)."""
    result = adiff(*args, env={"PYTHONPROFILEIMPORTTIME": "1"})
    names = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)", result.stderr, re.M)
    assert names, result.stderr
    return set(names)


def test_the_console_script_runs_the_main_job():
    result = adiff("grad", "(x**2+1)**3", "--x", 2)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "value  125\n∂/∂x   300\n"
    assert result.stderr == ""


def test_python_dash_m_runs_the_same_program():
    result = subprocess.run([sys.executable, "-m", "autodiff_cli", "grad", "(x**2+1)**3",
                             "--x", "2", "--json"], capture_output=True, text=True, env=ENV)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"value": 125, "grad": {"x": 300}}


def test_exit_codes_reach_the_shell():
    assert adiff("check", "x**3", "--x", 2, "--eps", 1).returncode == 1
    bad = adiff("grad", "(x+", "--x", 2)
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr


def test_version_prints_the_version_and_exits_0():
    result = adiff("--version")
    assert result.returncode == 0
    assert result.stdout == f"adiff {__version__}\n"


def test_version_imports_neither_numpy_nor_lark_nor_rich():
    modules = imported_modules("--version")
    assert "autodiff_cli" in modules
    assert not {"numpy", "lark", "rich"} & modules


@pytest.mark.parametrize("args", [
    ("grad", "x**2", "--x", 2, "--json"),
    ("grad", "x**+", "--x", 2, "--json"),
    ("check", "sin(x)", "--x", 2, "--json"),
])
def test_json_output_does_not_import_rich(args):
    modules = imported_modules(*args)
    assert "numpy" in modules  # the run did happen
    assert "rich" not in modules


# colour


def run_on_a_terminal(*args, env: dict) -> str:
    """stdout of `adiff *args` when it is a terminal (a pseudo-terminal), as text."""
    main, secondary = pty.openpty()
    with subprocess.Popen([ADIFF, *map(str, args)], stdout=secondary, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, env={**ENV, "TERM": "xterm-256color", **env}
                          ) as process:
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the other end closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
    os.close(main)
    assert process.returncode == 0
    return b"".join(chunks).decode("utf-8")


def colour_codes(text: str) -> list[str]:
    """The SGR parameters in `text` that set a foreground or background colour."""
    codes = []
    for params in re.findall(r"\x1b\[([0-9;]*)m", text):
        for code in filter(None, params.split(";")):
            n = int(code)
            if 30 <= n <= 38 or 40 <= n <= 48 or 90 <= n <= 97 or 100 <= n <= 107:
                codes.append(code)
    return codes


GRAD = ("grad", "(x**2+1)**3", "--x", 2)
GRAPH = ("graph", "u = x**2 + 1; u*sin(u)", "--x", 2)
CHECK = ("check", "sin(x)*exp(x)", "--x", 0.7)


@pytest.mark.parametrize("args", [GRAD, GRAPH, CHECK])
def test_piped_output_has_no_escape_codes(args):
    result = adiff(*args)
    assert result.returncode == 0
    assert "\x1b" not in result.stdout and "\x1b" not in result.stderr


def test_a_terminal_gets_colour():
    # The control for the NO_COLOR test below: on a terminal the labels are coloured.
    assert colour_codes(run_on_a_terminal(*GRAD, env={}))


@pytest.mark.parametrize("args", [GRAD, GRAPH, CHECK])
def test_no_color_turns_colour_off_on_a_terminal(args):
    text = run_on_a_terminal(*args, env={"NO_COLOR": "1"})
    assert "300" in text or "MulBackward0" in text or "ok: all 1" in text
    assert colour_codes(text) == []


# Depth (SPEC §4): a deeply nested program goes through the parser, the evaluation and the
# backward pass without recursion (Python's own limit is 1,000 frames). Timings of 100,000
# levels on a loaded 2-CPU machine: parentheses 4-4.5 s, unary minus 4-6 s, sin(...) 5.5-10 s,
# a chain of bindings 13-24 s, so the chain runs 30,000 bindings (4.5-6 s).


def deep_grad(program: str, tmp_path: Path, *, stdin: bool = False):
    if stdin:
        result = adiff("grad", "-", "--x", 0.5, "--json", input=program, timeout=120)
    else:
        path = tmp_path / "deep.adf"
        path.write_text(program)
        result = adiff("grad", "-f", path, "--x", 0.5, "--json", timeout=120)
    assert "RecursionError" not in result.stderr and "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_100000_nested_parentheses(tmp_path):
    n = 100_000
    assert deep_grad("(" * n + "x" + ")" * n, tmp_path) == {"value": 0.5, "grad": {"x": 1}}


def test_100000_nested_calls(tmp_path):
    n = 100_000
    doc = deep_grad("sin(" * n + "x" + ")" * n, tmp_path)
    value, slope = 0.5, 1.0
    for _ in range(n):
        value, slope = math.sin(value), slope * math.cos(value)
    assert doc["value"] == pytest.approx(value, rel=1e-9)
    assert doc["grad"]["x"] == pytest.approx(slope, rel=1e-9)


def test_100000_unary_minus_signs(tmp_path):
    n = 100_001  # odd: the result is -x
    assert deep_grad("- " * n + "x", tmp_path, stdin=True) == {"value": -0.5,
                                                               "grad": {"x": -1}}


def test_a_long_chain_of_bindings(tmp_path):
    n = 30_000
    lines = ["a1 = x + 1", *(f"a{i} = a{i - 1} + 1" for i in range(2, n + 1)), f"a{n} * 2"]
    doc = deep_grad("\n".join(lines), tmp_path)
    assert doc == {"value": 2 * (n + 0.5), "grad": {"x": 2}}
