"""Reading `--x 2`-style inputs out of the command line before the option parser sees them.

Click, under Typer, reads `--x -inf` as two options, splits `--x -softplus(1)`,
and takes `--x 2 "x**2"` for a formula `--x`. So each command first splits
its arguments itself: its own options go on to the parser, a formula (even one
that starts with `-`) goes on as the positional argument, and every other
`--name VALUE` or `--name=VALUE` becomes an input, its value taken verbatim.
"""

from __future__ import annotations

import re

from autodiff_cli.errors import AdiffError
from autodiff_cli.language.functions import CONSTANTS

NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*\Z")


class SplitArguments:
    """A command line sorted out: what goes on to the option parser, and the inputs."""

    def __init__(self) -> None:
        self.options: list[str] = []  # for the option parser, in order
        self.positional: list[str] = []  # the formula (or '-')
        self.inputs: list[tuple[str, str | None]] = []  # (name, value text or None)


def split_arguments(
    args: list[str], takes_value: dict[str, bool], repeatable: set[str] = frozenset()
) -> SplitArguments:
    """Sort `args` into the command's own options, the formula, and the inputs.

    `takes_value` maps each option string of the command (`--seed`, `-f`, `--json`)
    to whether it is followed by a value; options other than the `repeatable` ones
    may be given once.
    """
    split = SplitArguments()
    seen: set[str] = set()
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            split.positional.extend(args[i:])
            break
        head, eq, attached = arg.partition("=")
        if head in takes_value:
            if head in seen and head not in repeatable:
                raise AdiffError("usage", f"{head} is given twice; give it once")
            seen.add(head)
            split.options.append(arg)
            if takes_value[head] and not eq:
                if i == len(args):  # else the parser would take the '--' added after us
                    raise AdiffError("usage", f"{head} needs a value")
                split.options.append(args[i])
                i += 1
        elif arg.startswith("--") and len(arg) > 2:
            name = head[2:]
            if not NAME.match(name):
                raise AdiffError(
                    "usage",
                    f"{head} is neither an option nor an input: an input name is a letter or _ "
                    "followed by letters, digits or _",
                )
            if eq:
                split.inputs.append((name, attached))
            elif i < len(args) and not _is_option(args[i], takes_value):
                split.inputs.append((name, args[i]))
                i += 1
            else:  # `--jsn --x 2`: a misspelt option, reported as an input the program lacks
                split.inputs.append((name, None))
        else:
            split.positional.append(arg)
    if len(split.positional) > 1:
        _explain_extra(split.positional)
    return split


SHORT_INPUT = re.compile(r"-([A-Za-z_][A-Za-z_0-9]*)\Z")
ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z_0-9]*)=(?!=)(.*)\Z", re.S)


def _explain_extra(positional: list[str]) -> None:
    """More than one formula: say what the extra words were probably meant to be."""
    for i, arg in enumerate(positional):
        if (short := SHORT_INPUT.match(arg)) and i + 1 < len(positional):
            name, value = short[1], positional[i + 1]
            raise AdiffError("usage", f"{arg} {value}: an input is given with two dashes, "
                                      f"--{name} {value} (or -v {name}={value})")
        if assignment := ASSIGNMENT.match(arg):
            name, value = assignment.groups()
            raise AdiffError("usage", f"{arg}: an input is given as --{name} {value} or "
                                      f"-v {arg}")


def _is_option(arg: str, takes_value: dict[str, bool]) -> bool:
    """Whether `arg` is the next option rather than a value: `--json`, `--y`, `--y=2`.

    A value may start with `-` (`-inf`, `--1`), and `--pi` is a constant, so only the
    command's own options and `--NAME` for a name that is not a constant count.
    """
    head = arg.partition("=")[0]
    if head in takes_value:
        return True
    return head.startswith("--") and bool(NAME.match(head[2:])) and head[2:] not in CONSTANTS


def parse_assignment(text: str, option: str = "--var") -> tuple[str, str]:
    """`x=2` from `-v x=2`, `--var x=2` or `--tangent x=2` as (name, value text)."""
    name, eq, value = text.partition("=")
    name = name.strip()
    if not eq or not NAME.match(name):
        raise AdiffError("usage", f"{option} takes NAME=VALUE, got {text!r}")
    return name, value
