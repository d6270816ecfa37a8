"""The command line: one table of commands (`table`) and one of options (`options`); the
Typer app built from them (`app`); one run (`run`, `job`, `argv`, `batch`); and the
computations by family (`derivatives`, `checking`, `formulas`, `optimisation`,
`plotting`, `graphs`, `vocabulary`)."""
