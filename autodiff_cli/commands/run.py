"""One run of a command: read the program and its inputs, compute, print.

The same path serves every row of the command table: the computation returns a
`Result` (a SPEC §4 document, warnings for stderr, an exit code), which is
printed as strict JSON with `--json`, else by the command's display.
"""

from __future__ import annotations

import importlib
import math
import sys

from autodiff_cli.commands.options import ALL, Options
from autodiff_cli.commands.table import Command
from autodiff_cli.errors import AdiffError


def resolve(name: str):
    """"module:function" of `autodiff_cli.commands`, imported on first use."""
    module, function = name.split(":")
    return getattr(importlib.import_module(f"autodiff_cli.commands.{module}"), function)


def check_values(options: Options) -> None:
    """Refuse a value outside an option's choices, or a number below its minimum or not
    finite (Typer checks integers; nan passes any comparison, so floats are checked here)."""
    for option in ALL.values():
        value = getattr(options, option.name)
        if option.choices and value not in option.choices:
            choices = ", ".join(option.choices[:-1]) + " or " + option.choices[-1]
            raise AdiffError("usage", f"{option.long} is {choices}, not {value!r}")
        if option.type is float and option.minimum is not None and value is not None and not (
                math.isfinite(value) and value >= option.minimum):
            raise AdiffError("usage", f"{option.long} takes a finite number of at least "
                                      f"{option.minimum:g}, not {value:g}")


def run(command: Command, options: Options) -> int:
    """Run `command` and print its result; return the exit code."""
    check_values(options)
    if options.batch is not None:
        from autodiff_cli.commands.batch import run as run_batch

        return run_batch(command, options, resolve(command.compute), _write_line)
    from autodiff_cli.commands.job import load

    job = load(command, options)
    result = resolve(command.compute)(job, options)
    for warning in result.warnings:
        sys.stderr.write(warning + "\n")
    if options.json:
        from autodiff_cli.rendering.numbers import dumps, json_document

        sys.stdout.write(dumps(json_document(result.document)) + "\n")
    else:
        from autodiff_cli.rendering.style import style_for

        style = style_for(sys.stdout, color=options.color, digits=options.digits)
        if not style.unicode:  # the renderers write ASCII forms; anything else is replaced
            sys.stdout.reconfigure(errors="replace")
        resolve(command.show)(result, options, style)
    return result.exit_code


def _write_line(text: str) -> None:
    """One line of output, flushed at once: a batch's reader sees each point as it is done."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
