"""--batch FILE: many points, one program, one JSON line out per point (SPEC §3a).

The program is compiled once. Each point is a line of JSON lines (an object of
input values) or a row of a CSV file (a header of input names first); inputs
given as options hold for every point. A point runs the command as `--json`
would and its document is written and flushed at once; a bad point gets
`{"error": ..., "line": N}` and the rest go on. Where the program is elementwise
and every point is a set of scalars, eval and grad stack the points into arrays
and run once: the fast path, with the same numbers.
"""

from __future__ import annotations

import csv
import io
import json
import sys

import numpy as np

from autodiff_cli.commands.argv import parse_assignment
from autodiff_cli.commands.job import Job, option_value
from autodiff_cli.errors import AdiffError
from autodiff_cli.language import Program, compile_program
from autodiff_cli.language.functions import CONSTANTS
from autodiff_cli.rendering.errors import error_document
from autodiff_cli.rendering.numbers import dumps, json_document

FAST = {"eval", "grad"}


class Point:
    """One point of the batch: its line number in the file and its input texts or values."""

    __slots__ = ("line", "values", "error")

    def __init__(self, line: int, values: dict | None = None,
                 error: AdiffError | None = None) -> None:
        self.line = line
        self.values = values
        self.error = error


def read_points(options) -> tuple[list[str] | None, list[Point]]:
    """The points of `--batch FILE` (a CSV's header names too, for shadowed constants)."""
    path = options.batch
    try:
        if path == "-":
            if sys.stdin is None:
                raise AdiffError("file", "cannot read the points: standard input is closed")
            text = sys.stdin.buffer.read().decode("utf-8")
        else:
            with open(path, "rb") as file:
                text = file.read().decode("utf-8")
    except OSError as err:
        raise AdiffError("file", f"cannot read {path}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise AdiffError("file", f"{path} is not UTF-8 text") from None
    text = text.removeprefix("\ufeff")
    if path.lower().endswith(".csv"):
        return _csv_points(text)
    return None, _json_points(text)


def _json_points(text: str) -> list[Point]:
    points = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            values = json.loads(line)
        except json.JSONDecodeError as err:
            points.append(Point(number, error=AdiffError(
                "value", f"not a JSON object of input values: {err.msg} at column {err.colno}")))
            continue
        if not isinstance(values, dict):
            points.append(Point(number, error=AdiffError(
                "value", "a point is a JSON object of input values, such as {\"x\": 2}")))
            continue
        points.append(Point(number, values))
    return points


def _csv_points(text: str) -> tuple[list[str], list[Point]]:
    rows = list(csv.reader(io.StringIO(text)))
    # Blank lines are skipped; a row of empty cells (",") is a point with no values.
    numbered = [(n, row) for n, row in enumerate(rows, 1)
                if len(row) > 1 or (row and row[0].strip())]
    if not numbered:
        raise AdiffError("value", "the CSV file is empty: it needs a header of input names")
    (_, header), body = numbered[0], numbered[1:]
    header = [name.strip() for name in header]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise AdiffError("value", f"the CSV header names {', '.join(repeated)} more than once")
    points = []
    for number, row in body:
        if len(row) != len(header):
            points.append(Point(number, error=AdiffError(
                "value", f"this row has {len(row)} cells and the header {len(header)}")))
            continue
        points.append(Point(number, dict(zip(header, (cell.strip() for cell in row)))))
    return header, points


def run(command, options, compute, write_result) -> int:
    """Every point through `compute(job, options)`; the exit code for all of them."""
    from autodiff_cli.commands.job import read_program
    from autodiff_cli.rendering.progress import Progress

    if options.csv:
        raise AdiffError("usage", "--csv prints one grid result; with --batch every point is "
                                  "a JSON line (give the points as one grid instead)")
    if options.batch == "-" and options.expr in (None, "-") and options.file is None:
        raise AdiffError("usage", "with --batch - the points come from standard input: give "
                                  "the program as EXPR or with -f FILE")
    fixed_texts = dict(options.inputs)
    fixed_texts.update(parse_assignment(v) for v in options.var or [])
    header, points = read_points(options)
    keys = set(header or next((p.values for p in points if p.values), {}))
    shadow = frozenset(fixed_texts.keys() | keys) & CONSTANTS.keys()
    program = compile_program(read_program(options), shadow=shadow)
    unused = [n for n in fixed_texts if n not in program.inputs]
    unused += [n for n in header or [] if n not in program.inputs]
    if unused:
        raise AdiffError("name", f"the program does not use {', '.join(unused)}; its inputs are "
                                 f"{', '.join(program.inputs) or 'none'}")
    fixed = {n: option_value(f"--{n}", t, options.max_elements) for n, t in fixed_texts.items()
             if t is not None}
    failed, worst = False, 0
    with Progress(f"{command.name} --batch", total=len(points)) as bar:
        jobs = [_job(program, fixed, point, options.max_elements) for point in points]
        documents = _fast(command, program, jobs, points, options)
        for k, (point, job) in enumerate(zip(points, jobs)):
            if documents is not None and job is not None:
                document = documents[k]
            elif point.error is not None:
                document = {**error_document(point.error), "line": point.line}
            else:
                try:
                    result = compute(job, options)
                    document = json_document(result.document)
                    worst = max(worst, result.exit_code)  # check: 1 where it disagrees
                    for warning in result.warnings:
                        sys.stderr.write(f"line {point.line}: {warning}\n")
                except AdiffError as err:
                    document = {**error_document(err), "line": point.line}
            if "error" in document:
                failed = True
                sys.stderr.write(f"error: line {point.line}: {document['error']['message']}\n")
            write_result(dumps(document))
            bar.advance()
    return 2 if failed else worst


def _job(program: Program, fixed: dict, point: Point, limit: int) -> Job | None:
    """The point's job, or None with `point.error` set when its values are bad."""
    if point.error is not None:
        return None
    try:
        values = dict(fixed)
        for name, value in point.values.items():
            if name not in program.inputs:
                raise AdiffError("name", f"the program does not use {name}; its inputs are "
                                         f"{', '.join(program.inputs) or 'none'}")
            if name in values:
                raise AdiffError("name", f"{name} is given both as an option and in the point")
            values[name] = _value(name, value, limit)
        missing = [n for n in program.inputs if n not in values]
        if missing:
            raise AdiffError("name", f"no value for {', '.join(missing)}")
        return Job(program, {n: values[n] for n in program.inputs}, limit)
    except AdiffError as err:
        point.error = err
        return None


def _value(name: str, value, limit: int) -> np.ndarray:
    """A point's value: a JSON number or nested list, or a constant expression as text
    (`"pi/4"`, and the `"nan"`, `"inf"` that --json writes)."""
    if isinstance(value, str):
        if not value.strip():
            raise AdiffError("value", f"no value for {name}: its cell is empty")
        return option_value(name, value, limit)
    if not _numbers_only(value):  # NumPy would read null as nan and true as 1
        raise AdiffError("value", f"the value of {name} is not a number or an array of "
                                  f"numbers: {json.dumps(value)[:60]}")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AdiffError("value", f"the value of {name} is not a number or an array of "
                                  f"numbers: {json.dumps(value)[:60]}") from None
    if array.size > limit:
        raise AdiffError("size", f"the value of {name} has {array.size:,} elements, more than "
                                 f"the limit of {limit:,} (--max-elements)")
    return array


def _numbers_only(value) -> bool:
    """Whether a JSON value is a number or nested lists of numbers (no null, no true)."""
    if isinstance(value, list):
        return all(_numbers_only(v) for v in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fast(command, program: Program, jobs: list, points: list, options) -> list | None:
    """eval and grad of an elementwise program on scalar points: all points in one run.

    Returns one document per point (None where the point has its own error), or None
    when the fast path does not apply.
    """
    good = [job for job in jobs if job is not None]
    # Scalar points through an elementwise program without array constants: each point's
    # values are scalars all the way, so a point is one element of the stacked run.
    if (command.name not in FAST or options.seed is not None or len(good) < 2
            or not program.is_elementwise()
            or any(i.op == "array" for i in program.instructions)
            or any(np.ndim(v) for job in good for v in job.values.values())):
        return None
    from autodiff_cli.commands.run import resolve

    stacked = Job(program, {n: np.array([job.values[n] for job in good], dtype=np.float64)
                            for n in program.inputs}, options.max_elements * len(good))
    stacked_options = _with_seed(options)
    try:
        result = resolve(command.compute)(stacked, stacked_options)
    except AdiffError:
        return None  # let each point say what is wrong with it
    if any(result.warnings):
        return None  # a warning names the point it is about: each point runs on its own
    value = np.broadcast_to(result.document["value"], (len(good),))
    grads = {n: np.broadcast_to(g, (len(good),)) for n, g in result.document.get("grad",
                                                                                 {}).items()}
    documents, i = [], 0
    for job in jobs:
        if job is None:
            documents.append(None)
            continue
        document = {"value": value[i]}
        if command.name == "grad":
            document["grad"] = {n: g[i] for n, g in grads.items()}
        documents.append(json_document(document))
        i += 1
    return documents


def _with_seed(options):
    """The options with --seed 1: the stacked output is a vector of independent points."""
    from autodiff_cli.commands.options import Options

    return Options({**vars(options), "seed": "1"}, options.inputs)
