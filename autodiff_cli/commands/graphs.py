"""graph: the program's computation graph after a backward pass, drawn or as a document."""

from __future__ import annotations

import sys

import autodiff_cli.core as ad
from autodiff_cli.commands.derivatives import backward, seed_weights
from autodiff_cli.commands.job import Job, Result


def graph(job: Job, options) -> Result:
    """One node per instruction that the output uses, with its value and gradient."""
    values, leaves = job.run(requires_grad=True)
    output = values[job.program.output]
    for value in values:
        if value.requires_grad and not value.is_leaf:
            value.retain_grad()
    backward(output, list(leaves.values()), seed_weights(job, output, options.seed, "graph"),
             accumulate=True)
    instructions = job.program.instructions
    used = {job.program.output}
    for k in range(job.program.output, -1, -1):
        if k in used and values[k].requires_grad:
            used.update(instructions[k].args)
    nodes = []
    for k in sorted(used):
        instruction, value = instructions[k], values[k]
        if instruction.op == "input":
            op, inputs = instruction.param, []
        elif value.grad_fn is None:  # constant, or computed from constants only
            op, inputs = _constant_label(value), []
        else:
            op, inputs = value.grad_fn.name(), list(instruction.args)
        grad = value.grad.data if value.grad is not None else None
        nodes.append({"id": k, "op": op, "value": value.data, "grad": grad, "inputs": inputs})
    return Result({"output": job.program.output, "nodes": nodes}, [job.forward_warning(values)])


def _constant_label(value: ad.Tensor) -> str:
    from autodiff_cli.rendering.numbers import format_value

    return format_value(value.data)


def show(result: Result, options, style) -> None:
    from autodiff_cli.rendering import graph as drawing

    if options.format == "tree":
        drawing.print_tree(result.document, style, max_depth=options.max_depth,
                           max_nodes=options.max_nodes)
        return
    draw = drawing.to_dot if options.format == "dot" else drawing.to_mermaid
    sys.stdout.write(draw(result.document, style.digits).rstrip("\n") + "\n")
