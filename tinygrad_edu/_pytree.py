"""Pytrees for tinygrad_edu.func: Tensors (or any leaves) nested in tuples, lists and dicts."""


def flatten(tree):
    """(leaves, rebuild) for Tensors nested in tuples, lists and dicts."""
    if isinstance(tree, (tuple, list)):
        parts = [flatten(el) for el in tree]
        kind = type(tree)

        def rebuild(leaves):
            out, i = [], 0
            for lv, rb in parts:
                out.append(rb(leaves[i:i + len(lv)]))
                i += len(lv)
            return kind(out)
        return [leaf for lv, _ in parts for leaf in lv], rebuild
    if isinstance(tree, dict):
        keys = list(tree)
        leaves, rb = flatten([tree[k] for k in keys])
        return leaves, lambda new: dict(zip(keys, rb(new)))
    return [tree], lambda new: new[0]


def tree_map(fn, tree):
    leaves, rebuild = flatten(tree)
    return rebuild([fn(leaf) for leaf in leaves])
