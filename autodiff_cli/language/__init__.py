"""The expression language: grammar/adiff.lark compiled into a flat `Program`."""

from autodiff_cli.language.compiler import compile_program, evaluate_constant
from autodiff_cli.language.program import Instruction, Program

__all__ = ["Instruction", "Program", "compile_program", "evaluate_constant"]
