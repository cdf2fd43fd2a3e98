"""Pictures of the backward graph: what `loss.backward()` will walk through.

    dot = tinygrad_edu.viz.to_dot(loss, params={"w": w, "b": b})   # Graphviz source text
    tinygrad_edu.viz.draw_graph(loss, "graph.png", params=dict(model.named_parameters()))

torch has no built-in equivalent; the third-party `torchviz.make_dot(loss, params=...)` plays the
same role. Here the picture is drawn with matplotlib alone (no Graphviz binary needed), and
matplotlib is imported only when `draw_graph` is called.

The graph shown is the one the engine records: one box per operation node (`grad_fn`, named like
torch's `MulBackward0`) and one box per leaf tensor that requires grad. Arrows point the way
gradients flow: from the output towards the leaves. Each operation box lists the shape of its
output and of the tensors it saved for backward -- or "freed" once a backward pass (without
`retain_graph=True`) has released them. Each leaf box gives its name (when `params` maps names to
tensors), its shape and, after backward, the norm ||grad||_2 of its gradient.
"""
import numpy as np

from .autograd.function import _FREED
from .autograd.trace import topological_order
from .tensor import Tensor

_OP_COLOUR, _LEAF_COLOUR, _ROOT_EDGE = "#cfe2f3", "#d9ead3", "#cc0000"


def _shape_text(shape):
    return "(" + ", ".join(str(int(s)) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _saved_text(node):
    """Shapes of the saved tensors, read without unpacking (unpacking would check versions and
    raise on a freed graph; describing the graph must never fail)."""
    shapes = _saved_shapes(node)
    if shapes is None:
        return "saved: freed"
    return "saved: " + ", ".join(_shape_text(s) for s in shapes) if shapes else None


def _saved_shapes(node):
    """Shapes of what a node saved, without unpacking; None once a backward freed them."""
    if node._saved is _FREED:
        return None
    return [np.shape(s[0]._data if s[0] is not None else s[1]) if type(s) is tuple else np.shape(s)
            for s in node._saved or () if type(s) is tuple or type(s) is np.ndarray]  # (autograd/function.py)


def _grad_norm(t):
    if t.grad is None:
        return None
    return float(np.linalg.norm(t.grad._data.astype(np.float64, copy=False).ravel()))


def _names(params):
    """{id(tensor): 'name'} (tied tensors list all their names)."""
    by_id = {}
    for name, t in (params or {}).items():
        if not isinstance(t, Tensor):
            raise TypeError(f"params must map names to Tensors, got {type(t).__name__} for {name!r}")
        by_id.setdefault(id(t), []).append(str(name))
    return {k: ", ".join(v) for k, v in by_id.items()}, {id(t): t for t in (params or {}).values()}


def build_graph(tensor, params=None):
    """The backward graph as plain data: (nodes, edges, root_id).

    nodes: {node_id: {"kind": "op" | "leaf", "lines": [text, ...]}} in topological order (root
    first, ops as op0, op1, ... then leaves as leaf0, leaf1, ... in order of first use, so the ids
    are stable for a given graph). edges: [(from_id, to_id), ...], one per recorded autograd edge,
    in the direction gradients flow.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"expected a Tensor, got {type(tensor).__name__}")
    names, named = _names(params)
    nodes, edges, ids = {}, [], {}
    if tensor.grad_fn is None:
        return nodes, edges, _leaf_id(tensor, ids, nodes, names)
    order = topological_order([tensor.grad_fn])
    for i, node in enumerate(order):
        ids[id(node)] = f"op{i}"
    _op_boxes(tensor, order, ids, nodes, names, named)
    for node in order:
        for edge in node._edges or ():
            if edge is not None:
                target = edge[0]  # an edge is (target, output_nr, shape, dtype): autograd/function.py
                to = _leaf_id(target, ids, nodes, names) if isinstance(target, Tensor) else ids[id(target)]
                edges.append((ids[id(node)], to))
    return nodes, edges, ids[id(tensor.grad_fn)]


def _op_boxes(tensor, order, ids, nodes, names, named):
    """One box per op node: a name given in params for its output, torch's node name, the output
    shape (from the root, multi-output metadata, or the edges reaching the node), saved shapes."""
    out_names = {}
    for k, t in named.items():
        if t.grad_fn is not None:
            out_names.setdefault(id(t.grad_fn), []).append(names[k])
    out_shape = {id(tensor.grad_fn): tensor._data.shape}
    for node in order:
        for edge in node._edges or ():
            if edge is not None and not isinstance(edge[0], Tensor):
                out_shape.setdefault(id(edge[0]), edge[2])
    for node in order:
        lines = [node.name()]
        if id(node) in out_names:
            lines.insert(0, ", ".join(out_names[id(node)]))
        if node._outputs_meta is not None:
            lines.append("out " + " ".join(_shape_text(s) for s, _ in node._outputs_meta))
        else:
            lines.append("out " + _shape_text(out_shape[id(node)]))
        saved = _saved_text(node)
        if saved:
            lines.append(saved)
        nodes[ids[id(node)]] = {"kind": "op", "lines": lines}


def _leaf_id(t, ids, nodes, names):
    """The box of leaf t, made at its first use (leaf0, leaf1, ...): its name, shape and |grad|."""
    key = id(t)
    if key not in ids:
        ids[key] = nid = f"leaf{sum(1 for n in nodes.values() if n['kind'] == 'leaf')}"
        lines = [names.get(key, "leaf"), _shape_text(t._data.shape)]
        norm = _grad_norm(t)
        if norm is not None:
            lines.append(f"|grad| {norm:.4g}")
        nodes[nid] = {"kind": "leaf", "lines": lines}
    return ids[key]


def _dot_escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"')


def to_dot(tensor, params=None):
    """Graphviz DOT source of the backward graph of `tensor` (like torchviz.make_dot(...).source).

    Render it with `dot -Tpng graph.dot -o graph.png`, or use `draw_graph` (no Graphviz needed).
    """
    nodes, edges, root = build_graph(tensor, params)
    out = ["digraph backward {", "  rankdir=TB;",
           '  node [shape=box, style="rounded,filled", fontname="monospace", fontsize=10];']
    for nid, node in nodes.items():
        colour = _OP_COLOUR if node["kind"] == "op" else _LEAF_COLOUR
        extra = f', color="{_ROOT_EDGE}", penwidth=2' if nid == root else ""
        label = "\\n".join(_dot_escape(line) for line in node["lines"])
        out.append(f'  {nid} [label="{label}", fillcolor="{colour}"{extra}];')
    for a, b in edges:
        out.append(f"  {a} -> {b};")
    out.append("}")
    return "\n".join(out) + "\n"


def _layers(nodes, edges):
    """Layer of each node = longest path length from the root (nodes come in topological order)."""
    depth = {nid: 0 for nid in nodes}
    children = {nid: [] for nid in nodes}
    for a, b in edges:
        children[a].append(b)
    # op ids are in topological order and leaves have no children, so one pass settles depths.
    for nid in nodes:
        for c in children[nid]:
            depth[c] = max(depth[c], depth[nid] + 1)
    return depth


def _positions(nodes, edges, sizes, gap_x=0.35, gap_y=0.45):
    """Coordinates (inches) of each box centre: layers top to bottom, each layer ordered by the
    mean x of its parents (a one-pass barycentre heuristic that keeps arrows mostly uncrossed)."""
    depth = _layers(nodes, edges)
    n_layers = max(depth.values()) + 1
    layers = [[] for _ in range(n_layers)]
    for nid in nodes:
        layers[depth[nid]].append(nid)
    parents = {nid: [] for nid in nodes}
    for a, b in edges:
        parents[b].append(a)
    widths = [sum(sizes[n][0] for n in layer) + gap_x * (len(layer) - 1) for layer in layers]
    total_w = max(widths)
    heights = [max(sizes[n][1] for n in layer) for layer in layers]
    x, y = {}, {}
    top = sum(heights) + gap_y * (n_layers - 1)
    for li, layer in enumerate(layers):
        if li:
            layer.sort(key=lambda n: np.mean([x[p] for p in parents[n]]))
        cursor = (total_w - widths[li]) / 2
        y_centre = top - sum(heights[:li]) - gap_y * li - heights[li] / 2
        for n in layer:
            x[n] = cursor + sizes[n][0] / 2
            y[n] = y_centre
            cursor += sizes[n][0] + gap_x
    return {n: (x[n], y[n]) for n in nodes}, total_w, top


def draw_graph(tensor, path, params=None, title=None):
    """Draw the backward graph of `tensor` into `path` (.png, .svg or .pdf) with matplotlib.

    Boxes: operations (blue), leaf tensors (green), the output node outlined in red. Arrows run
    the way gradients flow. Returns `path`.
    """
    path = str(path)
    ext = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if ext not in ("png", "svg", "pdf"):
        raise ValueError(f"draw_graph writes .png, .svg or .pdf files, got {path!r}")
    nodes, edges, root = build_graph(tensor, params)

    from matplotlib import rc_context  # lazy: `import tinygrad_edu` must not load matplotlib
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    font = 9
    char_w, line_h, pad = 0.6 * font / 72, 1.25 * font / 72, 0.12  # monospace metrics, in inches
    sizes = {n: (max(len(s) for s in d["lines"]) * char_w + 2 * pad, len(d["lines"]) * line_h + 2 * pad)
             for n, d in nodes.items()}
    pos, width, height = _positions(nodes, edges, sizes)
    margin, title_h = 0.25, (0.4 if title else 0.0)
    fig = Figure(figsize=(width + 2 * margin, height + 2 * margin + title_h))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-margin, width + margin)
    ax.set_ylim(-margin, height + margin + title_h)
    ax.axis("off")
    if title:
        ax.text(width / 2, height + margin + title_h / 2, title, ha="center", va="center",
                fontsize=font + 3, fontweight="bold")
    for n, d in nodes.items():
        (cx, cy), (w, h) = pos[n], sizes[n]
        ax.add_patch(FancyBboxPatch((cx - w / 2, cy - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.06",
                                    facecolor=_OP_COLOUR if d["kind"] == "op" else _LEAF_COLOUR,
                                    edgecolor=_ROOT_EDGE if n == root else "#444444",
                                    linewidth=1.8 if n == root else 0.8, zorder=2))
        ax.text(cx, cy, "\n".join(d["lines"]), ha="center", va="center", fontsize=font,
                family="monospace", linespacing=1.15, zorder=3)
    seen = {}
    for a, b in edges:
        k = seen[(a, b)] = seen.get((a, b), -1) + 1  # repeated edges (x * x) bend apart
        (ax_, ay), (bx, by) = pos[a], pos[b]
        start, end = (ax_, ay - sizes[a][1] / 2), (bx, by + sizes[b][1] / 2)
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10, color="#555555",
                                     linewidth=0.9, connectionstyle=f"arc3,rad={0.25 * k}", zorder=1,
                                     shrinkA=0, shrinkB=1))
    with rc_context({"svg.fonttype": "none"}):  # SVG keeps real, selectable text
        fig.savefig(path, format=ext, dpi=110)
    return path
