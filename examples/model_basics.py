"""The smaller snippets of the lecture notes 000 on tinygrad_edu: a model, losses, activations, init.

    python examples/model_basics.py                 # prints the model's output shape and the losses
    python examples/model_basics.py --out figs      # also writes activations.png and init.png

1. Model construction: an nn.Module with three Linear layers (3 -> 3 -> 2 -> 2), ReLU between them
   and softmax(dim=-1) on the output, called on randn(10, 3): every row of the output is a
   probability vector, shape (10, 2).
2. Losses, with the notes' numbers:
   * CrossEntropyLoss on logits z = [[0.2, 6, 0.2], [0.1, 0.8, 10]]: mean over rows of
     -log softmax(z)[target]; with class targets [1, 2] and with the one-hot float targets
     [[0, 1, 0], [0, 0, 1]] (probability targets: -sum_c t_c log softmax(z)_c), the same value.
   * BCELoss on p = [0.02, 0.8, 0.01] vs y = [0, 1, 0]: -mean(y log p + (1 - y) log(1 - p)).
   * Regression: L1 (MAE) mean|d|, MSE mean d^2, Smooth L1 mean(0.5 d^2 if |d| < 1 else |d| - 0.5).
3. Activations and their derivatives side by side (sigmoid, tanh, ReLU, Leaky ReLU); the
   derivatives are NOT formulas: they are x.grad after y.sum().backward() (each y_i depends on
   x_i only, so d(sum y)/dx_i = f'(x_i)).
4. Parameter initialisers applied to a Linear(256, 256) weight, as histograms with their
   theoretical bounds / standard deviations (fan_in = fan_out = 256):
   uniform U(0, 1); normal N(0, 1); kaiming_uniform U(+-sqrt(6 / fan_in)); kaiming_normal
   std sqrt(2 / fan_in); xavier_uniform U(+-sqrt(6 / (fan_in + fan_out))); xavier_normal
   std sqrt(2 / (fan_in + fan_out)); zeros; ones; and nn.Linear's own default
   (kaiming_uniform with a = sqrt(5), i.e. U(+-1 / sqrt(fan_in))).
"""
import argparse
import math
from pathlib import Path

import numpy as np

import tinygrad_edu as torch
import tinygrad_edu.nn as nn

LEAKY_SLOPE = 0.1  # larger than torch's default 0.01 so the leak is visible in the picture


# 1. model construction (the notes' code)
class Model(nn.Module):
    def __init__(self):
        super(Model, self).__init__()
        self.layer1 = nn.Linear(3, 3)
        self.layer2 = nn.Linear(3, 2)
        self.output = nn.Linear(2, 2)

    def forward(self, x):
        x = torch.relu(self.layer1(x))
        x = torch.relu(self.layer2(x))
        x = self.output(x)  # scores / logits
        out = torch.softmax(x, dim=-1)
        return out


def model_demo():
    net = Model()
    x = torch.randn(10, 3)
    out = net(x)
    print(out.shape)
    return out


# 2. losses (the notes' snippets; each returns what it prints, as numpy)
def cross_entropy_demo():
    y_pred = torch.tensor([[0.2, 6, 0.2], [0.1, 0.8, 10]], dtype=torch.float32)
    loss = nn.CrossEntropyLoss()
    y_true = torch.tensor([1, 2], dtype=torch.int64)
    by_class = loss(y_pred, y_true).numpy()
    print("CrossEntropyLoss, class targets [1, 2]:      ", by_class)
    y_true = torch.tensor([[0, 1, 0], [0, 0, 1]], dtype=torch.float32)
    by_onehot = loss(y_pred, y_true).numpy()
    print("CrossEntropyLoss, one-hot targets:           ", by_onehot)
    return {"cross_entropy_class": by_class, "cross_entropy_onehot": by_onehot}


def bce_demo():
    y_pred = torch.tensor([0.02, 0.8, 0.01], requires_grad=True)
    y_true = torch.tensor([0, 1, 0], dtype=torch.float32)
    loss = nn.BCELoss()
    value = loss(y_pred, y_true)
    print("BCELoss [0.02, 0.8, 0.01] vs [0, 1, 0]:      ", value)
    return {"bce": value.detach().numpy()}


def regression_demo():
    y_pred = torch.tensor([1.0, 1.0, 1.9], requires_grad=True)
    y_true = torch.tensor([2.0, 2.0, 2.0], dtype=torch.float32)
    mae = nn.L1Loss()(y_pred, y_true)
    mse = nn.MSELoss()(y_pred, y_true)
    print("L1Loss (MAE) [1, 1, 1.9] vs [2, 2, 2]:       ", mae.detach().numpy())
    print("MSELoss [1, 1, 1.9] vs [2, 2, 2]:            ", mse.detach().numpy())
    y_pred = torch.tensor([0.6, 0.4], requires_grad=True)
    y_true = torch.tensor([0.0, 3.0], dtype=torch.float32)
    smooth = nn.SmoothL1Loss()(y_pred, y_true)  # |d| = 0.6 < 1: quadratic; |d| = 2.6: linear
    print("SmoothL1Loss [0.6, 0.4] vs [0, 3]:           ", smooth.detach().numpy())
    return {"l1": mae.detach().numpy(), "mse": mse.detach().numpy(), "smooth_l1": smooth.detach().numpy()}


# 3. activations and their derivatives by autograd
ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "ReLU": torch.relu,
    f"Leaky ReLU (slope {LEAKY_SLOPE})": lambda x: nn.functional.leaky_relu(x, LEAKY_SLOPE),
}


def activation_curves(lo=-10.0, hi=10.0, n=1000):
    """{name: (x, f(x), f'(x))} as numpy; f' is x.grad from backward (n even: x never hits the kink 0)."""
    curves = {}
    for name, f in ACTIVATIONS.items():
        x = torch.linspace(lo, hi, n)
        x.requires_grad_(True)
        y = f(x)
        y.sum().backward()
        curves[name] = (x.detach().numpy(), y.detach().numpy(), x.grad.numpy())
    return curves


def plot_activations(curves, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(curves), figsize=(14, 6), sharex=True)
    for col, (name, (x, y, dy)) in enumerate(curves.items()):
        top, bottom = axes[0, col], axes[1, col]
        top.plot(x, y, color="tab:blue")
        top.set_title(name)
        bottom.plot(x, dy, color="tab:orange")
        bottom.set_xlabel("x")
        for ax in (top, bottom):
            ax.axhline(0, color="gray", lw=0.6)
            ax.axvline(0, color="gray", lw=0.6)
            ax.grid(alpha=0.3)
        # a little head-room so flat derivatives (0 and 1) are not drawn on the frame
        low, high = min(dy.min(), 0.0), max(dy.max(), 0.0)
        bottom.set_ylim(low - 0.1 * (high - low), high + 0.1 * (high - low))
    axes[0, 0].set_ylabel("f(x)")
    axes[1, 0].set_ylabel("f'(x)  (x.grad from backward)")
    fig.suptitle("activation functions (top) and their derivatives computed by autograd (bottom)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return str(path)


# 4. initialisers
FAN = 256


def _inits():
    """name -> (initialiser applied in place, (kind, value) drawn over the histogram)."""
    init = nn.init
    kaiming_bound = math.sqrt(6 / FAN)
    xavier_bound = math.sqrt(6 / (2 * FAN))
    return {
        "uniform_ U(0, 1)": (init.uniform_, ("bounds", (0.0, 1.0))),
        "normal_ N(0, 1)": (init.normal_, ("std", 1.0)),
        "kaiming_uniform_ (relu)": (lambda w: init.kaiming_uniform_(w, nonlinearity="relu"),
                                    ("bounds", (-kaiming_bound, kaiming_bound))),
        "kaiming_normal_ (relu)": (lambda w: init.kaiming_normal_(w, nonlinearity="relu"),
                                   ("std", math.sqrt(2 / FAN))),
        "xavier_uniform_": (init.xavier_uniform_, ("bounds", (-xavier_bound, xavier_bound))),
        "xavier_normal_": (init.xavier_normal_, ("std", math.sqrt(2 / (2 * FAN)))),
        "zeros_ (typical for biases)": (init.zeros_, ("value", 0.0)),
        "ones_": (init.ones_, ("value", 1.0)),
        "nn.Linear default": (None, ("bounds", (-1 / math.sqrt(FAN), 1 / math.sqrt(FAN)))),
    }


def init_samples():
    """{name: (weight values as numpy, expectation)} for a Linear(FAN, FAN) weight per initialiser."""
    samples = {}
    for name, (fn, expect) in _inits().items():
        linear = nn.Linear(FAN, FAN)
        if fn is not None:
            with torch.no_grad():
                fn(linear.weight)
        samples[name] = (linear.weight.detach().numpy().ravel().copy(), expect)
    return samples


def plot_inits(samples, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 3, figsize=(13, 9))
    for ax, (name, (w, (kind, value))) in zip(axes.ravel(), samples.items()):
        if kind == "value":  # a constant: one bar, drawn around the value
            ax.bar([value], [w.size], width=0.2, color="tab:blue")
            ax.set_xlim(value - 1, value + 1)
            note = f"all {w.size} weights = {value:g}"
        else:
            ax.hist(w, bins=60, color="tab:blue", alpha=0.8)
            if kind == "bounds":
                for b in value:
                    ax.axvline(b, color="tab:red", ls="--", lw=1)
                note = f"bounds +-{value[1]:.3g}" if value[0] == -value[1] else f"bounds {value[0]:g}..{value[1]:g}"
            else:
                for s in (-value, value):
                    ax.axvline(s, color="tab:red", ls="--", lw=1)
                note = f"std {value:.3g} (dashed: +-1 std); sample std {w.std():.3g}"
        ax.set_title(f"{name}\n{note}", fontsize=10)
        ax.tick_params(labelsize=8)
    fig.suptitle(f"weight initialisers on a Linear({FAN}, {FAN}) weight ({FAN * FAN} values each)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return str(path)


def main(argv=None):
    p = argparse.ArgumentParser(description="The lecture's small snippets (notes 000) on tinygrad_edu.")
    p.add_argument("--out", metavar="DIR", help="write activations.png and init.png into DIR")
    p.add_argument("--seed", type=int, default=0, help="tinygrad_edu.manual_seed (default 0)")
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)

    print("1. model: Linear(3,3) -> ReLU -> Linear(3,2) -> ReLU -> Linear(2,2) -> softmax")
    out = model_demo()
    print("   rows sum to 1:", np.allclose(out.detach().numpy().sum(axis=1), 1.0, atol=1e-6))
    print("2. losses")
    losses = {**cross_entropy_demo(), **bce_demo(), **regression_demo()}
    curves = activation_curves()
    samples = init_samples()
    files = {}
    if args.out:
        folder = Path(args.out)
        folder.mkdir(parents=True, exist_ok=True)
        files["activations"] = plot_activations(curves, folder / "activations.png")
        files["init"] = plot_inits(samples, folder / "init.png")
        print("3./4. figures written:", ", ".join(files.values()))
    else:
        print("3./4. pass --out DIR to draw the activations and initialisers")
    return {"output": out, "losses": losses, "activations": curves, "inits": samples, "files": files}


if __name__ == "__main__":
    main()
