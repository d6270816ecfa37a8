"""The `adiff` command line: five commands over one program and its inputs.

Only Typer is imported at start-up; each command imports the core, the
language and the renderers when it runs, so `--help` and `--version` stay
quick, and `--json` never imports Rich. Every failure becomes one message on
stderr (and an `{"error": ...}` document with `--json`) with exit code 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperCommand, TyperGroup
from typer.exceptions import TyperException

from autodiff_cli import __version__
from autodiff_cli.commands.argv import parse_assignment, split_arguments
from autodiff_cli.errors import AdiffError
from autodiff_cli.language.program import DEFAULT_MAX_ELEMENTS

EXIT_BAD_INPUT = 2


class InputsCommand(TyperCommand):
    """A command whose unknown `--name VALUE` options are the program's inputs."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        takes_value = {}
        for param in self.get_params(ctx):
            if param.param_type_name == "option":
                for opt in (*param.opts, *param.secondary_opts):
                    takes_value[opt] = not param.is_flag
        split = split_arguments(list(args), takes_value)
        ctx.meta["adiff.inputs"] = split.inputs
        ctx.meta["adiff.options"] = sorted(o for o in takes_value if o.startswith("--"))
        return super().parse_args(ctx, [*split.options, "--", *split.positional])


class AdiffGroup(TyperGroup):
    """Turns every way a command can fail into exit code 2 and a one-line message."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        args = list(sys.argv[1:] if args is None else args)
        as_json = "--json" in args
        try:
            code = super().main(args=args, prog_name=prog_name or "adiff",
                                complete_var=complete_var, standalone_mode=False, **extra)
            code = code if isinstance(code, int) else 0
            sys.stdout.flush()  # a failed write surfaces here, not at interpreter exit
        except AdiffError as err:
            code = report(err, as_json)
        except TyperException as err:
            if type(err).__name__ == "NoArgsIsHelpError":  # `adiff` alone: the help was shown
                code = EXIT_BAD_INPUT
            elif isinstance(err, typer.Abort):
                sys.stderr.write("Aborted!\n")
                code = 1
            else:
                message = err.format_message() if hasattr(err, "format_message") else str(err)
                code = report(AdiffError("usage", f"{message} (see adiff --help)"), as_json)
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


def report(err: AdiffError, as_json: bool) -> int:
    from autodiff_cli.rendering.errors import error_document, format_error

    sys.stderr.write(format_error(err) + "\n")
    if as_json:
        from autodiff_cli.rendering.numbers import dumps

        sys.stdout.write(dumps(error_document(err)) + "\n")
    return EXIT_BAD_INPUT


def build_app(only: str | None = None) -> typer.Typer:
    """The Typer app with every command, or with just `only` (see `main`)."""
    application = typer.Typer(
        cls=AdiffGroup,
        name="adiff",
        help="Exact derivatives of formulas: value, gradient, Hessian, a finite-difference "
        "check and the computation graph, with PyTorch's autograd semantics.",
        epilog='Example: adiff grad "(x**2+1)**3" --x 2',
        add_completion=False,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    application.callback()(_options)
    for name, (function, example) in COMMANDS.items():
        if only in (None, name):
            application.command(
                cls=InputsCommand, epilog=f"{INPUTS_HELP}\n\nExample: {example}",
                context_settings={"ignore_unknown_options": True},
            )(function)
    return application


COMMANDS: dict[str, tuple[Callable, str]] = {}  # name -> (function, example), in help order


def _show_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"adiff {__version__}\n")
        raise typer.Exit()


def _options(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    max_elements: Annotated[int | None, typer.Option(
        "--max-elements", metavar="N", min=1, show_default=False,
        help="Refuse values with more than N elements (also an option of each command).")] = None,
) -> None:
    """Exact derivatives of formulas from the shell."""
    if max_elements is not None:  # `adiff --max-elements N grad ...`
        ctx.meta["adiff.max_elements"] = max_elements


# Options shared by the commands.
Expr = Annotated[str | None, typer.Argument(
    metavar="EXPR", show_default=False,
    help="The program: a formula such as 'sin(x)*y', or statements separated by ';' or "
         "newlines; '-' reads it from standard input.")]
File = Annotated[Path | None, typer.Option(
    "--file", "-f", metavar="PATH", show_default=False, help="Read the program from PATH.")]
Var = Annotated[list[str] | None, typer.Option(
    "--var", "-v", metavar="NAME=VALUE", show_default=False,
    help="Give input NAME a value; the same as --NAME VALUE, for names that collide with an "
         "option. Repeatable.")]
Json = Annotated[bool, typer.Option("--json", help="Print one strict JSON document (for scripts).")]
MaxElements = Annotated[int, typer.Option(
    "--max-elements", metavar="N", min=1, help="Refuse values with more than N elements.")]
Wrt = Annotated[str | None, typer.Option(
    "--wrt", metavar="x,y", show_default=False,
    help="Differentiate with respect to these inputs, in this order (default: all, in order "
         "of first appearance).")]
Seed = Annotated[str | None, typer.Option(
    "--seed", metavar="S", show_default=False,
    help="For an output that is not a scalar: the vector of the vector-Jacobian product, "
         "broadcast to the output's shape (--seed 1 gives the elementwise derivative).")]

INPUTS_HELP = "Inputs: --NAME VALUE or --NAME=VALUE for each free name; VALUE is a constant " \
              "expression: 2, -pi/4, 1e-3, [1,2,3], linspace(0,1,5)."


def _command(example: str) -> Callable:
    """Register a command of the app, with an example for its help."""

    def register(function: Callable) -> Callable:
        COMMANDS[function.__name__] = (function, example)
        return function

    return register


def _run(ctx: typer.Context, expr, file, var, max_elements: int, as_json: bool,
         compute: Callable, show: Callable) -> int:
    """Load the job, compute its document, and print it for a script or for a person."""
    from autodiff_cli.commands.job import load_job, read_program

    if "adiff.max_elements" in ctx.meta and not _given(ctx, "max_elements"):
        max_elements = ctx.meta["adiff.max_elements"]
    given = [*ctx.meta.get("adiff.inputs", []), *(parse_assignment(v) for v in var or [])]
    job = load_job(read_program(expr, file), given, max_elements=max_elements,
                   option_names=ctx.meta.get("adiff.options", []))
    result = compute(job)
    for warning in result.warnings:
        sys.stderr.write(warning + "\n")
    if as_json:
        from autodiff_cli.rendering.numbers import dumps, json_document

        sys.stdout.write(dumps(json_document(result.document)) + "\n")
    else:
        show(result)
    return result.exit_code


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the command line set this parameter (rather than its default)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name != "DEFAULT"


def _show_rows(result) -> None:
    from autodiff_cli.rendering.human import print_rows, value_rows

    print_rows(value_rows(result.document))


@_command('adiff eval "sum(linspace(0, 1, 5)**2)"')
def eval(ctx: typer.Context, expr: Expr = None, file: File = None, var: Var = None,
         json: Json = False, max_elements: MaxElements = DEFAULT_MAX_ELEMENTS) -> int:
    """Print the value of the program."""
    from autodiff_cli.commands import compute

    return _run(ctx, expr, file, var, max_elements, json, compute.evaluate, _show_rows)


@_command('adiff grad "x**2*y + sin(y)" --x 1 --y 2 --wrt y,x')
def grad(ctx: typer.Context, expr: Expr = None, wrt: Wrt = None, seed: Seed = None,
         file: File = None, var: Var = None, json: Json = False,
         max_elements: MaxElements = DEFAULT_MAX_ELEMENTS) -> int:
    """Print the value and the exact derivative with respect to each input."""
    from autodiff_cli.commands import compute

    return _run(ctx, expr, file, var, max_elements, json,
                lambda job: compute.gradient(job, wrt, seed), _show_rows)


@_command('adiff hessian "x**2*y + y**3" --x 1 --y 2')
def hessian(ctx: typer.Context, expr: Expr = None, wrt: Wrt = None, file: File = None,
            var: Var = None, json: Json = False,
            max_elements: MaxElements = DEFAULT_MAX_ELEMENTS) -> int:
    """Print the value, the gradient and every second derivative (by double backward)."""
    from autodiff_cli.commands import compute

    return _run(ctx, expr, file, var, max_elements, json,
                lambda job: compute.hessian(job, wrt), _show_rows)


@_command('adiff check "sin(x)*exp(x)" --x 0.7')
def check(
    ctx: typer.Context, expr: Expr = None,
    eps: Annotated[float | None, typer.Option(
        "--eps", metavar="E", show_default=False,
        help="Use one plain central difference with step E (as torch.autograd.gradcheck) "
             "instead of extrapolation over a sequence of steps.")] = None,
    rtol: Annotated[float, typer.Option("--rtol", metavar="R", help="Relative tolerance.")] = 1e-6,
    atol: Annotated[float, typer.Option("--atol", metavar="A", help="Absolute tolerance.")] = 1e-9,
    wrt: Wrt = None, seed: Seed = None, file: File = None, var: Var = None, json: Json = False,
    max_elements: MaxElements = DEFAULT_MAX_ELEMENTS,
) -> int:
    """Compare autograd with numeric derivatives for every input element; exit 1 if any differ."""
    from autodiff_cli.commands import compute

    def show(result) -> None:
        from autodiff_cli.rendering.human import check_rows, check_summary, print_table

        rows = check_rows(result.details, result.document)
        print_table(["input", "autograd", "numeric", "abs err", "rel err", ""], rows,
                    right=[False, True, True, True, True, False])
        sys.stdout.write(check_summary(result.details, rows) + "\n")

    return _run(ctx, expr, file, var, max_elements, json,
                lambda job: compute.check(job, wrt, seed, eps, rtol, atol), show)


@_command('adiff graph "u = x**2 + 1; u*sin(u)" --x 2 --format dot')
def graph(
    ctx: typer.Context, expr: Expr = None,
    format: Annotated[str, typer.Option(
        "--format", metavar="tree|dot|mermaid",
        help="A tree for the terminal, or text for Graphviz or Mermaid.")] = "tree",
    max_depth: Annotated[int, typer.Option(
        "--max-depth", metavar="D", min=1, help="Draw the tree to this depth.")] = 40,
    max_nodes: Annotated[int, typer.Option(
        "--max-nodes", metavar="N", min=1, help="Draw at most N nodes of the tree.")] = 1000,
    seed: Seed = None, file: File = None, var: Var = None, json: Json = False,
    max_elements: MaxElements = DEFAULT_MAX_ELEMENTS,
) -> int:
    """Draw the computation graph after a backward pass: operations, values and gradients."""
    from autodiff_cli.commands import compute

    if format not in ("tree", "dot", "mermaid"):
        raise AdiffError("usage", f"--format is tree, dot or mermaid, not {format!r}")

    def show(result) -> None:
        from autodiff_cli.rendering import graph as drawing

        if format == "tree":
            from autodiff_cli.rendering.human import console

            console().print(drawing.render_tree(result.document, max_depth=max_depth,
                                                max_nodes=max_nodes))
        else:
            text = drawing.to_dot(result.document) if format == "dot" else drawing.to_mermaid(
                result.document)
            sys.stdout.write(text.rstrip("\n") + "\n")

    return _run(ctx, expr, file, var, max_elements, json,
                lambda job: compute.graph(job, seed), show)


app = build_app()


def main() -> None:
    """The console script. Typer turns every registered command into a Click command
    at each start (~2.5 ms each); a run of one command registers only that one."""
    args = sys.argv[1:]
    only = args[0] if args and args[0] in COMMANDS and not {"-h", "--help"} & set(args) else None
    (build_app(only) if only else app)()
