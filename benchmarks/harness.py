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
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GRAMMAR = REPO / "grammar" / "adiff.lark"
# The checkout whose adiff a worker measures: this repository unless the parent names
# another (`--before PATH`: the rows that compare adiff with an earlier commit).
CHECKOUT_VAR = "ADIFF_BENCH_CHECKOUT"
BEFORE = "before"  # suffix of the rows that run the earlier checkout

# Workers run BLAS/LAPACK on one thread, as torch runs (see import_torch): on two cores
# shared with other work, OpenBLAS's threads spin against each other and a 200x200 inv
# took 50 times longer than on one thread. A tool can ask for its own (`Tool.env`).
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
THREADED = {name: "" for name in ONE_THREAD}  # the libraries' defaults: a thread per core

NOT_INSTALLED = "skipped (not installed)"
NOT_IN_ADIFF = "skipped (not in this adiff)"
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
    before: str | None = None  # an earlier checkout of adiff to measure beside this one
    pairs: int = 3  # with `before`: rounds of (this adiff, the earlier one), alternating

    @classmethod
    def make(cls, quick: bool, repeat: int | None = None, before: str | None = None) -> Config:
        """`repeat` sets both the timed runs and the startup rounds."""
        cfg = (
            cls(True, repeat=3, min_time=0.1, budget=1.0, timeout=15.0, rounds=2, pairs=1)
            if quick
            else cls()
        )
        cfg = replace(cfg, before=before)
        return cfg if repeat is None else replace(cfg, repeat=repeat, rounds=max(repeat, 2))


# --- targets and rows --------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One goal the lead must meet: a ratio to the floor or to another row of the same
    case (`against`, a tool's name; `before`: the same tool run from the earlier
    checkout), an absolute time, or a fact about the row (`holds`)."""

    label: str
    ratio: float | None = None  # at most this many times the floor (or `against`)
    seconds: float | None = None  # at most this long per run (per unit when the row has units)
    against: str | None = None
    before: bool = False
    holds: Callable[[Row], bool | None] | None = None

    def reference(self, row: Row) -> str | None:
        """The tool whose time the ratio is taken to; None for the floor."""
        return f"{row.tool} {BEFORE}" if self.before else self.against

    def met(self, row: Row) -> bool | None:
        """Whether the row meets the target; None when it cannot tell (no reference row)."""
        if self.holds is not None:
            return self.holds(row)
        if self.ratio is not None:
            ref = self.reference(row)
            ratio = row.ratio if ref is None else row.relative.get(ref)
            if ratio is None:
                return None
            if ratio > self.ratio:
                return False
        return self.seconds is None or row.per_unit <= self.seconds


def ratio_at_most(r: float) -> Target:
    return Target(f"≤ {r:g}x floor", ratio=r)


def seconds_at_most(s: float, label: str | None = None) -> Target:
    return Target(label or f"≤ {s:g} s", seconds=s)


def relative_to(tool: str, r: float, label: str | None = None) -> Target:
    """At most r times the time of another tool on the same case."""
    return Target(label or f"≤ {r:g}x {tool}", ratio=r, against=tool)


def faster_than(tool: str, times: float) -> Target:
    return relative_to(tool, 1 / times, f"≥ {times:g}x faster than {tool}")


def no_slower_than_before(r: float = 1.05) -> Target:
    """Against the same tool measured from the `--before` checkout, in the same run."""
    return Target(f"≤ {r:g}x before", ratio=r, before=True)


@dataclass
class Row:
    """One line of the table: a tool on one workload case."""

    workload: str
    case: str
    tool: str
    role: str = "peer"  # floor | adiff | peer | context
    seconds: float | None = None  # median wall time of one run
    runs: int = 0
    ops: int | None = None  # units of work per run (operations, points), for per-unit figures
    unit: str = "op"
    gc_share: float | None = None  # share of timed time spent in garbage collection
    status: str = ""  # empty when timed; otherwise skipped / fails / disagrees / not run
    note: str = ""
    ratio: float | None = None
    targets: tuple[Target, ...] = ()
    versus: tuple[str, ...] = ()  # other tools of the case whose time this one is shown against
    relative: dict[str, float] = field(default_factory=dict)  # per-unit time / that tool's
    facts: dict[str, Any] = field(default_factory=dict)  # what `Target.holds` looks at

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
        judged = [(t, t.met(self)) for t in self.targets]
        judged = [(t, ok) for t, ok in judged if ok is not None]
        if not judged:
            return "n/a"
        missed = [t.label for t, ok in judged if not ok]
        if not missed:
            return "pass"
        return "MISS" if len(missed) == len(judged) else f"MISS ({', '.join(missed)})"


def fill_ratios(rows: list[Row]) -> None:
    """Ratio of each timed row to the floor measured for the same case in the same run,
    and to the rows its targets and `versus` name (unless measured pairwise already).

    Per unit of work: the rows of one case may cover different numbers of points.
    """
    timed = {(r.workload, r.case, r.tool): r for r in rows if r.seconds}
    floors = {(r.workload, r.case): r for r in rows if r.role == "floor" and r.seconds}
    for r in rows:
        if r.seconds is None:
            continue
        floor = floors.get((r.workload, r.case))
        if r.ratio is None and floor is not None:
            r.ratio = r.per_unit / floor.per_unit
        refs = [t.reference(r) for t in r.targets] + list(r.versus)
        for ref in filter(None, refs):
            other = timed.get((r.workload, r.case, ref))
            if ref not in r.relative and other is not None:
                r.relative[ref] = r.per_unit / other.per_unit


# --- tools and the adiff under test ------------------------------------------------------


class NotInThisAdiff(Exception):
    """Raised by a tool's `make` when the adiff under test lacks the feature it measures."""


@dataclass(frozen=True)
class Tool:
    """A contender: `make(problem)` does the untimed setup and returns the timed `run()`.

    `make` raises ImportError when a peer is not installed (an adiff tool that cannot
    import adiff fails instead) and NotInThisAdiff when adiff lacks the feature; `run()`
    returns the answer that the workload's `check` compares with the reference before
    anything is timed. `units(problem)` is how many units of work one run does, when
    that differs between tools (a shell loop over a subset of the points).
    """

    name: str
    make: Callable[[Any], Callable[[], Any]]
    role: str = "peer"
    targets: Callable[[str], tuple[Target, ...]] = lambda case: ()
    applies: Callable[[str], bool] = lambda case: True
    process: bool = False  # times a whole fresh process: its gc share means nothing here
    versus: tuple[str, ...] = ()  # tools whose times this one's are shown against
    before: bool = False  # with --before, also measure it from the earlier checkout
    units: Callable[[Any], int] | None = None
    env: dict[str, str] = field(default_factory=dict)  # its worker's environment, over ONE_THREAD
    timeout: float | None = None  # seconds for one case, when cfg.timeout is too short


def checkout() -> Path:
    """The checkout whose adiff this process measures."""
    return Path(os.environ.get(CHECKOUT_VAR) or REPO)


def checkout_env(path: str | Path | None = None) -> dict[str, str]:
    """The environment of a process that must import adiff from `path` (default: the
    checkout under test): first on PYTHONPATH, ahead of any installed adiff (the
    virtualenv may hold an editable install of another checkout)."""
    path = str(path or checkout())
    rest = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != path]
    return {**os.environ, "PYTHONPATH": os.pathsep.join([path, *rest]), CHECKOUT_VAR: path}


def adiff_core() -> Any:
    """The core's Python API."""
    import autodiff_cli as ad

    _assert_under_test(ad.__file__)
    return ad


def _assert_under_test(module_file: str | None) -> None:
    """Refuse to measure an adiff imported from anywhere but the checkout under test."""
    where = Path(module_file or "").resolve()
    if checkout().resolve() not in where.parents:
        raise RuntimeError(f"autodiff_cli comes from {where.parent}, not from {checkout()}")


def adiff_command(path: str | Path | None = None) -> list[str]:
    """argv prefix of the `adiff` console script; run it with `checkout_env(path)`.

    The console script imports whatever autodiff_cli its Python finds first, which
    `checkout_env` makes the checkout under test; this checks that it does. The
    package's bytecode is compiled first: `pip install .` writes it at install time,
    but an editable checkout run under PYTHONDONTWRITEBYTECODE would recompile every
    module in every process, ~100 ms that no user of an installed adiff pays.
    """
    path = Path(path or checkout())
    if not (path / "autodiff_cli" / "__init__.py").exists():
        raise RuntimeError(f"no autodiff_cli package in {path}")
    compileall.compile_dir(path / "autodiff_cli", quiet=1)
    script = Path(PYTHON).with_name("adiff")
    found = str(script) if script.exists() else shutil.which("adiff")
    if found is None:
        raise RuntimeError("no `adiff` console script next to this Python or on PATH")
    probe = subprocess.run(
        [PYTHON, "-c", "import autodiff_cli; print(autodiff_cli.__file__)"],
        capture_output=True, text=True, env=checkout_env(path), cwd="/",
    )  # fmt: skip
    if probe.returncode != 0:
        raise RuntimeError(f"adiff does not import: {probe.stderr.strip()[-100:]}")
    _assert_under_test_at(probe.stdout.strip(), path)
    return [found]


def _assert_under_test_at(module_file: str, path: Path) -> None:
    where = Path(module_file).resolve()
    if path.resolve() not in where.parents:
        raise RuntimeError(f"the adiff script would import {where.parent}, not {path}")


def adiff_has_option(command: str, option: str, path: str | Path | None = None) -> bool:
    """Whether `adiff COMMAND --help` lists OPTION: features that are not there yet."""
    argv = [*adiff_command(path), command, "--help"]
    out = subprocess.run(argv, capture_output=True, text=True, env=checkout_env(path))
    return option in out.stdout


def import_torch() -> Any:
    """torch on one thread, like NumPy's elementwise kernels that adiff runs on.

    On a small machine shared with other work, torch's default thread pool made its
    times swing tenfold run to run; one thread compares like with like and stays
    steady.
    """
    import torch

    torch.set_num_threads(1)
    return torch


def run_process(
    argv: Sequence[str],
    timeout: float,
    env: dict[str, str] | None = None,
    ok: Sequence[int] = (0,),
    stdin: str | None = None,
) -> tuple[float, str]:
    """Wall time of one fresh process and its stdout; RuntimeError when its exit code is
    not in `ok`. It imports adiff from the checkout under test unless `env` says else."""
    start = time.perf_counter()
    proc = subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, env=env or checkout_env(),
        input=stdin,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok:
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
    ops = tool.units(problem) if tool.units else getattr(problem, "ops", None)
    shape = {"ops": ops, "unit": getattr(problem, "unit", "op")}
    try:
        run = tool.make(problem)
    except ImportError as e:
        if tool.role in ("adiff", BEFORE):
            return {"status": f"fails: {describe(e)}"}
        return {"status": NOT_INSTALLED, "note": describe(e)}
    except NotInThisAdiff as e:
        return {"status": NOT_IN_ADIFF, "note": str(e)}
    except Exception as e:  # a setup that fails (or a peer that cannot get there) fails
        return {"status": f"fails: {describe(e)}"}
    try:
        with Stopwatch() as first:
            answer = first.time(run)
    except Exception as e:  # RecursionError and MemoryError too: the peer fails, not the suite
        return {"status": f"fails: {describe(e)}"}
    why = module.check(answer, problem)
    if why:
        return {"status": f"disagrees: {why}"}
    notes = [module.note(answer, problem)] if hasattr(module, "note") else []
    del answer
    if first.times[0] >= SLOW:
        notes.append("one run, no warm-up")
        return {**first.summary(), **shape, "note": "; ".join(filter(None, notes))}
    return {**time_runs(run, first.times[0], cfg), **shape, "note": "; ".join(filter(None, notes))}


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


def run_worker(
    module: str,
    tool: str,
    cases: Sequence[str],
    cfg: Config,
    path: str | Path | None = None,
    extra_env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> dict[str, dict]:
    """Measure `tool` on each case in a worker process, with a timeout per case; with
    `path`, the worker measures the adiff of that checkout instead of this one.

    A case that times out fails and the larger ones are not run; a case that
    kills the worker (a segfault from deep C recursion, the OOM killer) fails
    and a fresh worker carries on with the rest.
    """
    results: dict[str, dict] = {}
    todo = list(cases)
    env = {**checkout_env(path or REPO), **ONE_THREAD, **(extra_env or {})}
    env = {k: v for k, v in env.items() if v}  # "" unsets: the library's default
    # The worker imports `benchmarks` from here, then puts the checkout under test
    # first on sys.path (see worker.py): an earlier checkout has benchmarks of its own.
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env["PYTHONPATH"]])
    while todo:
        argv = [PYTHON, "-m", "benchmarks.worker", module, tool, json.dumps(asdict(cfg)), *todo]
        with tempfile.TemporaryFile("w+") as err:
            # A process group of its own, so that ending it also ends what it started.
            proc = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=err, text=True, env=env, start_new_session=True
            )
            try:
                todo = _collect(proc, err, todo, results, max(cfg.timeout, timeout or 0))
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
    """The rows of an in-process workload: every tool on every case, case by case.

    With `cfg.before`, each tool marked `before` is also measured from that checkout,
    in alternating rounds (this adiff, the earlier one, ...): its ratio to before is
    the median of the per-round ratios, so the machine's drift cancels.
    """
    cases = module.QUICK_CASES if cfg.quick else module.CASES
    rows = []
    for tool in module.TOOLS:
        mine = [c for c in cases if tool.applies(c)]
        if not mine:
            continue
        paired = bool(cfg.before and tool.before)
        if paired:
            results, earlier = _paired(module.__name__, tool, mine, cfg)
        else:
            results = run_worker(
                module.__name__, tool.name, mine, cfg, extra_env=tool.env, timeout=tool.timeout
            )
            earlier = {}
        for case in mine:
            row = Row(
                module.NAME, case, tool.name, tool.role, targets=tool.targets(case),
                versus=tool.versus,
            )  # fmt: skip
            mine_rows = [replace(row, **results[case])]
            if paired:
                name = f"{tool.name} {BEFORE}"
                mine_rows.append(replace(Row(module.NAME, case, name, BEFORE), **earlier[case]))
            for r in mine_rows:
                if tool.process:
                    r.gc_share = None  # the collector of the worker, not of the timed process
            rows += mine_rows
    if hasattr(module, "finish"):
        module.finish(rows)  # notes that need the timings, such as extrapolations
    order = {c: i for i, c in enumerate(cases)}
    rows.sort(key=lambda r: order[r.case])  # stable: tools keep their order within a case
    return rows


def _paired(module: str, tool: Tool, cases: list[str], cfg: Config) -> tuple[dict, dict]:
    """Rounds of (this checkout, the earlier one) on the same cases; per case the median
    time of each and, on this one's result, the median per-round ratio to before."""
    assert cfg.before is not None
    rounds = [
        (
            run_worker(module, tool.name, cases, cfg, extra_env=tool.env, timeout=tool.timeout),
            run_worker(module, tool.name, cases, cfg, cfg.before, tool.env, tool.timeout),
        )
        for _ in range(cfg.pairs)
    ]
    label = commit_of(cfg.before)
    now, before = {}, {}
    for case in cases:
        pairs = [(a[case], b[case]) for a, b in rounds]
        now[case], before[case] = _pooled([a for a, _ in pairs]), _pooled([b for _, b in pairs])
        before[case]["note"] = "; ".join(filter(None, [label, before[case].get("note")]))
        timed = [(a, b) for a, b in pairs if "seconds" in a and "seconds" in b]
        ratios = [a["seconds"] / b["seconds"] for a, b in timed]
        if ratios:
            note = f"{len(ratios)} rounds" if len(ratios) > 1 else ""
            now[case]["relative"] = {f"{tool.name} {BEFORE}": statistics.median(ratios)}
            now[case]["note"] = "; ".join(filter(None, [now[case].get("note"), note]))
    return now, before


def _pooled(results: list[dict]) -> dict:
    """One result from a tool's rounds: the median of their medians; a failure if any."""
    failed = [r for r in results if "seconds" not in r]
    if failed:
        return failed[0]
    pooled = dict(results[0])
    pooled["seconds"] = statistics.median(r["seconds"] for r in results)
    pooled["runs"] = sum(r["runs"] for r in results)
    pooled["gc_share"] = statistics.median(r["gc_share"] for r in results)
    return pooled


def commit_of(path: str | Path) -> str:
    """`commit abc1234` of a checkout, for the notes of its rows."""
    out = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return f"commit {out.stdout.strip()}" if out.returncode == 0 else str(path)


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
        median = fmt_time(r.per_unit) + (f"/{r.unit}" if r.ops else "")
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "—"
        runs = str(r.runs)
        gc_share = f"{r.gc_share:.0%}" if r.gc_share is not None else "—"
        versus = [f"{v:.3g}x {name}" for name, v in r.relative.items()]
        note = "; ".join(filter(None, ["floor" if r.role == "floor" else "", *versus, r.note]))
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
