"""What GPT training scripts reach for, against real torch with copied weights: AdamW over
decay / no-decay parameter groups (nanoGPT's and minGPT's idioms, a hand-written warm-up that sets
each group's lr), non-persistent buffers (left out of state_dict, not expected by
load_state_dict), and the causal mask idiom `wei.masked_fill(tril[:T, :T] == 0, float('-inf'))`
followed by softmax (values and gradients)."""
import math

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as tnn
import tinygrad_edu.nn.functional as TF
import tinygrad_edu.optim as toptim

import torch


def outcome(fn):
    try:
        fn()
        return ("ok",)
    except Exception as e:  # noqa: BLE001  (class and message are compared)
        return (type(e).__name__, str(e))


def tiny_lm(lib, vocab=11, dim=8, dtype=None):
    """Embedding -> LayerNorm -> Linear (bias) -> Linear head: 2-D weights decay, the rest does not."""
    nn = lib.nn
    model = nn.Sequential(nn.Embedding(vocab, dim), nn.LayerNorm(dim), nn.Linear(dim, dim), nn.GELU(),
                          nn.Linear(dim, vocab, bias=False))
    return model.double() if dtype == "float64" else model


def copy_weights(src, dst):
    """torch model -> ours, by state_dict names."""
    ours = dict(dst.named_parameters())
    with tg.no_grad():
        for name, p in src.named_parameters():
            ours[name].copy_(tg.tensor(p.detach().numpy()))


def nanogpt_groups(model, weight_decay):
    params = {name: p for name, p in model.named_parameters() if p.requires_grad}
    decay = [p for p in params.values() if p.dim() >= 2]
    no_decay = [p for p in params.values() if p.dim() < 2]
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def mingpt_groups(lib, model, weight_decay):
    """minGPT: sets of full parameter names by module type, then sorted lists."""
    decay, no_decay = set(), set()
    for mn, m in model.named_modules():
        for pn, _ in m.named_parameters():
            full = f"{mn}.{pn}" if mn else pn
            if pn.endswith("bias") or isinstance(m, (lib.nn.LayerNorm, lib.nn.Embedding)):
                no_decay.add(full)
            elif pn.endswith("weight") and isinstance(m, lib.nn.Linear):
                decay.add(full)
    params = dict(model.named_parameters())
    assert not decay & no_decay and decay | no_decay == params.keys()
    return [{"params": [params[n] for n in sorted(decay)], "weight_decay": weight_decay},
            {"params": [params[n] for n in sorted(no_decay)], "weight_decay": 0.0}]


def lr_at(step, base=3e-2, warmup=3, total=8):
    if step < warmup:
        return base * (step + 1) / warmup
    return base * 0.5 * (1 + math.cos(math.pi * (step - warmup) / (total - warmup)))


@pytest.mark.parametrize("idiom", ["nanogpt", "mingpt"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_adamw_decay_groups_train_as_torch(idiom, dtype):
    torch.manual_seed(0)
    theirs, ours = tiny_lm(torch, dtype=dtype), tiny_lm(tg, dtype=dtype)
    copy_weights(theirs, ours)
    groups = {"nanogpt": lambda lib, m: nanogpt_groups(m, 0.1), "mingpt": lambda lib, m: mingpt_groups(lib, m, 0.1)}
    t_opt = torch.optim.AdamW(groups[idiom](torch, theirs), lr=3e-2, betas=(0.9, 0.95))
    o_opt = toptim.AdamW(groups[idiom](tg, ours), lr=3e-2, betas=(0.9, 0.95))
    assert repr(o_opt) == repr(t_opt)
    assert o_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]
    rng = np.random.default_rng(1)
    tol = dict(rtol=2e-4, atol=2e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    for step in range(8):
        tokens = rng.integers(0, 11, size=(4, 5))
        for opt, model, lib in ((t_opt, theirs, torch), (o_opt, ours, tg)):
            for group in opt.param_groups:  # a hand-written schedule, as nanoGPT's train loop
                group["lr"] = lr_at(step)
            logits = model(lib.tensor(tokens))
            loss = lib.nn.functional.cross_entropy(logits.reshape(-1, 11), lib.tensor(tokens).reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        mine = dict(ours.named_parameters())
        for name, p in theirs.named_parameters():
            np.testing.assert_allclose(mine[name].detach().numpy(), p.detach().numpy(), err_msg=name, **tol)
    assert [g["lr"] for g in o_opt.param_groups] == [g["lr"] for g in t_opt.param_groups]
    assert [len(g["params"]) for g in o_opt.param_groups] == [len(g["params"]) for g in t_opt.param_groups]


def test_group_errors_match_torch():
    def run(lib, make):
        model = tiny_lm(lib)
        return outcome(lambda: make(lib, list(model.parameters())))
    cases = [
        lambda lib, ps: lib.optim.AdamW([{"params": ps}, {"params": ps[:1], "weight_decay": 0.0}]),
        lambda lib, ps: lib.optim.AdamW([{"params": set(ps)}]),
        lambda lib, ps: lib.optim.AdamW([{"params": ps, "weight_decay": 0.1}], lr=-1.0),
        lambda lib, ps: lib.optim.AdamW(ps, fused=True, foreach=True),
        lambda lib, ps: lib.optim.AdamW(ps, fused=False, foreach=False),
        lambda lib, ps: lib.optim.AdamW(ps, betas=(0.9, 1.0)),
        lambda lib, ps: lib.optim.AdamW([]),
    ]
    for make in cases:
        assert run(tg, make) == run(torch, make)


OPTIMIZERS = ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_signature_groups_and_repr_are_torchs(name):
    import inspect
    ours = inspect.signature(getattr(toptim, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    assert [(k, p.kind, p.default) for k, p in ours.items()] == [(k, p.kind, p.default) for k, p in theirs.items()]
    t_opt = getattr(torch.optim, name)(nanogpt_groups(tiny_lm(torch), 0.1), lr=0.1)
    o_opt = getattr(toptim, name)(nanogpt_groups(tiny_lm(tg), 0.1), lr=0.1)
    assert o_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]
    assert repr(o_opt) == repr(t_opt)


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("options", [dict(fused=True, foreach=True), dict(fused=True, differentiable=True),
                                     dict(foreach=True), dict(fused=False, foreach=False), dict(capturable=True)])
def test_kernel_options_checked_as_torch(name, options):
    def make(lib):
        cls = getattr(lib.optim, name)
        import inspect
        if not set(options) <= set(inspect.signature(cls).parameters):
            return lambda: cls(list(tiny_lm(lib).parameters()), **options)  # a TypeError in both
        return lambda: cls(list(tiny_lm(lib).parameters()), **options).param_groups[0]["lr"]
    assert outcome(make(tg)) == outcome(make(torch))


def test_differentiable_steps_are_refused():
    """torch can record its step for autograd (differentiable=True); here that is NotImplementedError."""
    for name in OPTIMIZERS:
        with pytest.raises(NotImplementedError, match="differentiable"):
            getattr(toptim, name)(list(tiny_lm(tg).parameters()), differentiable=True)


# ---- non-persistent buffers ------------------------------------------------------------------------------
def head(lib, block=4, dim=6, persistent=False):
    class Head(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.key = lib.nn.Linear(dim, dim, bias=False)
            self.register_buffer("tril", lib.tril(lib.ones(block, block)), persistent=persistent)
            self.register_buffer("count", lib.zeros(1))
            self.register_buffer("nothing", None, persistent=False)
    return Head()


def as_ours(state):
    return {k: tg.tensor(v.detach().numpy()) for k, v in state.items()}


@pytest.mark.parametrize("persistent", [False, True])
def test_non_persistent_buffer_left_out_of_state_dict(persistent):
    theirs, ours = head(torch, persistent=persistent), head(tg, persistent=persistent)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert len(list(ours.buffers())) == len(list(theirs.buffers()))
    # ours loads torch's checkpoint; the missing / unexpected keys are the same
    result, expected = ours.load_state_dict(as_ours(theirs.state_dict())), theirs.load_state_dict(theirs.state_dict())
    assert (result.missing_keys, result.unexpected_keys) == (expected.missing_keys, expected.unexpected_keys)
    # ours.double() converts the buffer too (it is still a buffer, just not saved)
    assert str(ours.double().tril.dtype).split(".")[-1] == str(theirs.double().tril.dtype).split(".")[-1]


def test_load_state_dict_with_the_non_persistent_key():
    theirs, ours = head(torch), head(tg)
    extra = dict(theirs.state_dict(), tril=torch.ones(4, 4))
    for strict in (True, False):
        t = outcome(lambda: theirs.load_state_dict(extra, strict=strict))
        o = outcome(lambda: ours.load_state_dict(as_ours(extra), strict=strict))
        assert o[0] == t[0] and ("Unexpected key(s)" in o[-1]) == ("Unexpected key(s)" in t[-1])
        if not strict:
            r1, r2 = theirs.load_state_dict(extra, strict=False), ours.load_state_dict(as_ours(extra), strict=False)
            assert (r1.missing_keys, r1.unexpected_keys) == (r2.missing_keys, r2.unexpected_keys)
    np.testing.assert_array_equal(ours.tril.numpy(), theirs.tril.numpy())  # not overwritten by the extra


def test_reregistering_makes_it_persistent_again():
    def snippet(lib):
        h = head(lib)
        keys = [list(h.state_dict())]
        h.register_buffer("tril", lib.ones(2, 2))  # persistent=True by default
        keys.append(list(h.state_dict()))
        del h.tril
        keys.append(list(h.state_dict()))
        h.register_buffer("tril", lib.ones(2, 2), persistent=False)
        keys.append(list(h.state_dict()))
        return keys
    assert snippet(tg) == snippet(torch)


# ---- the causal mask idiom -----------------------------------------------------------------------------------
def attention(lib, x, wk, wq, wv, tril, four_d):
    """Karpathy's Head (four_d: nanoGPT's (1, 1, T, T) bias over (B, heads, T, T) scores)."""
    B, T, C = x.shape
    k, q, v = x @ wk, x @ wq, x @ wv
    if four_d:
        k, q, v = (t.reshape(B, T, 2, C // 2).transpose(1, 2) for t in (k, q, v))
        wei = q @ k.transpose(-2, -1) * (1.0 / math.sqrt(C // 2))
        wei = wei.masked_fill(tril.reshape(1, 1, *tril.shape)[:, :, :T, :T] == 0, float("-inf"))
    else:
        wei = q @ k.transpose(-2, -1) * C ** -0.5
        wei = wei.masked_fill(tril[:T, :T] == 0, float("-inf"))
    wei = lib.nn.functional.softmax(wei, dim=-1)
    out = wei @ v
    return (out.transpose(1, 2).reshape(B, T, C) if four_d else out), wei


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("four_d", [False, True])
@pytest.mark.parametrize("T", [1, 3, 5])
def test_causal_masked_fill_softmax_matches_torch(dtype, four_d, T):
    rng = np.random.default_rng(T)
    arrays = [rng.standard_normal(s).astype(dtype) for s in ((2, T, 6), (6, 6), (6, 6), (6, 6))]
    results = []
    for lib in (torch, tg):
        leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
        tril = lib.tril(lib.ones(5, 5, dtype=getattr(lib, dtype)))  # block size 5, T <= 5
        out, wei = attention(lib, *leaves, tril, four_d)
        (out * lib.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape).astype(dtype))).sum().backward()
        results.append(([out.detach().numpy(), wei.detach().numpy()], [p.grad.numpy() for p in leaves]))
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-13)
    (t_vals, t_grads), (o_vals, o_grads) = results
    for mine, ref in zip(o_vals + o_grads, t_vals + t_grads):
        assert mine.dtype == ref.dtype and mine.shape == ref.shape
        np.testing.assert_allclose(mine, ref, **tol)
    assert np.all(np.triu(o_vals[1][(0,) * (o_vals[1].ndim - 2)], 1) == 0)  # masked weights are exactly 0


def test_masked_fill_gradient_by_finite_differences():
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.standard_normal((2, 4, 4)), requires_grad=True)
    mask = tg.tril(tg.ones(4, 4)) == 0
    assert tg.autograd.gradcheck(lambda t: TF.softmax(t.masked_fill(mask, float("-inf")), -1), (x,))
    assert tg.autograd.gradgradcheck(lambda t: TF.softmax(t.masked_fill(mask, -1e4), -1), (x,))


def test_masked_fill_mask_broadcast_errors_match_torch():
    def run(lib, x_shape, m_shape):
        return outcome(lambda: lib.zeros(*x_shape).masked_fill(lib.ones(*m_shape, dtype=lib.bool), 1.0))
    for shapes in [((2, 3, 3), (3, 3)), ((3, 3), (2, 3, 3)), ((2, 3), (3, 2)), ((2, 3, 3), (2, 1, 3))]:
        o, t = run(tg, *shapes), run(torch, *shapes)
        assert o[0] == t[0], (shapes, o, t)
