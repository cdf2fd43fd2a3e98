"""The layer ops of tinygrad_edu/ops/ (conv.py, pool.py, normalization.py, pad.py, index.py's
EmbeddingLookup and Index, matmul.py's Addmm) compute their gradient two ways: a plain backward() runs
numpy (`backward_arrays`, or Addmm's one formula on arrays), a create_graph=True pass runs Tensor
operations. Both must give torch's gradient, and the recorded one must differentiate again to torch's
second derivative; the node names of the renamed classes are torch's."""
import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as tgF
from tinygrad_edu import autograd

import torch
F = torch.nn.functional

RNG = np.random.default_rng(7)
IMG = RNG.standard_normal((2, 4, 7, 6))
IMG[0, 0, :2, :2] = 1.5  # a tie inside a max-pool window: the first max gets the gradient, as torch
W_CONV = RNG.standard_normal((6, 2, 3, 2))
B6 = RNG.standard_normal(6)
C4 = RNG.standard_normal(4)
LN_W, LN_B = RNG.standard_normal((7, 6)), RNG.standard_normal((7, 6))
TABLE = RNG.standard_normal((5, 3))
IDS = np.array([[1, 2, 1], [4, 0, 1]])
X53, W43, B4 = RNG.standard_normal((5, 3)), RNG.standard_normal((4, 3)), RNG.standard_normal(4)


def _running(L):
    return L.tensor(np.linspace(-0.5, 0.5, 4)), L.tensor(np.linspace(0.5, 1.5, 4))


# name -> (f(L, F, *tensors), input arrays); every input requires grad
CASES = {
    "conv2d": (lambda L, F, x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
               [IMG, W_CONV, B6]),
    "conv2d_same": (lambda L, F, x, w: F.conv2d(x, w, padding="same", groups=2), [IMG, W_CONV]),
    "conv1d": (lambda L, F, x, w: F.conv1d(x, w, stride=2, padding=1, groups=2), [IMG[:, :, 0], W_CONV[:, :, 0]]),
    "max_pool2d": (lambda L, F, x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), [IMG]),
    "max_pool2d_overlap": (lambda L, F, x: F.max_pool2d(x, 3, 1, dilation=(1, 2)), [IMG]),
    "max_pool1d": (lambda L, F, x: F.max_pool1d(x, 3, 2, 1), [IMG[:, :, 0]]),
    "avg_pool2d": (lambda L, F, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), [IMG]),
    "adaptive_avg_pool2d": (lambda L, F, x: F.adaptive_avg_pool2d(x, (3, 4)), [IMG]),
    "batch_norm_train": (lambda L, F, x, w, b: F.batch_norm(x, None, None, w, b, training=True), [IMG, C4, C4]),
    "batch_norm_eval": (lambda L, F, x, w, b: F.batch_norm(x, *_running(L), w, b), [IMG, C4, C4]),
    "layer_norm": (lambda L, F, x, w, b: F.layer_norm(x, (7, 6), w, b), [IMG, LN_W, LN_B]),
    "layer_norm_no_affine": (lambda L, F, x: F.layer_norm(x, (6,)), [IMG]),
    "group_norm": (lambda L, F, x, w, b: F.group_norm(x, 2, w, b), [IMG, C4, C4]),
    "embedding": (lambda L, F, w: F.embedding(L.tensor(IDS), w) ** 2, [TABLE]),
    "embedding_padding_freq": (lambda L, F, w: F.embedding(L.tensor(IDS), w, padding_idx=1, scale_grad_by_freq=True)
                               ** 2, [TABLE]),
    "pad_constant": (lambda L, F, x: F.pad(x, (1, -2, 2, 0), value=0.5) ** 2, [IMG]),
    "pad_reflect": (lambda L, F, x: F.pad(x, (1, 2, 2, 1), mode="reflect") ** 2, [IMG]),
    "pad_circular": (lambda L, F, x: F.pad(x, (1, 2, 2, 3), mode="circular") ** 2, [IMG]),
    "index_fancy": (lambda L, F, x: x[:, [0, 2, 0]] ** 2, [IMG]),
    "linear": (lambda L, F, x, w, b: F.linear(x, w, b) ** 2, [X53, W43, B4]),
    "linear_3d": (lambda L, F, x, w, b: F.linear(x, w, b) ** 2, [X53[None], W43, B4]),
}

# the classes renamed after torch's kernels: the node made by the call itself is named as torch's
NAMED = {"conv2d": "ConvolutionBackward0", "max_pool2d": "MaxPool2DWithIndicesBackward0",
         "batch_norm_train": "NativeBatchNormBackward0", "group_norm": "NativeGroupNormBackward0",
         "layer_norm": "NativeLayerNormBackward0"}
NAMED_UNSQUARED = {"embedding": ("EmbeddingBackward0", lambda L, F, w: F.embedding(L.tensor(IDS), w)),
                   "pad_constant": ("ConstantPadNdBackward0", lambda L, F, x: F.pad(x, (1, -2, 2, 0))),
                   "linear": ("AddmmBackward0", lambda L, F, x, w, b: F.linear(x, w, b))}


def _run(case, L, functional):
    f, arrays = CASES[case]
    inputs = [L.tensor(a, requires_grad=True) for a in arrays]
    return inputs, f(L, functional, *inputs)


def _weights(shape):
    return np.random.default_rng(0).standard_normal(tuple(shape))


def _torch_grads(case, create_graph):
    inputs, out = _run(case, torch, F)
    loss = (out * torch.tensor(_weights(out.shape))).sum()
    return inputs, torch.autograd.grad(loss, inputs, create_graph=create_graph)


@pytest.mark.parametrize("case", list(CASES))
def test_plain_backward_is_torchs(case):
    inputs, out = _run(case, tg, tgF)
    (out * tg.tensor(_weights(out.shape))).sum().backward()
    _, expected = _torch_grads(case, False)
    for t, e in zip(inputs, expected):
        np.testing.assert_allclose(t.grad.numpy(), e.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", list(CASES))
def test_recorded_backward_is_torchs_and_differentiates_again(case):
    inputs, out = _run(case, tg, tgF)
    grads = autograd.grad((out * tg.tensor(_weights(out.shape))).sum(), inputs, create_graph=True)
    t_inputs, expected = _torch_grads(case, True)
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g.detach().numpy(), e.detach().numpy(), rtol=1e-10, atol=1e-12)
    # second derivative of sum(grad^2), through the recorded backward
    second = sum((g * g).sum() for g in grads)
    t_second = torch.autograd.grad(sum((e * e).sum() for e in expected), t_inputs, allow_unused=True)
    if not second.requires_grad:  # nothing of the inputs left in the gradient: torch's must be zero too
        assert all(s is None or not s.any() for s in t_second), case
        return
    ours = autograd.grad(second, inputs, allow_unused=True)
    for o, s in zip(ours, t_second):
        if o is None:
            assert s is None or not s.any(), case
        else:
            np.testing.assert_allclose(o.numpy(), s.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("case", list(NAMED) + list(NAMED_UNSQUARED))
def test_node_names_are_torchs(case):
    name, f = NAMED_UNSQUARED.get(case, (NAMED.get(case), CASES[case][0]))
    _, arrays = CASES[case]
    for L, functional in ((tg, tgF), (torch, F)):
        out = f(L, functional, *[L.tensor(a, requires_grad=True) for a in arrays])
        assert out.grad_fn.name() == name
