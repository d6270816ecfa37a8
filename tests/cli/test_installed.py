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


def run_on_a_terminal(*args, env: dict, code: int = 0, stderr: bool = False) -> str:
    """stdout (and stderr, if asked) of `adiff *args` on a pseudo-terminal, as text."""
    main, secondary = pty.openpty()
    with subprocess.Popen([ADIFF, *map(str, args)], stdout=secondary,
                          stderr=secondary if stderr else subprocess.PIPE,
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
    assert process.returncode == code
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
def test_no_color_turns_every_style_off_on_a_terminal(args):
    text = run_on_a_terminal(*args, env={"NO_COLOR": "1"})
    assert "300" in text or "MulBackward0" in text or "ok: the derivative agrees" in text
    assert "\x1b[" not in text  # no colour, and no bold either


RED = "\x1b[31;1m"


def test_failing_verdicts_are_red_and_agreeing_ones_green_on_a_terminal():
    text = run_on_a_terminal("check", "sum(x**3)", "--x", "[2, 3]", "--eps", 1, "--rtol", 0.05,
                             env={}, code=1)
    assert f"{RED}DIFFERS\x1b[0m" in text and f"{RED}FAILED\x1b[0m" in text
    assert "\x1b[32mok\x1b[0m" in text  # x[1]: 27 against 28 agrees within 5%


def test_error_is_red_on_a_terminal():
    text = run_on_a_terminal("grad", "(x+", "--x", 1, env={}, code=2, stderr=True)
    assert text.startswith(f"{RED}error:\x1b[0m ")


def test_force_color_colours_piped_output():
    assert colour_codes(adiff(*GRAD, env={"FORCE_COLOR": "1"}).stdout)
    assert "\x1b[" not in adiff(*GRAD, env={"FORCE_COLOR": "0"}).stdout


def test_color_option_overrides_the_terminal_and_the_environment():
    assert colour_codes(adiff(*GRAD, "--color", "always").stdout)
    assert colour_codes(adiff(*GRAD, "--color", "always", env={"NO_COLOR": "1"}).stdout)
    assert "\x1b[" not in run_on_a_terminal(*GRAD, "--color", "never", env={})
    assert "\x1b[" not in adiff(*GRAD, "--color=never", env={"FORCE_COLOR": "1"}).stdout


def test_a_bad_color_choice_is_refused():
    result = adiff(*GRAD, "--color", "sometimes")
    assert result.returncode == 2
    assert result.stderr == "error: --color is auto, always or never, not 'sometimes'\n"


# A stdout that cannot encode Unicode (a Windows redirect in cp1252)


def test_human_output_falls_back_to_ascii_on_a_legacy_encoding():
    result = subprocess.run([ADIFF, "hessian", "x**2*y", "--x", "1", "--y", "2"],
                            capture_output=True, env={**ENV, "PYTHONIOENCODING": "cp1252"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("cp1252").splitlines() == [
        "value    2", "d/dx     4", "d/dy     1", "d2/dx2   4", "d2/dxdy  2", "d2/dydx  2",
        "d2/dy2   0"]


def test_the_graph_falls_back_to_ascii_on_a_legacy_encoding():
    result = subprocess.run([ADIFF, *map(str, GRAPH)], capture_output=True,
                            env={**ENV, "PYTHONIOENCODING": "cp1252"})
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("cp1252")
    assert "+-- AddBackward0 #4" in text and "`-- ^ AddBackward0 #4 (shown above)" in text


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


@pytest.mark.deep
def test_100000_nested_parentheses(tmp_path):
    n = 100_000
    assert deep_grad("(" * n + "x" + ")" * n, tmp_path) == {"value": 0.5, "grad": {"x": 1}}


@pytest.mark.deep
def test_100000_nested_calls(tmp_path):
    n = 100_000
    doc = deep_grad("sin(" * n + "x" + ")" * n, tmp_path)
    value, slope = 0.5, 1.0
    for _ in range(n):
        value, slope = math.sin(value), slope * math.cos(value)
    assert doc["value"] == pytest.approx(value, rel=1e-9)
    assert doc["grad"]["x"] == pytest.approx(slope, rel=1e-9)


@pytest.mark.deep
def test_100000_unary_minus_signs(tmp_path):
    n = 100_001  # odd: the result is -x
    assert deep_grad("- " * n + "x", tmp_path, stdin=True) == {"value": -0.5,
                                                               "grad": {"x": -1}}


@pytest.mark.deep
def test_a_long_chain_of_bindings(tmp_path):
    n = 30_000
    lines = ["a1 = x + 1", *(f"a{i} = a{i - 1} + 1" for i in range(2, n + 1)), f"a{n} * 2"]
    doc = deep_grad("\n".join(lines), tmp_path)
    assert doc == {"value": 2 * (n + 0.5), "grad": {"x": 2}}


# progress bars (SPEC §3)


LONG_CHECK = ("check", "prod(x)", "--x", "linspace(1, 2, 600)", "--json")


def test_long_work_shows_a_progress_bar_on_a_terminal():
    text = run_on_a_terminal(*LONG_CHECK, env={}, stderr=True)
    assert "check x" in text and "/600" in text


def test_no_progress_bar_when_stderr_is_piped():
    result = adiff(*LONG_CHECK)
    assert result.returncode == 0 and result.stderr == ""


# shell completion (SPEC §3: Typer's, despite adiff's own argument splitting)


def complete(words: str) -> list[str]:
    env = {"_ADIFF_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}
    result = subprocess.run([ADIFF], capture_output=True, text=True, env={**ENV, **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_completion_completes_commands():
    assert complete("adiff gr") == ["grad", "graph"]
    assert "minimize" in complete("adiff m")


def test_completion_completes_a_commands_options_after_a_formula_and_inputs():
    assert complete("adiff grad --w") == ["--wrt"]
    assert "--tangent" in complete("adiff jvp x*y --x 1 --t")


@pytest.mark.parametrize(("shell", "mark"), [("bash", "complete -o default -F _adiff_completion"),
                                            ("zsh", "#compdef adiff")])
def test_show_completion_prints_a_script_for_the_shell(shell, mark):
    # Typer detects the shell that runs adiff (sh under some runners, a user's zsh);
    # with detection off, as in Typer's own tests, the shell is named.
    result = adiff("--show-completion", shell,
                   env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"})
    assert result.returncode == 0 and mark in result.stdout


# a command imports only what it uses (SciPy, SymPy and plotext never load for grad)


@pytest.mark.parametrize("args", [
    ("grad", "(x**2+1)**3", "--x", 2),
    ("grad", "sum(sin(x) * log1p(x**2))", "--x", "[1, 2]", "--json"),
    ("check", "x**3", "--x", 2),
    ("taylor", "exp(sin(x))", "--x", 0),
    ("jacobian", "[x*y, x + y]", "--x", 1, "--y", 2),
])
def test_grad_and_friends_import_neither_scipy_nor_sympy_nor_plotext(args):
    modules = imported_modules(*args)
    assert "numpy" in modules
    assert not {"scipy", "sympy", "plotext"} & {m.split(".")[0] for m in modules}


@pytest.mark.parametrize(("args", "library"), [
    (("eval", "erf(x)", "--x", 1), "scipy"),
    (("formula", "x**2"), "sympy"),
    (("plot", "x", "--x", "linspace(0, 1, 3)"), "plotext"),
])
def test_a_library_is_imported_by_what_needs_it(args, library):
    assert library in {m.split(".")[0] for m in imported_modules(*args)}


def test_the_plot_falls_back_to_ascii_on_a_legacy_encoding():
    result = subprocess.run([ADIFF, "plot", "x**2", "--x", "linspace(0, 1, 20)", "--order", "0,1"],
                            capture_output=True, env={**ENV, "PYTHONIOENCODING": "ascii",
                                                      "COLUMNS": "60", "LINES": "20"})
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("ascii")
    assert "?" not in text and "+----" in text and "f'" in text


def test_an_error_caret_stays_under_its_place_when_stderr_is_ascii():
    result = subprocess.run([ADIFF, "eval", "x²+", "--x", "1"], capture_output=True,
                            env={**ENV, "PYTHONIOENCODING": "ascii"})
    assert result.returncode == 2
    *_, source, caret = result.stderr.decode("ascii").splitlines()
    assert source == "1 | x?+" and caret.index("^") == len(source)  # one past the end


def test_numpy_and_scipy_warnings_do_not_reach_stderr():
    """adiff names the operation that made a nan or inf; NumPy's own warnings name files."""
    for args in (["eval", "std(x, ddof=4)", "--x", "[1,2,3,4]"],
                 ["grad", "mean(x)", "--x", "zeros(0)"],
                 ["minimize", "x", "--x", "1"]):
        result = adiff(*args)
        assert result.stderr and all(line.startswith("warning:")
                                     for line in result.stderr.splitlines()), result.stderr


# Work that grew without bound with a number's size (found by fuzzing): each must end at once.


def test_formula_of_a_power_with_a_huge_exponent_ends():
    result = adiff("formula", "x + 0.5**1e308 + 2**1e308", "--json", timeout=20)
    assert result.returncode == 0 and json.loads(result.stdout)["grad"] == {"x": "1"}


def test_the_derivative_of_digamma_far_left_of_zero_ends_and_is_right():
    """ψ'(x) = π²/sin²(πx) - ψ'(1 - x) and ψ'(z) ≈ 1/z + 1/(2z²) for large z."""
    result = adiff("grad", "digamma(x)", "--x=-1e10-0.5", "--json", timeout=20)
    z = 1e10 + 1.5
    assert json.loads(result.stdout)["grad"]["x"] == pytest.approx(
        math.pi**2 - (1 / z + 1 / (2 * z * z)), rel=1e-15)
