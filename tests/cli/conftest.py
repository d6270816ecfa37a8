"""Running `adiff` in-process, the way a shell would, and reading its output strictly."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner, Result

from autodiff_cli.commands.app import app


def _reject(constant: str):
    raise ValueError(f"stdout is not strict JSON: it holds the literal {constant}")


def strict_json(text: str):
    """Parse one JSON document, refusing the NaN/Infinity literals that SPEC §4 forbids."""
    return json.loads(text, parse_constant=_reject)


class Adiff:
    """`adiff(*argv)` runs the command line in-process (stdout and stderr apart)."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args, input: str | None = None, env: dict | None = None) -> Result:
        return self.runner.invoke(app, [str(a) for a in args], input=input, env=env,
                                  catch_exceptions=False)

    parse = staticmethod(strict_json)

    def json(self, *args, exit_code: int = 0, input: str | None = None):
        """The `--json` document of a run that ends with `exit_code`."""
        result = self(*args, "--json", input=input)
        assert result.exit_code == exit_code, result.output
        assert result.stdout.endswith("\n") and result.stdout.count("\n") == 1, result.stdout
        return strict_json(result.stdout)

    def error(self, *args, input: str | None = None) -> str:
        """The message of a run that must fail with exit code 2: stderr; stdout empty, or
        the error document where --batch implies --json."""
        result = self(*args, input=input)
        assert result.exit_code == 2, result.output
        if "--batch" in map(str, args):
            assert strict_json(result.stdout).keys() == {"error"}, result.stdout
        else:
            assert result.stdout == ""
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("error: "), result.stderr
        return result.stderr


@pytest.fixture
def adiff() -> Adiff:
    return Adiff()

