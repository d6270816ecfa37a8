"""`python -m autodiff_cli` and the `adiff` console script."""

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:  # answered before Typer is even imported
        from autodiff_cli import __version__

        sys.stdout.write(f"adiff {__version__}\n")
        return
    from autodiff_cli.commands.app import main as run

    run()


if __name__ == "__main__":
    main()
