"""`python -m autodiff_cli` and the `adiff` console script."""

import sys


def main() -> None:
    # `adiff --version` alone is answered before Typer is imported; Typer's own --version
    # answers it among other arguments (`adiff --version --help`) and in-process.
    if sys.argv[1:] == ["--version"]:
        from autodiff_cli import VERSION_LINE

        sys.stdout.write(VERSION_LINE)
        return
    from autodiff_cli.commands.app import main as run

    run()


if __name__ == "__main__":
    main()
