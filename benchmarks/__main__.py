"""`python -m benchmarks [WORKLOAD ...] [--quick] [--repeat N] [--json PATH]`.

Runs the workloads (all of them by default) in one go and prints one table, so
that every ratio compares tools measured on the same machine in the same state.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

from benchmarks.harness import REPO, Config, commit_of, fill_ratios, load, render, run_tools

WORKLOADS = (
    "startup", "vector", "scalar", "parse", "depth",
    "reductions", "linalg", "jacobian", "taylor", "batch", "minimize", "check",
)  # fmt: skip
PACKAGES = (
    "autodiff-cli numpy lark typer rich scipy torch jax autograd mygrad micrograd sympy mpmath"
).split()

DESCRIPTION = "adiff side by side with the tools a user would reach for, in one table."
NOTES = """\
median: wall time of one run after a warm-up (per operation or point where it says so);
  n: timed runs. A first run over 5 s is the one measurement ("one run, no warm-up").
ratio: to the floor of the same case measured in this run, per unit of work; startup's is
  the median of per-round ratios (commands alternate run by run, so machine drift cancels).
  "before" rows run the --before checkout in alternating rounds with this one; the adiff
  row's note gives the median of the per-round ratios.
torch runs on one thread in-process, like NumPy's elementwise kernels, and so does NumPy's
  BLAS in the workers (OPENBLAS_NUM_THREADS=1); see harness.py.
startup times whole fresh processes. The other workloads time in-process, each tool in a
  worker process of its own; "(process)" and "shell loop" rows time whole fresh processes.
gc: share of the timed time spent in Python's garbage collector. Timings keep the GC on,
  as users run; it collects more often the more Python objects a graph has.
Every answer is checked against the exact reference before it is timed (adiff's too), so
  a timed peer agrees with adiff; one that does not is reported, not timed.\
"""


def versions() -> str:
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} -")
    return ", ".join(found)


def checkout_line(path: Path) -> str:
    return f"{path} ({commit_of(path)})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=DESCRIPTION)
    parser.add_argument(
        "workloads",
        nargs="*",
        metavar="WORKLOAD",
        help=f"any of {', '.join(WORKLOADS)} (default: all)",
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument(
        "--repeat", type=int, help="timed runs per measurement (at least), and startup rounds"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    parser.add_argument(
        "--before",
        metavar="PATH",
        help="an earlier checkout of adiff (`git worktree add /tmp/adiff-old COMMIT`): "
        "its adiff is measured beside this one, in alternating rounds",
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.workloads) - set(WORKLOADS))
    if unknown:
        parser.error(f"unknown workload {', '.join(unknown)}; choose from {', '.join(WORKLOADS)}")
    if args.before and not (Path(args.before) / "autodiff_cli" / "__init__.py").exists():
        parser.error(f"--before {args.before}: no autodiff_cli package there")
    before = str(Path(args.before).resolve()) if args.before else None
    cfg = Config.make(args.quick, args.repeat, before)

    started = time.perf_counter()
    mode = "quick" if cfg.quick else "full"
    print(f"adiff benchmarks ({mode}), {time.strftime('%Y-%m-%d %H:%M')}")
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f} (other work on the machine slows every row)"
    )
    print(versions(), flush=True)
    print(f"adiff under test: {checkout_line(REPO)}", flush=True)
    if before:
        print(f"adiff before:     {checkout_line(Path(before))}", flush=True)
    print(flush=True)
    rows = []
    for name in args.workloads or WORKLOADS:
        t0 = time.perf_counter()
        module = load(name)
        rows += module.run(cfg) if hasattr(module, "run") else run_tools(module, cfg)
        print(f"[{name} done in {time.perf_counter() - t0:.0f} s]", file=sys.stderr, flush=True)
    fill_ratios(rows)

    print(render(rows), end="\n\n")
    print(NOTES)
    verdicts = [r.verdict.split()[0] for r in rows if r.verdict]
    summary = ", ".join(f"{verdicts.count(v)} {v.lower()}" for v in ("pass", "MISS", "n/a"))
    print(
        f"\ntargets: {summary}; total time {time.perf_counter() - started:.0f} s, "
        f"load average now {os.getloadavg()[0]:.2f}"
    )
    if args.json:
        with open(args.json, "w") as f:
            doc = [
                {**asdict(r), "targets": [t.label for t in r.targets], "verdict": r.verdict}
                for r in rows
            ]
            json.dump(doc, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
