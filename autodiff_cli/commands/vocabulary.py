"""functions: the language's vocabulary, read from the core's table (SPEC §1)."""

from __future__ import annotations

from autodiff_cli.commands.job import Result
from autodiff_cli.core.registry import GROUPS
from autodiff_cli.language.functions import vocabulary

HEADINGS = {
    "elementwise": "elementwise",
    "special": "special functions",
    "binary": "two and more arguments, elementwise",
    "reductions": "reductions (the whole array unless axis= is given)",
    "axis": "along an axis (the last unless axis= is given)",
    "shapes": "shapes",
    "linalg": "linear algebra",
    "builders": "builders (constants, no gradient)",
}


def functions(job, options) -> Result:
    entries = sorted(vocabulary().values(), key=lambda f: (GROUPS.index(f.group), f.name))
    return Result({"functions": [
        {"name": f.name, "arguments": [p.name for p in f.arguments],
         "keywords": [p.name for p in f.keywords], "group": f.group, "doc": f.doc}
        for f in entries]}, [])


def show(result: Result, options, style) -> None:
    from autodiff_cli.rendering.human import print_table, write

    entries = result.document["functions"]
    for group in GROUPS:
        rows = []
        for f in (e for e in entries if e["group"] == group):
            arguments = ", ".join(
                [*f["arguments"], *(f"{k}=" for k in f["keywords"])])
            rows.append([(f"{f['name']}({arguments})", ("bold",)), f["doc"]])
        if rows:
            write(style.paint(HEADINGS[group], "cyan"))
            print_table(None, rows, style)
            write("")
    write("Operators: + - * / @ ** (also ^), comparisons < <= > >= == != (1 or 0, no "
          "gradient), x[i], x[a:b:c], x.T. Constants: pi e tau inf nan. Your own: "
          "f(t) = t**2 + 1; f(x).")
