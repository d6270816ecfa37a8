"""Shared machinery: timing, worker processes, answer checks and the table.

Every in-process measurement runs in a worker process of its own (one per tool,
all sizes in turn), so that a peer that recurses too deep, runs out of memory,
crashes or hangs is reported as failing instead of taking the suite down, and
so that one tool's imports, threads and garbage do not slow another's timings.
"""

from __future__ import annotations

import compileall
import contextlib
import gc
import importlib
import importlib.util
import json
import os
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GRAMMAR = REPO / "grammar" / "adiff.lark"

NOT_INSTALLED = "skipped (not installed)"
ADIFF_MISSING = "skipped (adiff not importable)"
MARK = "@@bench "  # worker protocol lines start with this; anything else on stdout is noise
MAX_RUNS = 50  # cap on repeats of very short runs
SLOW = 5.0  # seconds: a checked run this slow is the measurement (see `measure`)


@dataclass(frozen=True)
class Config:
    """How hard to measure; `--quick` only shrinks these and the sizes."""

    quick: bool = False
    repeat: int = 5  # timed runs per measurement, at least (fewer only past the budget)
    min_time: float = 0.3  # short runs repeat until their total reaches this (seconds)
    budget: float = 4.0  # seconds of timed runs per measurement: slow tools repeat less
    timeout: float = 60.0  # seconds for one measurement (setup, check, repeats) to finish
    rounds: int = 6  # startup: rounds of fresh processes

    @classmethod
    def make(cls, quick: bool, repeat: int | None = None) -> Config:
        """`repeat` sets both the timed runs and the startup rounds."""
        cfg = (
            cls(True, repeat=3, min_time=0.1, budget=1.0, timeout=15.0, rounds=2)
            if quick
            else cls()
        )
        return cfg if repeat is None else replace(cfg, repeat=repeat, rounds=max(repeat, 2))


# --- targets and rows --------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One goal the lead must meet: a ratio to the floor or an absolute time."""

    label: str
    ratio: float | None = None  # at most this many times the floor
    seconds: float | None = None  # at most this long per run (per op when the row has ops)

    def met(self, row: Row) -> bool:
        if self.ratio is not None and (row.ratio is None or row.ratio > self.ratio):
            return False
        return self.seconds is None or row.per_unit <= self.seconds


def ratio_at_most(r: float) -> Target:
    return Target(f"≤ {r:g}x floor", ratio=r)


def seconds_at_most(s: float, label: str | None = None) -> Target:
    return Target(label or f"≤ {s:g} s", seconds=s)


@dataclass
class Row:
    """One line of the table: a tool on one workload case."""

    workload: str
    case: str
    tool: str
    role: str = "peer"  # floor | adiff | peer | context
    seconds: float | None = None  # median wall time of one run
    runs: int = 0
    ops: int | None = None  # operations per run, for per-op figures
    gc_share: float | None = None  # share of timed time spent in garbage collection
    status: str = ""  # empty when timed; otherwise skipped / fails / disagrees / not run
    note: str = ""
    ratio: float | None = None
    targets: tuple[Target, ...] = ()

    @property
    def per_unit(self) -> float:
        assert self.seconds is not None
        return self.seconds / self.ops if self.ops else self.seconds

    @property
    def verdict(self) -> str:
        if not self.targets:
            return ""
        if self.seconds is None:
            return "n/a"
        missed = [t.label for t in self.targets if not t.met(self)]
        if not missed:
            return "pass"
        return "MISS" if len(missed) == len(self.targets) else f"MISS ({', '.join(missed)})"


def fill_ratios(rows: list[Row]) -> None:
    """Ratio of each timed row to the floor measured for the same case in the same run."""
    floors = {(r.workload, r.case): r for r in rows if r.role == "floor" and r.seconds}
    for r in rows:
        floor = floors.get((r.workload, r.case))
        if r.ratio is None and r.seconds is not None and floor is not None:
            r.ratio = r.seconds / floor.seconds


# --- tools and the adiff under test ------------------------------------------------------


@dataclass(frozen=True)
class Tool:
    """A contender: `make(problem)` does the untimed setup and returns the timed `run()`.

    `make` raises ImportError when the tool is not there; `run()` returns the answer
    that the workload's `check` compares with the reference before anything is timed.
    """

    name: str
    make: Callable[[Any], Callable[[], Any]]
    role: str = "peer"
    targets: Callable[[str], tuple[Target, ...]] = lambda case: ()
    applies: Callable[[str], bool] = lambda case: True
    process: bool = False  # times a whole fresh process: its gc share means nothing here
    missing: str = NOT_INSTALLED


def adiff_core() -> Any:
    """The core's Python API."""
    import autodiff_cli as ad

    return ad


def adiff_command() -> list[str]:
    """argv prefix of the `adiff` console script, or ImportError while the CLI is missing.

    The package's bytecode is compiled first: `pip install .` writes it at install
    time, but an editable checkout run under PYTHONDONTWRITEBYTECODE would recompile
    every module in every process, ~100 ms that no user of an installed adiff pays.
    """
    spec = importlib.util.find_spec("autodiff_cli")
    if spec is None:
        raise ImportError("autodiff_cli is not installed in this Python")
    compileall.compile_dir(Path(spec.origin).parent, quiet=1)
    script = Path(PYTHON).with_name("adiff")
    found = str(script) if script.exists() else shutil.which("adiff")
    if found is None:
        raise ImportError("no `adiff` console script next to this Python or on PATH")
    return [found]


def import_torch() -> Any:
    """torch on one thread, like NumPy's elementwise kernels that adiff runs on.

    On a small machine shared with other work, torch's default thread pool made its
    times swing tenfold run to run; one thread compares like with like and stays
    steady.
    """
    import torch

    torch.set_num_threads(1)
    return torch


def run_process(argv: Sequence[str], timeout: float) -> tuple[float, str]:
    """Wall time of one fresh process and its stdout; RuntimeError when it fails."""
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        tail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1:] or [""]
        raise RuntimeError(f"exit {proc.returncode}: {tail[0][:120]}")
    return elapsed, proc.stdout


def close(got: float, want: float, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    return abs(got - want) <= atol + rtol * abs(want)


def describe(exc: BaseException) -> str:
    """A one-line reason for a failing tool, short enough for the table."""
    text = str(exc).splitlines()[0][:80] if str(exc) else ""
    return f"{type(exc).__name__}: {text}".rstrip(": ")


# --- timing (runs inside a worker) -------------------------------------------------------


class Stopwatch:
    """Times runs, and how much of that time the garbage collector took (gc.callbacks)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.gc = 0.0
        self._gc_start = 0.0

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.gc += time.perf_counter() - self._gc_start

    def __enter__(self) -> Stopwatch:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def time(self, run: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = run()
        self.times.append(time.perf_counter() - start)
        return result

    def summary(self) -> dict:
        total = sum(self.times)
        return {
            "seconds": statistics.median(self.times),
            "runs": len(self.times),
            "gc_share": self.gc / total if total else 0.0,
        }


def time_runs(run: Callable[[], Any], first: float, cfg: Config) -> dict:
    """Median of repeated runs after the warm-up; GC stays on, as users run it.

    `first` is the duration of the checked first run, which is also the warm-up.
    Unless it took half the budget, a second warm-up run (past one-off costs
    such as JIT compiles) estimates the cost of a run, and slow tools get fewer
    repeats, down to one, so that a measurement stays within the budget.
    """
    estimate = first
    if first < cfg.budget / 2:
        start = time.perf_counter()
        run()
        estimate = time.perf_counter() - start
    wanted = max(1, min(cfg.repeat, int(cfg.budget / estimate)))
    with Stopwatch() as watch:
        while len(watch.times) < wanted or (
            sum(watch.times) < cfg.min_time and len(watch.times) < MAX_RUNS
        ):
            watch.time(run)
    return watch.summary()


def measure(module: Any, tool: Tool, case: str, cfg: Config) -> dict:
    """Set up, check the answer, then time one tool on one case.

    A tool whose checked run takes SLOW seconds is not run again: that run is
    its one measurement, without a warm-up (the note says so), since a warm-up
    matters little next to such a run and repeating it would cost minutes.
    """
    problem = module.problem(case)
    ops = getattr(problem, "ops", None)
    try:
        run = tool.make(problem)
    except ImportError as e:
        return {"status": tool.missing, "note": describe(e)}
    try:
        with Stopwatch() as first:
            answer = first.time(run)
    except Exception as e:  # RecursionError and MemoryError too: the peer fails, not the suite
        return {"status": f"fails: {describe(e)}"}
    why = module.check(answer, problem)
    if why:
        return {"status": f"disagrees: {why}"}
    del answer
    if first.times[0] >= SLOW:
        return {**first.summary(), "ops": ops, "note": "one run, no warm-up"}
    return {**time_runs(run, first.times[0], cfg), "ops": ops}


# --- workers (the parent side) -----------------------------------------------------------


def _pump(stream: Any, lines: queue.Queue) -> None:
    for line in stream:
        if line.startswith(MARK):
            lines.put(json.loads(line[len(MARK) :]))
    lines.put(None)


def _death(proc: subprocess.Popen, err: Any) -> str:
    """Why a worker ended early: the last line of its stderr, or the signal that killed it."""
    code = proc.wait()
    err.seek(0)
    tail = [ln for ln in err.read().splitlines() if ln.strip()][-1:]
    if tail:
        return tail[0].strip()[:100]
    if code < 0:
        return f"crashed ({signal.Signals(-code).name})"
    return f"worker exited with {code}"


def run_worker(module: str, tool: str, cases: Sequence[str], cfg: Config) -> dict[str, dict]:
    """Measure `tool` on each case in a worker process, with a timeout per case.

    A case that times out fails and the larger ones are not run; a case that
    kills the worker (a segfault from deep C recursion, the OOM killer) fails
    and a fresh worker carries on with the rest.
    """
    results: dict[str, dict] = {}
    todo = list(cases)
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    while todo:
        argv = [PYTHON, "-m", "benchmarks.worker", module, tool, json.dumps(asdict(cfg)), *todo]
        with tempfile.TemporaryFile("w+") as err:
            # A process group of its own, so that ending it also ends what it started.
            proc = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=err, text=True, env=env, start_new_session=True
            )
            try:
                todo = _collect(proc, err, todo, results, cfg.timeout)
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return results


def _collect(
    proc: subprocess.Popen, err: Any, todo: list[str], results: dict[str, dict], timeout: float
) -> list[str]:
    """Read a worker's results into `results`; return the cases left for a fresh worker."""
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    while todo:
        try:
            result = lines.get(timeout=timeout)
        except queue.Empty:
            results[todo[0]] = {"status": f"fails: timeout after {timeout:g} s"}
            for case in todo[1:]:
                results[case] = {"status": f"not run (timed out at {todo[0]})"}
            return []
        if result is None:
            results[todo[0]] = {"status": f"fails: {_death(proc, err)}"}
            return todo[1:]
        results[result.pop("case")] = result
        todo = [c for c in todo if c not in results]
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=timeout)  # let it clean up after itself
    return []


def run_tools(module: Any, cfg: Config) -> list[Row]:
    """The rows of an in-process workload: every tool on every case, case by case."""
    cases = module.QUICK_CASES if cfg.quick else module.CASES
    rows = []
    for tool in module.TOOLS:
        mine = [c for c in cases if tool.applies(c)]
        results = run_worker(module.__name__, tool.name, mine, cfg) if mine else {}
        for case in mine:
            row = Row(module.NAME, case, tool.name, tool.role, targets=tool.targets(case))
            row = replace(row, **results[case])
            if tool.process:
                row.gc_share = None  # the collector of the worker, not of the timed process
            rows.append(row)
    order = {c: i for i, c in enumerate(cases)}
    rows.sort(key=lambda r: order[r.case])  # stable: tools keep their order within a case
    return rows


# --- the table ---------------------------------------------------------------------------


def fmt_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            return f"{seconds / scale:.3g} {unit}"
    raise AssertionError


HEAD = ("workload", "size", "tool", "median", "ratio", "n", "gc", "target", "verdict", "note")
RIGHT = {3, 4, 5, 6}  # right-aligned: the numbers


def _cells(r: Row) -> tuple[str, ...]:
    if r.seconds is None:
        median = ratio = runs = gc_share = "—"
        note = r.status + (f" [{r.note}]" if r.note else "")
    else:
        median = fmt_time(r.per_unit) + ("/op" if r.ops else "")
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "—"
        runs = str(r.runs)
        gc_share = f"{r.gc_share:.0%}" if r.gc_share is not None else "—"
        note = "; ".join(filter(None, ["floor" if r.role == "floor" else "", r.note]))
    target = ", ".join(t.label for t in r.targets)
    return (r.workload, r.case, r.tool, median, ratio, runs, gc_share, target, r.verdict, note)


def render(rows: list[Row]) -> str:
    """Plain text, so it survives logs, pipes and CI output unchanged; a blank line per case."""
    body = [_cells(r) for r in rows]
    widths = [max(len(cells[i]) for cells in [HEAD, *body]) for i in range(len(HEAD))]

    def line(cells: tuple[str, ...]) -> str:
        padded = (
            c.rjust(w) if i in RIGHT else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )
        return "  ".join(padded).rstrip()

    out = [line(HEAD), line(tuple("-" * w for w in widths))]
    for i, (r, cells) in enumerate(zip(rows, body, strict=True)):
        if i and (r.workload, r.case) != (rows[i - 1].workload, rows[i - 1].case):
            out.append("")
        out.append(line(cells))
    return "\n".join(out)


def load(name: str) -> Any:
    return importlib.import_module(f"benchmarks.{name}")
