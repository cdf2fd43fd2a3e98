"""grad_fn names follow torch's, so that `print(loss.grad_fn)` and drawn graphs read as a torch user
expects: each case is run on both libraries and the names compared."""
import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as tgF
from tinygrad_edu.autograd import Function

import torch
F = torch.nn.functional

# name -> f(L, F, a, b), with a, b (2, 3) float64 tensors that require grad, L the library, F its functional
CASES = {
    "add": lambda L, F, a, b: a + b, "sub": lambda L, F, a, b: a - b, "mul": lambda L, F, a, b: a * b,
    "div": lambda L, F, a, b: a / b, "mul_scalar": lambda L, F, a, b: a * 2, "neg": lambda L, F, a, b: -a,
    "pow_scalar": lambda L, F, a, b: a ** 2, "pow_tensor": lambda L, F, a, b: a.abs() ** b,
    "rpow": lambda L, F, a, b: 2 ** a, "abs": lambda L, F, a, b: a.abs(), "exp": lambda L, F, a, b: a.exp(),
    "log": lambda L, F, a, b: a.abs().log(), "sqrt": lambda L, F, a, b: a.abs().sqrt(),
    "sigmoid": lambda L, F, a, b: a.sigmoid(), "tanh": lambda L, F, a, b: a.tanh(), "relu": lambda L, F, a, b: a.relu(),
    "sign": lambda L, F, a, b: a.sign(), "floor": lambda L, F, a, b: a.floor(),
    "clamp": lambda L, F, a, b: a.clamp(-1, 1), "clamp_min": lambda L, F, a, b: a.clamp(min=0.5),
    "clamp_tensor": lambda L, F, a, b: a.clamp(b * 0 - 1, b * 0 + 1),
    "to_float32": lambda L, F, a, b: a.float(),
    "sum": lambda L, F, a, b: a.sum(), "sum_dim": lambda L, F, a, b: a.sum(0), "sum_dims": lambda L, F, a, b: a.sum((0, 1)),
    "mean": lambda L, F, a, b: a.mean(), "mean_dim": lambda L, F, a, b: a.mean(1, keepdim=True),
    "max": lambda L, F, a, b: a.max(), "min": lambda L, F, a, b: a.min(), "max_dim": lambda L, F, a, b: a.max(0)[0],
    "min_dim_keepdim": lambda L, F, a, b: a.min(1, keepdim=True)[0], "amax": lambda L, F, a, b: a.amax(1),
    "amin": lambda L, F, a, b: a.amin(), "std": lambda L, F, a, b: a.std(), "var_dim": lambda L, F, a, b: a.var(1),
    "logsumexp": lambda L, F, a, b: a.logsumexp(1), "norm": lambda L, F, a, b: a.norm(),
    "cumsum": lambda L, F, a, b: a.cumsum(1), "prod": lambda L, F, a, b: a.prod(),
    "softmax": lambda L, F, a, b: a.softmax(1), "log_softmax": lambda L, F, a, b: a.log_softmax(1),
    "mm": lambda L, F, a, b: a @ b.T, "mv": lambda L, F, a, b: a @ b[0], "dot": lambda L, F, a, b: a[0] @ b[0],
    "vm": lambda L, F, a, b: a[0] @ b.T, "batched": lambda L, F, a, b: a[None] @ b.T[None],
    "bmm": lambda L, F, a, b: L.bmm(a[None], b.T[None]),
    "T": lambda L, F, a, b: a.T, "t": lambda L, F, a, b: a.t(), "mT": lambda L, F, a, b: a.mT,
    "transpose": lambda L, F, a, b: a.transpose(0, 1), "permute": lambda L, F, a, b: a.permute(1, 0),
    "reshape": lambda L, F, a, b: a.reshape(-1), "reshape_copy": lambda L, F, a, b: a.t().reshape(-1),
    "view": lambda L, F, a, b: a.view(3, 2), "flatten": lambda L, F, a, b: a.flatten(),
    "unsqueeze": lambda L, F, a, b: a.unsqueeze(2), "squeeze": lambda L, F, a, b: a[None].squeeze(),
    "squeeze_dim": lambda L, F, a, b: a[None].squeeze(0), "expand": lambda L, F, a, b: a[:, :1].expand(2, 3),
    "repeat": lambda L, F, a, b: a.repeat(2, 1), "flip": lambda L, F, a, b: a.flip(0),
    "select": lambda L, F, a, b: a[0], "slice": lambda L, F, a, b: a[:, 1:], "select_slice": lambda L, F, a, b: a[0, 1:],
    "slice_select": lambda L, F, a, b: a[1:, 0], "ellipsis_select": lambda L, F, a, b: a[..., 0],
    "full_slice": lambda L, F, a, b: a[:], "newaxis": lambda L, F, a, b: a[None],
    "fancy": lambda L, F, a, b: a[[0, 1]], "mask": lambda L, F, a, b: a[a > 0],
    "gather": lambda L, F, a, b: a.gather(1, L.tensor([[0], [1]])), "index_select": lambda L, F, a, b: a.index_select(0, L.tensor([1])),
    "masked_fill": lambda L, F, a, b: a.masked_fill(a > 0, 0.0), "where": lambda L, F, a, b: L.where(a > 0, a, b),
    "maximum": lambda L, F, a, b: L.maximum(a, b), "cat": lambda L, F, a, b: L.cat([a, b]),
    "stack": lambda L, F, a, b: L.stack([a, b]), "clone": lambda L, F, a, b: a.clone(),
    "leaky_relu": lambda L, F, a, b: F.leaky_relu(a, 0.1), "gelu": lambda L, F, a, b: F.gelu(a),
    "gelu_tanh": lambda L, F, a, b: F.gelu(a, approximate="tanh"), "silu": lambda L, F, a, b: F.silu(a),
    "elu": lambda L, F, a, b: F.elu(a), "softplus": lambda L, F, a, b: F.softplus(a),
    "hardtanh": lambda L, F, a, b: F.hardtanh(a), "pad": lambda L, F, a, b: F.pad(a, (1, 1)),
    "linear": lambda L, F, a, b: F.linear(a, b[:, :3], b[:, 0]), "linear_nobias": lambda L, F, a, b: F.linear(a, b),
    "linear_1d": lambda L, F, a, b: F.linear(a[0], b, b.sum(1)), "linear_1d_nobias": lambda L, F, a, b: F.linear(a[0], b),
    "linear_3d": lambda L, F, a, b: F.linear(a[None], b, b.sum(1)), "linear_3d_nobias": lambda L, F, a, b: F.linear(a[None], b),
    "cross_entropy": lambda L, F, a, b: F.cross_entropy(a, L.tensor([0, 2])),
    "cross_entropy_smoothing": lambda L, F, a, b: F.cross_entropy(a, L.tensor([0, 2]), label_smoothing=0.1),
    "nll_loss": lambda L, F, a, b: F.nll_loss(a, L.tensor([0, 2])),
    "mse_loss": lambda L, F, a, b: F.mse_loss(a, b), "mse_loss_sum": lambda L, F, a, b: F.mse_loss(a, b, reduction="sum"),
    "l1_loss": lambda L, F, a, b: F.l1_loss(a, b),
    "bce": lambda L, F, a, b: F.binary_cross_entropy(a.sigmoid(), b.sigmoid().detach()),
    "bce_logits": lambda L, F, a, b: F.binary_cross_entropy_with_logits(a, b.sigmoid().detach()),
    "layer_norm": lambda L, F, a, b: F.layer_norm(a, (3,)),
    "batch_norm": lambda L, F, a, b: F.batch_norm(a, None, None, training=True),
    "embedding": lambda L, F, a, b: F.embedding(L.tensor([1, 0]), a),
}


@pytest.mark.parametrize("case", list(CASES))
def test_grad_fn_name_is_torchs(case):
    rng = np.random.default_rng(0)
    values = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    names = []
    for L, functional in ((tg, tgF), (torch, F)):
        a, b = (L.tensor(v, requires_grad=True) for v in values)
        names.append(CASES[case](L, functional, a, b).grad_fn.name())
    assert names[0] == names[1]


def test_custom_function_node_is_named_like_torchs():
    class Twice(Function):
        @staticmethod
        def forward(ctx, x):
            return x._data * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    class TorchTwice(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    ours = Twice.apply(tg.tensor([1.0], requires_grad=True)).grad_fn
    theirs = TorchTwice.apply(torch.tensor([1.0], requires_grad=True)).grad_fn
    assert ours.name() == "TwiceBackward" and theirs.name() == "TorchTwiceBackward"
    assert repr(tg.tensor([1.0], requires_grad=True) * 2).endswith("grad_fn=<MulBackward0>)")


@pytest.mark.parametrize("fn", ["max", "min"])
def test_max_over_dim_of_a_0d_tensor_is_a_new_tensor(fn):
    for L in (tg, torch):
        x = L.tensor(3.0, requires_grad=True)
        values, indices = getattr(x, fn)(0)
        assert values is not x and values.grad_fn.name() == fn.capitalize() + "Backward0"
        assert int(indices) == 0
        values.backward()
        assert float(x.grad) == 1.0
