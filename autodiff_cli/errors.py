"""The exception for bad input in the language and the command line.

The CLI turns an `AdiffError` into exit code 2, a one-line message on stderr
and, with `--json`, an `{"error": ...}` document. The autograd core raises
PyTorch's exceptions instead (RuntimeError, ValueError), as a Python library
should; the language turns the ones a program can cause into AdiffErrors.
"""

from __future__ import annotations


class AdiffError(Exception):
    """Bad input: `kind` is a short machine word, `message` one plain sentence.

    `line`/`column` (1-based) are set when the error has a place in the
    program text; `source_line` is that line of text, for the caret display.
    """

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        source_line: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column
        self.source_line = source_line

    def located(self, line: int, column: int, source_line: str | None = None) -> AdiffError:
        """Give a place to an error raised where the place was not known."""
        if self.line is None:
            self.line, self.column, self.source_line = line, column, source_line
        return self
