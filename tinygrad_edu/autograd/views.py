"""A view's grad_fn after its base changed in place.

A view (Tensor._view = (base, make, version): make(base) redoes the view, `version` is the shared
version counter's value when the view's grad_fn was last derived) reads memory that an in-place op
on its base, or on another view of it, may have changed since. Its old grad_fn then describes old
values. As torch does, the view's history is derived again, from the base's current history, the
next time the view enters an op that records a node (Function.apply calls this for its inputs).
"""


def current_grad_fn(t):
    """t's grad_fn, derived again from its base if the base changed in place since it was set."""
    base, make, version = t._view
    if version != t._version[0]:
        redo_view(t)
        t._view = (base, make, t._version[0])
    return t.grad_fn


def redo_view(t):
    """Give the view t the history of its view op applied to its base as the base is now."""
    base, make, _ = t._view
    redone = make(base)  # records the view op on the base's current history
    t.grad_fn, t._output_nr = redone.grad_fn, redone._output_nr
    t._requires_grad = t._requires_grad or redone._requires_grad
