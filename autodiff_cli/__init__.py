"""adiff: exact derivatives of formulas, from the shell or from Python.

`import autodiff_cli as ad` gives the autograd core (`ad.tensor`, `ad.sin`,
`ad.grad`, ...). The names are loaded on first use, so that `adiff --version`
and the CLI's start-up do not pay for NumPy before they need it.
"""

__version__ = "0.1.0"
VERSION_LINE = f"adiff {__version__}\n"  # what `adiff --version` prints


def __getattr__(name: str):
    import importlib

    core = importlib.import_module("autodiff_cli.core")
    if name in core.__all__:
        return getattr(core, name)
    raise AttributeError(f"module 'autodiff_cli' has no attribute {name!r}")


def __dir__() -> list[str]:
    import importlib

    return sorted({*globals(), *importlib.import_module("autodiff_cli.core").__all__})
