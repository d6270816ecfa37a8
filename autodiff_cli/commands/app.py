"""The `adiff` command line: the Typer app, built from the command table.

Only Typer is imported at start-up; each command imports the core, the
language and the renderers when it runs, so `--help` and `--version` stay
quick, and `--json` never imports Rich. Every failure becomes one message on
stderr (and an `{"error": ...}` document with `--json`) with exit code 2.
"""

from __future__ import annotations

import inspect
import sys
import warnings
from typing import Annotated

import typer
from typer.core import TyperCommand, TyperGroup
from typer.exceptions import TyperException

from autodiff_cli import VERSION_LINE
from autodiff_cli.commands.argv import split_arguments
from autodiff_cli.commands.options import GLOBAL, Option, Options
from autodiff_cli.commands.table import COMMANDS, Command
from autodiff_cli.errors import AdiffError

EXIT_BAD_INPUT = 2


class InputsCommand(TyperCommand):
    """A command whose unknown `--name VALUE` options are the program's inputs."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        takes_value = {}
        for param in self.get_params(ctx):
            if param.param_type_name == "option":
                for opt in (*param.opts, *param.secondary_opts):
                    takes_value[opt] = not param.is_flag
        repeatable = {opt for param in self.get_params(ctx) if getattr(param, "multiple", False)
                      for opt in param.opts}
        try:
            split = split_arguments(list(args), takes_value, repeatable)
        except AdiffError:
            if not ctx.resilient_parsing:  # shell completion parses half-typed lines
                raise
            return super().parse_args(ctx, [])
        ctx.obj = split
        return super().parse_args(ctx, [*split.options, "--", *split.positional])


class AdiffGroup(TyperGroup):
    """Turns every way a command can fail into exit code 2 and a one-line message."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        given = list(sys.argv[1:] if args is None else args)
        args = hoist_global_options(given)
        # NumPy's and SciPy's RuntimeWarnings ("Mean of empty slice", "overflow in dot")
        # name their files, not the program: adiff says where a nan or inf came from itself.
        warnings.simplefilter("ignore", RuntimeWarning)
        # --batch implies --json: a failure before the first point is a JSON document too.
        as_json = any(a == "--json" or a.partition("=")[0] == "--batch" for a in given)
        color = _color_choice(given)
        try:
            code = super().main(args=args, prog_name=prog_name or "adiff",
                                complete_var=complete_var, standalone_mode=False, **extra)
            code = code if isinstance(code, int) else 0
            sys.stdout.flush()  # a failed write surfaces here, not at interpreter exit
        except AdiffError as err:
            code = report(err, as_json, color)
        except TyperException as err:
            if type(err).__name__ == "NoArgsIsHelpError":  # `adiff` alone: the help was shown
                code = EXIT_BAD_INPUT
            elif isinstance(err, typer.Abort):
                sys.stderr.write("Aborted!\n")
                code = 1
            else:
                message = err.format_message() if hasattr(err, "format_message") else str(err)
                code = report(AdiffError("usage", f"{message} (see adiff --help)"), as_json, color)
        except KeyboardInterrupt:
            code = 130
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (e.g. `| head`): nothing left to say
            code = 0
        except OSError as err:  # the output could not be written (a full disk, /dev/full)
            sys.stderr.write(f"error: cannot write the output: {err.strerror or err}\n")
            code = EXIT_BAD_INPUT
        if standalone_mode:
            sys.exit(code)
        return code


def hoist_global_options(args: list[str]) -> list[str]:
    """`adiff --json grad ...` as `adiff grad ... --json`: options that every command takes
    may stand before the command; one given after the command as well wins."""
    flags = {flag: option for option in GLOBAL for flag in option.flags}
    hoisted: list[tuple[Option, list[str]]] = []
    i = 0
    while i < len(args) and args[i].partition("=")[0] in flags:
        option = flags[args[i].partition("=")[0]]
        width = 1 if option.is_flag or "=" in args[i] else 2
        hoisted.append((option, args[i:i + width]))
        i += width
    if not hoisted:
        return args
    if i == len(args) or args[i] not in COMMANDS:  # --version, a typo: Typer says what is wrong
        return args[i:]
    command, rest = args[i], args[i + 1:]
    given = {a.partition("=")[0] for a in rest}
    kept = [word for option, words in hoisted if not given & set(option.flags) for word in words]
    return [command, *rest, *kept]


def _color_choice(args: list[str]) -> str:
    for i, arg in enumerate(args):
        if arg.startswith("--color="):
            return arg.partition("=")[2]
        if arg == "--color" and i + 1 < len(args):
            return args[i + 1]
    return "auto"


def report(err: AdiffError, as_json: bool, color: str = "auto") -> int:
    from autodiff_cli.rendering.errors import error_document, format_error
    from autodiff_cli.rendering.style import stderr_style

    sys.stderr.write(format_error(err, stderr_style(color)) + "\n")
    if as_json:
        from autodiff_cli.rendering.numbers import dumps

        sys.stdout.write(dumps(error_document(err)) + "\n")
    return EXIT_BAD_INPUT


INPUTS_HELP = "Inputs: --NAME VALUE or --NAME=VALUE for each free name; VALUE is a constant " \
              "expression: 2, -pi/4, 1e-3, [1,2,3], linspace(0,1,5)."


def _annotation(option: Option, default):
    """The Typer declaration of one option."""
    if option.is_flag:
        kind = bool
    elif option.repeat:
        kind = list[option.type] | None
    else:
        kind = option.type if default is not None else option.type | None
    return Annotated[kind, typer.Option(
        *option.flags, metavar=option.metavar, help=option.help,
        min=option.minimum if option.type is int else None,  # floats: see run.check_values
        show_default=default not in (None, False) and not option.repeat)]


def _callback(command: Command):
    """The function Typer calls for `command`: its signature is the command's options."""

    def callback(ctx: typer.Context, **values) -> int:
        from autodiff_cli.commands.run import run

        split = ctx.obj
        return run(command, Options(values, split.inputs if split else []))

    parameters = [inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY,
                                    annotation=typer.Context)]
    if command.inputs != "none":
        parameters.append(inspect.Parameter(
            "expr", inspect.Parameter.KEYWORD_ONLY, default=None,
            annotation=Annotated[str | None, typer.Argument(
                metavar="EXPR", show_default=False,
                help="The program: a formula such as 'sin(x)*y', or statements separated by "
                     "';' or newlines; '-' reads it from standard input.")]))
    for option in command.options:
        default = command.defaults.get(option.name, option.default)
        parameters.append(inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY,
                                            default=default,
                                            annotation=_annotation(option, default)))
    callback.__signature__ = inspect.Signature(parameters)
    callback.__annotations__ = {p.name: p.annotation for p in parameters}
    callback.__name__ = callback.__qualname__ = command.name
    callback.__doc__ = command.help
    return callback


def _show_version(value: bool) -> None:
    if value:
        sys.stdout.write(VERSION_LINE)
        raise typer.Exit()


def _options(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Exact derivatives of formulas from the shell."""


def build_app(only: str | None = None) -> typer.Typer:
    """The Typer app with every command, or with just `only` (see `main`)."""
    application = typer.Typer(
        cls=AdiffGroup,
        name="adiff",
        help="Exact derivatives of formulas: value, gradient, Hessian, a finite-difference "
        "check and the computation graph, with PyTorch's autograd semantics.",
        epilog='Example: adiff grad "(x**2+1)**3" --x 2',
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    application.callback()(_options)
    for name, command in COMMANDS.items():
        if only in (None, name):
            epilog = f"Example: {command.example}"
            if command.inputs == "values":
                epilog = f"{INPUTS_HELP}\n\n{epilog}"
            application.command(
                name, cls=InputsCommand, epilog=epilog,
                context_settings={"ignore_unknown_options": True},
            )(_callback(command))
    return application


app = build_app()


def main() -> None:
    """The console script. Typer turns every registered command into a Click command
    at each start (~2.5 ms each); a run of one command registers only that one."""
    args = hoist_global_options(sys.argv[1:])
    only = args[0] if args and args[0] in COMMANDS and not {"-h", "--help"} & set(args) else None
    (build_app(only) if only else app)(args=sys.argv[1:])  # as given: --json before a typo
