"""The command line: the command table (`table`), its options (`options`), the Typer app
(`app`), one run (`run`, `job`, `argv`), and the computations by family (`derivatives`,
`checking`, `graphs`)."""
