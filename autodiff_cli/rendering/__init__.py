"""Results as text: numbers and JSON (`numbers`), errors (`errors`), the graph (`graph`).

Nothing is imported here, so that `--json` and error paths load only what they
use: `numbers` never imports Rich, `graph` imports it only when drawing a tree.
"""
