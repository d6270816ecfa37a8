"""`python -m autodiff_cli` and the `adiff` console script."""


def main() -> None:
    from autodiff_cli.commands.app import main as run

    run()


if __name__ == "__main__":
    main()
