"""The command line: the Typer app (`app`), its argument handling and the five commands."""
