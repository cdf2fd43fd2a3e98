"""tinygrad_edu.summary: torchsummary's table for the lecture's phone-price network.

Expected values are computed here from torchsummary's definitions: one row per non-container
module in call order with the batch dimension replaced by batch_size, parameters = numel of each
layer's parameters, sizes in MB of 4-byte numbers (input, 2 x outputs, parameters)."""
import numpy as np
import pytest

import tinygrad_edu as te
import tinygrad_edu.nn as nn
from tinygrad_edu import summary
from helpers import phone_model

MB = 1024 ** 2


def expected_text(rows, total, trainable, input_numbers, batch_size):
    """torchsummary's layout, written out from its format strings."""
    out_numbers = sum(int(np.prod(shape)) for _, shape, _ in rows)
    sizes = [abs(input_numbers * batch_size * 4 / MB), abs(2 * out_numbers * 4 / MB), total * 4 / MB]
    lines = ["-" * 64, f"{'Layer (type)':>20}  {'Output Shape':>25} {'Param #':>15}", "=" * 64]
    lines += [f"{name:>20}  {str(shape):>25} {params:>15,}" for name, shape, params in rows]
    lines += ["=" * 64, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {total - trainable:,}", "-" * 64,
              f"Input size (MB): {sizes[0]:.2f}", f"Forward/backward pass size (MB): {sizes[1]:.2f}",
              f"Params size (MB): {sizes[2]:.2f}", f"Estimated Total Size (MB): {sum(sizes):.2f}", "-" * 64]
    return "\n".join(lines), sizes


@pytest.mark.parametrize("batch_size", [4, -1])
def test_lecture_model_table(batch_size, capsys):
    model = phone_model(nn, te)
    result = summary(model, input_size=(20,), batch_size=batch_size)
    layers = [model.layer1, model.layer2, model.layer3]
    rows = [(f"Linear-{i + 1}", [batch_size, layer.out_features], layer.weight.numel() + layer.bias.numel())
            for i, layer in enumerate(layers)]
    total = sum(p.numel() for p in model.parameters())
    text, sizes = expected_text(rows, total, total, 20, batch_size)
    assert result["text"] == text
    assert capsys.readouterr().out == text + "\n"
    assert [(r["layer"], r["output_shape"], r["nb_params"]) for r in result["rows"]] == rows
    assert [r["name"] for r in result["rows"]] == ["layer1", "layer2", "layer3"]
    assert result["total_params"] == total == 20 * 64 + 64 + 64 * 32 + 32 + 32 * 4 + 4
    assert result["non_trainable_params"] == 0
    assert [result["input_size_mb"], result["forward_backward_size_mb"], result["params_size_mb"]] == \
        pytest.approx(sizes)


def test_sequential_rows_frozen_params_and_cleanup():
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Sequential(nn.Linear(64, 32), nn.ReLU()),
                          nn.Linear(32, 4))
    model[0].requires_grad_(False)
    model.train()
    model[2].eval()
    modes = [m.training for m in model.modules()]
    result = summary(model, (20,), batch_size=2)
    assert [r["layer"] for r in result["rows"]] == ["Linear-1", "ReLU-2", "Linear-3", "ReLU-4", "Linear-5"]
    assert [r["output_shape"] for r in result["rows"]] == [[2, 64], [2, 64], [2, 32], [2, 32], [2, 4]]
    frozen = model[0].weight.numel() + model[0].bias.numel()
    assert result["total_params"] == sum(p.numel() for p in model.parameters())
    assert result["non_trainable_params"] == frozen
    assert [m.training for m in model.modules()] == modes  # training flags restored
    assert all(not m._forward_hooks for m in model.modules())  # hooks removed


class TwoInputs(nn.Module):
    """Records the grad mode and mode seen by forward; returns a tuple of outputs."""

    def __init__(self):
        super().__init__()
        self.left, self.right = nn.Linear(3, 2), nn.Linear(5, 2)
        self.seen = None

    def forward(self, a, b):
        self.seen = (te.is_grad_enabled(), self.training, a.shape, b.shape, a.dtype)
        return self.left(a), self.right(b)


def test_multiple_inputs_probe_runs_without_grad():
    model = TwoInputs()
    result = summary(model, [(3,), (5,)], batch_size=3)
    assert model.seen == (False, False, (3, 3), (3, 5), te.float32)
    assert model.training  # restored
    assert result["input_size_mb"] == pytest.approx((3 * 5) * 3 * 4 / MB)
    assert result["total_params"] == 3 * 2 + 2 + 5 * 2 + 2


def test_summary_is_reachable_from_the_package():
    model = phone_model(nn, te)
    assert te.summary(model, (20,), batch_size=4)["total_params"] == sum(p.numel() for p in model.parameters())
    assert te.summary(model, (20,))["rows"][0]["output_shape"] == [-1, 64]  # also once the module is imported


def test_probe_leaves_batchnorm_statistics_alone():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    stats = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    result = summary(model, (3,), batch_size=4)
    assert all(np.array_equal(model.state_dict()[k].numpy(), v) for k, v in stats.items())
    assert [r["nb_params"] for r in result["rows"]] == [3 * 4 + 4, 4 + 4]  # running stats are buffers
