"""The graph document drawn as a tree, Graphviz and Mermaid."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from autodiff_cli.rendering.graph import render_tree, to_dot, to_mermaid


def node(id, op, value, grad=None, inputs=()):
    return {"id": id, "op": op, "value": value, "grad": grad, "inputs": list(inputs)}


# u = x**2 + 1; u * u at x = 2: the AddBackward0 node is used twice.
SHARED = {
    "output": 5,
    "nodes": [
        node(5, "MulBackward0", 25.0, 1.0, [3, 3]),
        node(3, "AddBackward0", 5.0, 10.0, [2, 4]),
        node(2, "PowBackward0", 4.0, 10.0, [1]),
        node(1, "x", 2.0, 40.0),
        node(4, "1", 1.0),
    ],
}


def chain(depth: int) -> dict:
    """sin(sin(...sin(x)...)), `depth` ops deep."""
    nodes = [node(i, "SinBackward0", 0.5, 1.0, [i - 1]) for i in range(depth, 0, -1)]
    return {"output": depth, "nodes": [*nodes, node(0, "x", 0.5, 1.0)]}


def draw(renderable, width: int = 100) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None).print(renderable)
    return buffer.getvalue()


FULL_LABEL = re.compile(r"^[\s│├└─]*(?!↑)(\S+) #(\d+)\b")
HIDDEN = re.compile(r"… ([\d,]+) more nodes? below")


def drawn_ids(text: str) -> list[int]:
    return [int(m.group(2)) for line in text.splitlines() if (m := FULL_LABEL.match(line))]


def hidden_count(text: str) -> int:
    return sum(int(n.replace(",", "")) for n in HIDDEN.findall(text))


def test_tree_shows_op_value_and_grad_of_every_node():
    text = draw(render_tree(SHARED))
    assert text.splitlines()[0] == "MulBackward0 #5  value 25  grad 1"
    assert "PowBackward0 #2  value 4  grad 10" in text
    assert "x #1  value 2  grad 40" in text


def test_a_constant_leaf_is_not_labelled_twice_with_its_value():
    assert re.search(r"└── 1 #4\n", draw(render_tree(SHARED)))


def test_a_shared_node_is_drawn_once_and_then_referred_to():
    text = draw(render_tree(SHARED))
    assert drawn_ids(text).count(3) == 1
    assert "↑ AddBackward0 #3 (shown above)" in text


def test_matrix_values_get_their_own_aligned_lines():
    doc = {"output": 1, "nodes": [node(1, "A", np.array([[1.0, 2.0], [3.0, 4.0]]))]}
    assert draw(render_tree(doc)) == "A #1\nvalue [[1, 2],\n       [3, 4]]\n"


def test_json_form_values_are_drawn_too():
    doc = {"output": 1, "nodes": [node(1, "LogBackward0", [1.5, "nan"], ["-inf", 2])]}
    assert "value [1.5, nan]  grad [-inf, 2]" in draw(render_tree(doc))


def test_depth_limit_leaves_a_note_with_what_was_left_out():
    text = draw(render_tree(SHARED, max_depth=1))
    assert "… 3 more nodes below (raise --max-depth)" in text
    assert "PowBackward0" not in text


def test_node_limit_leaves_notes_with_what_was_left_out():
    text = draw(render_tree(SHARED, max_nodes=3))
    assert len(drawn_ids(text)) == 3
    assert hidden_count(text) == 2
    assert "raise --max-nodes" in text


@pytest.mark.deep
def test_a_100000_deep_graph_is_drawn_to_the_depth_limit():
    text = draw(render_tree(chain(100_000), max_depth=40), width=300)
    assert len(drawn_ids(text)) == 41
    assert "… 99,960 more nodes below (raise --max-depth)" in text


@pytest.mark.deep
def test_a_graph_deeper_than_the_recursion_limit_draws_in_full_when_asked():
    limits = {"max_depth": 10**6, "max_nodes": 10**6}
    text = draw(render_tree(chain(1100), **limits), width=4500)
    assert len(drawn_ids(text)) == 1101 and "…" not in text


def test_a_narrow_console_caps_the_depth_instead_of_dropping_lines():
    # Rich drops every line past the point where the guides fill the width;
    # the cap keeps all labels on screen and says why the tree stops.
    text = draw(render_tree(chain(40)), width=60)
    assert len(drawn_ids(text)) + hidden_count(text) == 41
    assert re.search(r"depth 5 fills\s+the terminal", text)


@st.composite
def dags(draw_):
    """A random graph document: node i uses up to three earlier nodes, the last is the output."""
    size = draw_(st.integers(1, 25))
    nodes = []
    for i in range(size):
        inputs = draw_(st.lists(st.integers(0, i - 1), max_size=3)) if i else []
        nodes.append(node(i, "AddBackward0" if inputs else f"x{i}", float(i), 1.0, inputs))
    return {"output": size - 1, "nodes": nodes[::-1]}


def reachable(doc) -> set[int]:
    by_id = {n["id"]: n for n in doc["nodes"]}
    seen, stack = set(), [doc["output"]]
    while stack:
        if (i := stack.pop()) not in seen:
            seen.add(i)
            stack.extend(by_id[i]["inputs"])
    return seen


@settings(max_examples=150, deadline=None)
@given(dags(), st.integers(0, 6), st.integers(1, 30))
def test_property_every_node_is_drawn_once_or_counted_in_a_note(doc, max_depth, max_nodes):
    text = draw(render_tree(doc, max_depth=max_depth, max_nodes=max_nodes))
    ids = drawn_ids(text)
    assert len(ids) == len(set(ids))
    assert len(ids) + hidden_count(text) == len(reachable(doc))


def dot_labels(text: str) -> dict[str, str]:
    labels = {}
    for name, label in re.findall(r'^  (n\d+) \[label="((?:[^"\\]|\\.)*)"', text, re.M):
        labels[name] = re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), label)
    return labels


def test_dot_has_every_node_and_edge():
    text = to_dot(SHARED)
    assert text.startswith("digraph adiff {\n") and text.endswith("}\n")
    assert text.count("{") == text.count("}") == 1
    assert dot_labels(text)["n3"] == "AddBackward0 #3\nvalue 5\ngrad 10"
    edges = re.findall(r"^  (n\d+) -> (n\d+);$", text, re.M)
    assert sorted(edges) == sorted(
        [("n3", "n5"), ("n3", "n5"), ("n2", "n3"), ("n4", "n3"), ("n1", "n2")]
    )


def test_dot_escapes_quotes_and_backslashes():
    doc = {"output": 1, "nodes": [node(1, 'we"ird\\op', 1.0)]}
    assert dot_labels(to_dot(doc))["n1"] == 'we"ird\\op #1\nvalue 1'


def test_mermaid_has_every_node_and_edge():
    text = to_mermaid(SHARED)
    assert text.splitlines()[0] == "flowchart TD"
    assert '  n3["AddBackward0 #35;3<br>value 5<br>grad 10"]' in text
    edges = re.findall(r"^  (n\d+) --> (n\d+)$", text, re.M)
    assert sorted(edges) == sorted(
        [("n3", "n5"), ("n3", "n5"), ("n2", "n3"), ("n4", "n3"), ("n1", "n2")]
    )


def test_mermaid_labels_escape_quotes_and_brackets_stay_inside_quotes():
    doc = {"output": 1, "nodes": [node(1, 'a"b<c>', np.array([1.0, 2.0]))]}
    (label,) = re.findall(r'^  n1\["(.*)"\]$', to_mermaid(doc), re.M)
    assert '"' not in label and "<c>" not in label
    assert label == "a#quot;b#lt;c#gt; #35;1<br>value [1, 2]"


@pytest.mark.deep
def test_dot_and_mermaid_handle_a_100000_deep_graph():
    doc = chain(100_000)
    assert to_dot(doc).count(" -> ") == 100_000
    assert to_mermaid(doc).count(" --> ") == 100_000
