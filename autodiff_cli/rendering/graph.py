"""The computation graph document (SPEC §4) drawn as a Rich tree, Graphviz or Mermaid.

The document is `{"output": ID, "nodes": [{"id", "op", "value", "grad", "inputs"}]}`.
Graphs can be 100,000 nodes deep, so every walk here is a loop over an explicit
stack, never recursion. Rich is imported only when a tree is drawn.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autodiff_cli.rendering.numbers import format_value

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions
    from rich.text import Text
    from rich.tree import Tree

    from autodiff_cli.rendering.style import Style

DEFAULT_MAX_DEPTH = 40
DEFAULT_MAX_NODES = 1000

# Rich indents each tree level by 4 cells and, once the indentation eats the
# whole width, drops the remaining lines without a word. So the depth drawn is
# also capped by the width, keeping at least this many cells for the labels.
_GUIDE_CELLS = 4
_LABEL_CELLS = 40


def print_tree(doc: Mapping[str, Any], style: Style, *, max_depth: int = DEFAULT_MAX_DEPTH,
               max_nodes: int = DEFAULT_MAX_NODES) -> None:
    """Draw the tree on stdout: coloured or not, and with ASCII guides and marks where
    the output cannot encode Unicode (Rich picks its guides from the encoding)."""
    from rich.console import Console

    console = Console(highlight=False, force_terminal=style.color or None,
                      color_system="auto" if style.color else None)
    console.print(render_tree(doc, max_depth=max_depth, max_nodes=max_nodes,
                              unicode=style.unicode, digits=style.digits))


def render_tree(
    doc: Mapping[str, Any],
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_nodes: int = DEFAULT_MAX_NODES,
    unicode: bool = True,
    digits: int | None = None,
) -> GraphTree:
    """A Rich renderable: the graph as a tree rooted at the output.

    Each node shows its op, `#id`, value and grad. A node reached again is drawn
    as a one-line reference to where it was drawn. Below `max_depth` levels
    (fewer if the console is too narrow) and after `max_nodes` lines, a note
    says how many nodes were left out.
    """
    return GraphTree(doc, max_depth=max_depth, max_nodes=max_nodes, unicode=unicode,
                     digits=digits)


@dataclass
class GraphTree:
    """Builds the `rich.tree.Tree` when printed, once the console's width is known."""

    doc: Mapping[str, Any]
    max_depth: int = DEFAULT_MAX_DEPTH
    max_nodes: int = DEFAULT_MAX_NODES
    unicode: bool = True
    digits: int | None = None  # significant digits of the numbers (None: all)

    def tree(self, width: int) -> Tree:
        """The tree as it is drawn on a console `width` cells wide."""
        fits = max(1, (width - _LABEL_CELLS) // _GUIDE_CELLS)
        return _TreeBuilder(self.doc, min(self.max_depth, fits), self.max_nodes, fits,
                            self.unicode, self.digits).build()

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Tree]:
        yield self.tree(options.max_width)


def _index(doc: Mapping[str, Any]) -> dict[int, Mapping[str, Any]]:
    return {int(node["id"]): node for node in doc["nodes"]}


@dataclass
class _Note:
    """A line standing in for what was left out under `parent`."""

    parent: Tree
    roots: list[int]
    reason: str  # "depth" or "nodes"


@dataclass
class _TreeBuilder:
    """One drawing: a pre-order walk that draws, then notes that count what it left out."""

    doc: Mapping[str, Any]
    max_depth: int
    max_nodes: int
    width_depth: int
    unicode: bool = True
    digits: int | None = None
    nodes: dict[int, Mapping[str, Any]] = field(init=False)
    drawn: set[int] = field(default_factory=set)
    notes: list[_Note] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.nodes = _index(self.doc)

    def build(self) -> Tree:
        from rich.tree import Tree

        root_id = int(self.doc["output"])
        root = Tree(self._label(root_id), guide_style="dim")
        self.drawn.add(root_id)
        lines = 1
        # Pre-order walk: (node, depth, parent tree), inputs pushed in reverse.
        stack: list[tuple[int, int, Tree]] = []
        self._expand(root_id, 0, root, stack)
        while stack:
            if lines >= self.max_nodes:
                self._note_pending(stack)
                break
            node_id, depth, parent = stack.pop()
            lines += 1
            if node_id in self.drawn:
                parent.add(self._reference(node_id))
                continue
            self.drawn.add(node_id)
            self._expand(node_id, depth, parent.add(self._label(node_id)), stack)
        self._write_notes()
        return root

    def _expand(
        self, node_id: int, depth: int, tree: Tree, stack: list[tuple[int, int, Tree]]
    ) -> None:
        inputs = [int(i) for i in self.nodes[node_id]["inputs"]]
        if not inputs:
            return
        if depth >= self.max_depth:
            self.notes.append(_Note(tree, inputs, "depth"))
            return
        stack.extend((i, depth + 1, tree) for i in reversed(inputs))

    def _note_pending(self, stack: list[tuple[int, int, Tree]]) -> None:
        """One note per parent for the inputs still waiting when the line budget ran out."""
        while stack:
            node_id, _, parent = stack.pop()
            if self.notes and self.notes[-1].parent is parent and self.notes[-1].reason == "nodes":
                self.notes[-1].roots.append(node_id)
            else:
                self.notes.append(_Note(parent, [node_id], "nodes"))

    def _write_notes(self) -> None:
        """Count what each note hides; a node hidden under several notes counts at the first."""
        from rich.text import Text

        counted: set[int] = set()
        for note in self.notes:
            hidden = self._claim(note.roots, counted)
            note.parent.add(Text(self._note_text(note, hidden), style="italic yellow"))

    def _claim(self, roots: list[int], counted: set[int]) -> int:
        """Number of undrawn, not yet counted nodes reachable from `roots`."""
        found = 0
        stack = list(roots)
        while stack:
            node_id = stack.pop()
            if node_id in self.drawn or node_id in counted:
                continue
            counted.add(node_id)
            found += 1
            stack.extend(int(i) for i in self.nodes[node_id]["inputs"])
        return found

    def _note_text(self, note: _Note, hidden: int) -> str:
        if note.reason == "nodes":
            hint = "raise --max-nodes"
        elif self.max_depth >= self.width_depth:
            hint = f"depth {self.width_depth} fills the terminal; try --format dot"
        else:
            hint = "raise --max-depth"
        dots = "…" if self.unicode else "..."
        if hidden:
            return f"{dots} {hidden:,} more {_plural(hidden, 'node')} below ({hint})"
        # Everything under here is drawn elsewhere or counted by an earlier note.
        count = len(set(note.roots))
        if note.reason == "nodes":
            return f"{dots} {count:,} more {_plural(count, 'reference')} to nodes above ({hint})"
        return (f"{dots} {count:,} {_plural(count, 'input')} not expanded, all shown or counted "
                "above")

    def _label(self, node_id: int) -> Text:
        from rich.text import Text

        node = self.nodes[node_id]
        op = str(node["op"])
        fields = []
        value = format_value(node["value"], self.digits)
        if value != op:
            fields.append(("value", value))
        if node.get("grad") is not None:
            fields.append(("grad", format_value(node["grad"], self.digits)))
        label = Text.assemble((op, "bold"), (f" #{node_id}", "dim"))
        multiline = any("\n" in text for _, text in fields)
        for name, text in fields:
            if multiline:
                # Matrices: one field per line, continuation lines under the first number.
                label.append("\n")
                label.append(name.ljust(5), "dim")
                label.append(" " + text.replace("\n", "\n" + " " * 6))
            else:
                label.append(f"  {name} ", "dim")
                label.append(text)
        return label

    def _reference(self, node_id: int) -> Text:
        from rich.text import Text

        op = str(self.nodes[node_id]["op"])
        arrow = "↑" if self.unicode else "^"
        return Text(f"{arrow} {op} #{node_id} (shown above)", style="dim")


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def _label_lines(node: Mapping[str, Any], digits: int | None) -> list[str]:
    """Op, value and grad as plain lines, for the Graphviz and Mermaid labels."""
    lines = [f"{node['op']} #{int(node['id'])}", f"value {format_value(node['value'], digits)}"]
    if node.get("grad") is not None:
        lines.append(f"grad {format_value(node['grad'], digits)}")
    return lines


def to_dot(doc: Mapping[str, Any], digits: int | None = None) -> str:
    """Graphviz `digraph`: one box per node, edges from each input to its consumer."""
    output = int(doc["output"])
    out = ["digraph adiff {", '  node [shape=box, fontname="monospace"];']
    for node in doc["nodes"]:
        node_id = int(node["id"])
        label = "\\n".join(_dot_escape(line) for line in _label_lines(node, digits))
        extra = ", penwidth=2" if node_id == output else ""
        out.append(f'  n{node_id} [label="{label}"{extra}];')
    for node in doc["nodes"]:
        out.extend(f"  n{int(i)} -> n{int(node['id'])};" for i in node["inputs"])
    out.append("}")
    return "\n".join(out) + "\n"


def _dot_escape(text: str) -> str:
    """Escape for a DOT double-quoted string; a matrix's row breaks become `\\n`."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def to_mermaid(doc: Mapping[str, Any], digits: int | None = None) -> str:
    """Mermaid `flowchart TD`: inputs above, the output (thick border) at the bottom."""
    output = int(doc["output"])
    out = ["flowchart TD"]
    for node in doc["nodes"]:
        label = "<br>".join(_mermaid_escape(line) for line in _label_lines(node, digits))
        out.append(f'  n{int(node["id"])}["{label}"]')
    for node in doc["nodes"]:
        out.extend(f"  n{int(i)} --> n{int(node['id'])}" for i in node["inputs"])
    out.append("  classDef output stroke-width:3px")
    out.append(f"  class n{output} output")
    return "\n".join(out) + "\n"


def _mermaid_escape(text: str) -> str:
    """Mermaid entity codes for characters that end or reinterpret a quoted label."""
    text = text.replace("#", "#35;")  # first: the codes themselves start with '#'
    for ch, code in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "#96;")):
        text = text.replace(ch, code)
    return text.replace("\n", "<br>")
