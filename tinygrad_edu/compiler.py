"""torch.compile, for scripts that call it: tinygrad_edu has no compiler yet, so the module or
function comes back unchanged and runs eagerly, as it would without the call.

The arguments are checked as torch checks them (a model that is not callable, ``mode`` together with
``options``, an unknown ``mode`` for the inductor backend, an unknown backend name, a ``dynamic``
that is not None or a bool), so a script that torch would reject fails here too. The first
compile that returns a model says once, with ``warnings.warn`` (a UserWarning), that nothing was
compiled; ``disable=True`` returns the model silently, as torch does.

Differences that remain: torch wraps a module in an ``OptimizedModule`` whose ``state_dict`` keys
start with ``_orig_mod.``; here the module itself is returned, so its keys are the plain ones.
Unknown keys in ``options`` are not rejected (torch checks them against inductor's config).
"""
import warnings

__all__ = ["compile", "InvalidBackend"]

# torch 2.13's registered backend names (torch._dynamo.list_backends(exclude_tags=()), without
# its *_TESTING_ONLY ones) and inductor's modes
_BACKENDS = ("aot_eager", "aot_eager_decomp_partition", "aot_eager_decomp_partition_crossref",
             "aot_eager_decomp_partition_with_mode", "aot_eager_default_partitioner", "aot_ts",
             "cudagraphs", "dynamo_accuracy_minifier_backend", "dynamo_minifier_backend", "eager",
             "eager_debug", "eager_noexcept", "inductor", "invoke_subgraph", "openxla", "openxla_eval",
             "pre_dispatch_eager", "ts", "tvm")
_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")
_NOTE = ("tinygrad_edu.compile: tinygrad_edu has no compiler yet; the model is returned unchanged and runs "
         "eagerly (this note is shown once)")
_noted = False


class InvalidBackend(RuntimeError):
    """An unknown backend name (torch._dynamo.exc.InvalidBackend, also a RuntimeError)."""


def _check(model, dynamic, backend, mode, options, disable):
    """torch's checks, in torch's order (dynamic is not looked at when disabled)."""
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if isinstance(backend, str) and backend not in _BACKENDS:
        raise InvalidBackend(f"Invalid backend: {backend!r}, see `torch._dynamo.list_backends()` for available "
                             "backends.")
    if backend in (None, "inductor") and mode is not None and mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")
    if not disable and dynamic is not None and not isinstance(dynamic, bool):
        raise AssertionError(f"Expected enable to be a bool, got {type(dynamic)}")
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")


def compile(model=None, *, fullgraph=False, dynamic=None, backend=None, mode=None, options=None, name=None,
            disable=False, recompile_limit=None, isolate_recompiles=False, shapes_spec=None):
    """torch.compile: returns ``model`` itself (no compiler yet); without a model, a decorator.

    Works as ``torch.compile(model)``, ``@torch.compile`` and ``@torch.compile(...)``.
    """
    settings = dict(fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode, options=options,
                    name=name, disable=disable, recompile_limit=recompile_limit,
                    isolate_recompiles=isolate_recompiles, shapes_spec=shapes_spec)
    if model is None:
        return lambda fn: compile(fn, **settings)
    _check(model, dynamic, backend, mode, options, disable)
    if disable:
        return model
    global _noted
    if not _noted:
        _noted = True
        warnings.warn(_NOTE, UserWarning, stacklevel=2)
    return model
