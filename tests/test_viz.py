"""tinygrad_edu.viz: the DOT text and the drawn picture of a backward graph.

Expected node and edge counts come from the structure of the expressions written here (one node
per op, one edge per differentiable input); gradient norms are checked against the analytic
gradients computed with numpy.
"""
import re
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_edu as torch
from tinygrad_edu import viz

NODE = re.compile(r'^\s*(\w+) \[label="(.*?)", fillcolor', re.M)
EDGE = re.compile(r"^\s*(\w+) -> (\w+);", re.M)


def _parse(dot):
    nodes = {nid: label.split("\\n") for nid, label in NODE.findall(dot)}
    assert len(nodes) == len(NODE.findall(dot)), "node ids must be unique"
    return nodes, EDGE.findall(dot)


def _small_graph():
    """out = sum(a * b) + mean(exp(b)): ops Add, Sum, Mul, Mean, Exp; leaves a, b; 7 edges."""
    a = torch.tensor(np.arange(6, dtype=np.float32).reshape(2, 3) / 5, requires_grad=True)
    b = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    return a, b, (a * b).sum() + b.exp().mean()


def _find(nodes, first_line):
    hits = [nid for nid, lines in nodes.items() if first_line in lines[:2]]
    assert len(hits) == 1, f"{first_line} appears {len(hits)} times"
    return hits[0]


def test_dot_has_each_op_and_leaf_once_and_every_edge():
    a, b, out = _small_graph()
    nodes, edges = _parse(viz.to_dot(out, params={"a": a, "b": b}))
    ops = ["AddBackward0", "SumBackward0", "MulBackward0", "MeanBackward0", "ExpBackward0"]
    ids = {name: _find(nodes, name) for name in ops + ["a", "b"]}
    assert len(nodes) == 7 and len(edges) == 7
    expected = {("AddBackward0", "SumBackward0"), ("AddBackward0", "MeanBackward0"),
                ("SumBackward0", "MulBackward0"), ("MulBackward0", "a"), ("MulBackward0", "b"),
                ("MeanBackward0", "ExpBackward0"), ("ExpBackward0", "b")}
    assert sorted(edges) == sorted((ids[x], ids[y]) for x, y in expected)  # output -> leaves
    assert nodes[ids["a"]][1] == "(2, 3)" and nodes[ids["b"]][1] == "(3,)"
    saved = nodes[ids["MulBackward0"]][-1]  # a*b keeps both factors (each one's grad is the other)
    assert saved.startswith("saved: ") and sorted(re.findall(r"\([^)]*\)", saved)) == ["(2, 3)", "(3,)"]
    assert "out (2, 3)" in nodes[ids["MulBackward0"]] and "out ()" in nodes[ids["AddBackward0"]]


def test_repeated_input_gives_repeated_edges_and_constants_none():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    c = torch.tensor([3.0, 4.0])  # requires no grad: not part of the backward graph
    nodes, edges = _parse(viz.to_dot((x * x + c).sum()))
    assert len(nodes) == 4 and len(edges) == 4  # Sum -> Add -> Mul => x twice
    mul, leaf = _find(nodes, "MulBackward0"), _find(nodes, "leaf")
    assert edges.count((mul, leaf)) == 2


def test_after_backward_shows_grad_norms_and_freed():
    a, b, out = _small_graph()
    before = viz.to_dot(out, params={"a": a, "b": b})
    assert "freed" not in before and "|grad|" not in before
    out.backward()
    nodes, _ = _parse(viz.to_dot(out, params={"a": a, "b": b}))
    an, bn = a.detach().numpy().astype(np.float64), b.detach().numpy().astype(np.float64)
    grad_a = np.broadcast_to(bn, an.shape)               # d/da sum(a*b) = b
    grad_b = an.sum(axis=0) + np.exp(bn) / bn.size       # d/db = sum_rows(a) + exp(b)/3
    for name, grad in (("a", grad_a), ("b", grad_b)):
        shown = float(nodes[_find(nodes, name)][2].split("|grad| ")[1])
        assert shown == pytest.approx(np.linalg.norm(grad), rel=1e-3)
    assert nodes[_find(nodes, "MulBackward0")][-1] == "saved: freed"
    assert nodes[_find(nodes, "ExpBackward0")][-1] == "saved: freed"


def test_retained_graph_keeps_saved_shapes_and_ids_are_stable():
    a, b, out = _small_graph()
    out.backward(retain_graph=True)
    first = viz.to_dot(out, params={"a": a, "b": b})
    assert "freed" not in first and first == viz.to_dot(out, params={"a": a, "b": b})


def test_leaf_root_and_named_intermediate():
    w = torch.ones(2, 2, requires_grad=True)
    nodes, edges = _parse(viz.to_dot(w, params={"w": w}))
    assert list(nodes.values()) == [["w", "(2, 2)"]] and edges == []
    h = w * 2
    nodes, _ = _parse(viz.to_dot(h.sum(), params={"w": w, "hidden": h}))
    assert nodes[_find(nodes, "hidden")][1] == "MulBackward0"


def test_bad_inputs():
    with pytest.raises(TypeError):
        viz.to_dot(np.ones(2))
    with pytest.raises(TypeError):
        viz.to_dot(torch.ones(1, requires_grad=True) * 2, params={"w": np.ones(1)})
    with pytest.raises(ValueError):
        viz.draw_graph(torch.ones(1, requires_grad=True) * 2, "graph.jpg")


def _mlp_loss():
    """The lecture's 20 -> 64 -> 32 -> 4 classifier with cross-entropy, from plain tensors."""
    torch.manual_seed(0)
    params = {}
    for i, (n_out, n_in) in enumerate([(64, 20), (32, 64), (4, 32)], start=1):
        params[f"fc{i}.weight"] = (torch.randn(n_out, n_in) / n_in ** 0.5).requires_grad_()
        params[f"fc{i}.bias"] = torch.zeros(n_out, requires_grad=True)
    h = torch.randn(16, 20)
    for i in (1, 2, 3):
        h = h @ params[f"fc{i}.weight"].t() + params[f"fc{i}.bias"]
        if i < 3:
            h = torch.relu(h)
    target = torch.randint(0, 4, (16,))
    loss = -torch.log_softmax(h, dim=1).gather(1, target.unsqueeze(1)).mean()
    return loss, params


def test_draw_graph_png_and_svg(tmp_path):
    from matplotlib import image
    loss, params = _mlp_loss()
    loss.backward()
    nodes, edges, root = viz.build_graph(loss, params)
    assert 15 <= len(nodes) <= 25 and all(any(name in d["lines"] for d in nodes.values()) for name in params)
    png = viz.draw_graph(loss, tmp_path / "mlp.png", params=params, title="MLP")
    pixels = image.imread(png)
    assert pixels.ndim == 3 and pixels.shape[0] > 400 and pixels[..., :3].std() > 0.05
    svg = tmp_path / "mlp.svg"
    assert viz.draw_graph(loss, svg, params=params) == str(svg)
    text = svg.read_text()
    assert text.count("<svg") == 1 and "LogSoftmaxBackward0" in text and "fc3.bias" in text


def test_import_does_not_load_matplotlib():
    code = ("import sys, tinygrad_edu, tinygrad_edu.viz; x = tinygrad_edu.ones(2, requires_grad=True); "
            "tinygrad_edu.viz.to_dot((x * 2).sum()); assert 'matplotlib' not in sys.modules, 'loaded'")
    subprocess.run([sys.executable, "-c", code], check=True)
