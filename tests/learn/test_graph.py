"""The computation graph: its size by depth, labels from the derivation, a well-formed SVG."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import chainrule as cr
from chainrule.core.gradcheck import gradcheck_problem
from chainrule.learn.graph import computation_graph
from chainrule.learn.trace import trace_step

DERIVATION = (Path(__file__).resolve().parents[2] / "docs" / "derivation.md").read_text("utf-8")


@pytest.mark.parametrize("sizes", [[3, 1], [3, 4, 1], [3, 4, 2, 1], [5, 4, 4, 4, 4, 2]])
def test_nodes_and_edges_grow_with_depth(sizes):
    net = cr.Network(sizes, "relu", "sigmoid")
    graph = computation_graph(net)
    L = len(sizes) - 1
    assert len(graph.nodes) == 4 * L + 3  # X, Y, J, and W, b, Z, A per layer
    forward = [e for e in graph.edges if e.direction == "forward"]
    backward = [e for e in graph.edges if e.direction == "backward"]
    assert len(forward) == 4 * L + 2
    assert len(backward) == 1 + 2 * L + 2 * (L - 1)
    names = {node.name for node in graph.nodes}
    assert all(e.source in names and e.target in names for e in graph.edges)
    shapes = {node.name: node.shape for node in graph.nodes}
    assert shapes[f"W[{L}]"] == (sizes[-1], sizes[-2]) and shapes["Z[1]"] == (sizes[1], "m")


def test_every_edge_rule_and_equation_is_in_the_derivation():
    graph = computation_graph(cr.Network([3, 4, 2, 1], "tanh", "softmax"))
    for edge in graph.edges:
        assert edge.rule in DERIVATION, edge.rule
        assert f"({edge.equation})" in DERIVATION, edge.equation


def test_the_svg_is_well_formed_with_every_label_as_text():
    net, X, Y = gradcheck_problem([3, 2, 1], "relu", "sigmoid", 3, 0)
    graph = computation_graph(net, trace_step(net, X, Y))
    svg = graph.to_svg()
    root = ET.fromstring(svg)
    texts = " ".join(
        "".join(element.itertext()) for element in root.iter() if element.tag.endswith("text")
    )
    for node in graph.nodes:
        assert node.name in texts
    for edge in graph.edges:
        assert edge.label in texts, edge.label
    assert "d: " in texts  # the gradient values of the step


def test_dot_names_every_edge_with_its_equation():
    dot = computation_graph(cr.Network([2, 2, 1])).to_dot()
    assert dot.startswith("digraph") and dot.count("->") == 4 * 2 + 2 + 1 + 4 + 2
    assert re.search(r'"Z\[2\]" -> "A\[1\]" \[label="W\[2\]ᵀ · \(B4\)"', dot)


@pytest.mark.parametrize(
    ("sizes", "hidden", "output", "values"),
    [([3, 4, 2, 1], "relu", "sigmoid", False), ([3, 2, 1], "relu", "sigmoid", True),
     ([4, 5, 5, 3], "leaky_relu", "softmax", True), ([30, 16, 1], "tanh", "identity", True)],
)  # fmt: skip
def test_no_two_labels_of_the_drawing_overlap(sizes, hidden, output, values):
    from chainrule.learn.graph import text_boxes

    net, X, Y = gradcheck_problem(sizes, hidden, output, 3, 0)
    figure = computation_graph(net, trace_step(net, X, Y) if values else None).figure()
    boxes = text_boxes(figure)
    assert len(boxes) >= len(net.params) * 2
    for i, (text, box) in enumerate(boxes):
        for other, other_box in boxes[i + 1 :]:
            assert not box.overlaps(other_box), (text, other)
    legend = " ".join(text for text, _ in boxes)
    assert "forward: the operation" in legend and "backward:" in legend
    assert ("d: rows" in legend) == values
    assert f"{'-'.join(map(str, sizes))} network" in figure.axes[0].get_title()


def test_png_output_beside_svg_and_dot(tmp_path):
    graph = computation_graph(cr.Network([3, 2, 1]))
    graph.write_png(tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
