"""Hand-written digits with a small CNN: the course's convolutional-network chapter on tinygrad_edu.

The data are the 1,797 UCI hand-written digits of 8x8 pixels (values 0..16) shipped in
examples/data/digits.csv.gz (CC BY 4.0; see examples/data/README.md). The network is

    Conv2d(1, 16, 3, padding=1) -> ReLU -> MaxPool2d(2)      (N, 16, 4, 4)
    Conv2d(16, 32, 3, padding=1) -> ReLU -> MaxPool2d(2)     (N, 32, 2, 2)
    Flatten -> Linear(128, 10)                               logits of the 10 digits

trained with cross-entropy  L = -(1/B) * sum_i log softmax(z_i)[y_i]  and Adam. A convolution
slides each 3x3 filter over the image: out[o, y, x] = b[o] + sum_{c, i, j} W[o, c, i, j] *
in[c, y + i - 1, x + j - 1]; max pooling keeps the largest value of each 2x2 block.

    python examples/digits_cnn.py                       # 15 epochs, figures in runs/digits_cnn/
    python examples/digits_cnn.py --epochs 5 --out /tmp/cnn --seed 1

The script is written as a PyTorch script is (the first import would be `import torch`); what it
adds for a learner: accuracy per epoch, a confusion matrix, the learned first-layer filters and the
digits the network gets wrong.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

import tinygrad_edu as torch
import tinygrad_edu.nn as nn
import tinygrad_edu.optim as optim
from tinygrad_edu.utils.data import TensorDataset, DataLoader, random_split

DATA = Path(__file__).resolve().parent / "data" / "digits.csv.gz"
CLASSES = 10


# 1. the data: 64 pixels per row, then the label
def load_digits(path=DATA, limit=None):
    """Images as float32 (N, 1, 8, 8) scaled to [0, 1] (pixel / 16) and int64 labels (N,)."""
    table = np.loadtxt(path, delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 65:
        raise ValueError(f"{path}: expected rows of 64 pixels and a label, got shape {table.shape}")
    if limit is not None:
        table = table[:limit]
    images = (table[:, :64].reshape(-1, 1, 8, 8) / 16).astype(np.float32)
    return torch.from_numpy(images), torch.from_numpy(np.ascontiguousarray(table[:, 64]))


def make_datasets(images, labels, test_fraction, seed):
    """A random train/test split of the rows (torch.utils.data.random_split with a seeded generator)."""
    dataset = TensorDataset(images, labels)
    generator = torch.Generator().manual_seed(seed)
    return random_split(dataset, [1 - test_fraction, test_fraction], generator=generator)


# 2. the model
class DigitsCNN(nn.Module):
    def __init__(self, channels=(16, 32)):
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),    # 8x8 -> 4x4
            nn.Conv2d(c1, c2, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 4x4 -> 2x2
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(c2 * 2 * 2, CLASSES))

    def forward(self, x):
        return self.classifier(self.features(x))


# 3. training and evaluation
def predict(model, dataset, batch_size=512):
    """(true labels, predicted labels) of every row of ``dataset``, as numpy arrays."""
    truth, guess = [], []
    model.eval()
    with torch.no_grad():
        for x, y in DataLoader(dataset, batch_size=batch_size):
            guess.append(model(x).argmax(dim=1).numpy())
            truth.append(y.numpy())
    model.train()
    return np.concatenate(truth), np.concatenate(guess)


def accuracy(model, dataset):
    truth, guess = predict(model, dataset)
    return float((truth == guess).mean())


def _progress(epoch, epochs, step, steps, loss, width=28):
    done = width * step // steps
    sys.stdout.write(f"\r  epoch {epoch + 1}/{epochs} [{'#' * done}{'.' * (width - done)}] "
                     f"{step}/{steps} loss {loss:.4f}")
    sys.stdout.flush()


def train(model, train_set, test_set, optimizer, epochs, batch_size, show_progress=False, log=print):
    """Train in place; return one dict per epoch: mean loss, train/test accuracy, seconds."""
    criterion = nn.CrossEntropyLoss()
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    history, start = [], time.perf_counter()
    for epoch in range(epochs):
        tick, total, steps = time.perf_counter(), 0.0, len(loader)
        for step, (x, y) in enumerate(loader, start=1):
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item()
            if show_progress and (step % 5 == 0 or step == steps):
                _progress(epoch, epochs, step, steps, total / step)
        seconds = time.perf_counter() - tick
        row = {"epoch": epoch + 1, "loss": total / steps, "train_acc": accuracy(model, train_set),
               "test_acc": accuracy(model, test_set), "seconds": seconds, "elapsed": time.perf_counter() - start}
        history.append(row)
        if show_progress:
            sys.stdout.write("\r" + " " * 72 + "\r")
        log(f"epoch {row['epoch']:3d}/{epochs}  loss {row['loss']:.4f}  train acc {row['train_acc']:.3f}  "
            f"held-out acc {row['test_acc']:.3f}  {seconds:.2f} s (total {row['elapsed']:.1f} s)")
    return history


def confusion_matrix(y_true, y_pred, n_classes=CLASSES):
    """counts[t, p] = rows of true class t predicted as p."""
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def format_confusion(cm):
    lines = ["confusion matrix (rows: true digit, columns: predicted digit)",
             "      " + "".join(f"{p:>5d}" for p in range(cm.shape[1]))]
    lines += [f"  {t:>3d} " + "".join(f"{v:>5d}" for v in row) for t, row in enumerate(cm)]
    return "\n".join(lines)


# 4. pictures
def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_filters(conv, path):
    """The first convolution's 3x3 filters, one panel each (blue negative, red positive, shared scale)."""
    plt = _pyplot()
    weights = conv.weight.detach().numpy()[:, 0]          # (out_channels, 3, 3)
    cols = min(8, len(weights))
    rows = -(-len(weights) // cols)
    scale = float(np.abs(weights).max()) or 1.0
    fig, axes = plt.subplots(rows, cols, figsize=(1.3 * cols, 1.4 * rows + 0.5), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < len(weights):
            ax.imshow(weights[k], cmap="bwr", vmin=-scale, vmax=scale)
            ax.set_title(f"filter {k}", fontsize=8)
    fig.suptitle(f"first-layer 3x3 filters (colour scale +-{scale:.2f})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return str(path)


def plot_misclassified(images, truth, guess, path, limit=32):
    """Up to ``limit`` held-out digits the model got wrong, titled 'true -> predicted'."""
    plt = _pyplot()
    wrong = np.flatnonzero(truth != guess)[:limit]
    cols = 8
    rows = max(1, -(-len(wrong) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.3 * cols, 1.5 * rows + 0.5), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong):
        ax.imshow(images[i, 0], cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"{truth[i]} -> {guess[i]}", fontsize=9, color="crimson")
    if not len(wrong):
        axes.flat[0].text(0, 0.5, "no misclassified digits", fontsize=12)
    fig.suptitle(f"misclassified held-out digits (true -> predicted), {len(wrong)} shown "
                 f"of {int((truth != guess).sum())}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return str(path)


# 5. the command line
def build_parser():
    p = argparse.ArgumentParser(description="The course's CNN chapter: a small convolutional network "
                                "classifies the 8x8 UCI hand-written digits, on tinygrad_edu.")
    p.add_argument("--data", metavar="PATH", default=str(DATA),
                   help="the digits file: gzip'ed CSV, 64 pixels (0..16) then the label per row "
                        "(default: the shipped examples/data/digits.csv.gz)")
    p.add_argument("--epochs", type=int, default=15, help="passes over the training split (default 15)")
    p.add_argument("--batch-size", type=int, default=64, help="mini-batch size (default 64)")
    p.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate (default 0.003)")
    p.add_argument("--test-fraction", type=float, default=0.2,
                   help="share of the rows held out for testing, in (0, 1) (default 0.2)")
    p.add_argument("--channels", type=int, nargs=2, default=(16, 32), metavar=("C1", "C2"),
                   help="output channels of the two convolutions (default 16 32)")
    p.add_argument("--limit", type=int, metavar="N",
                   help="use only the first N rows of the file (quick runs; default: all 1,797)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the split, the initial weights and the shuffling (default 0)")
    p.add_argument("--out", metavar="DIR", default="runs/digits_cnn",
                   help="directory for filters.png and misclassified.png, created if missing "
                        "(default runs/digits_cnn under the current directory; git ignores runs/)")
    p.add_argument("--no-plots", action="store_true", help="do not draw the two PNGs")
    return p


def parse_args(argv=None):
    p = build_parser()
    args = p.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1 or min(args.channels) < 1:
        p.error("--epochs, --batch-size and --channels must be >= 1")
    if not args.lr > 0:
        p.error(f"--lr must be > 0, got {args.lr}")
    if not 0 < args.test_fraction < 1:
        p.error(f"--test-fraction must be in (0, 1), got {args.test_fraction}")
    if args.limit is not None and args.limit < 10:
        p.error(f"--limit must be >= 10, got {args.limit}")
    if not Path(args.data).is_file():
        p.error(f"--data: no such file: {args.data}")
    return args


def main(argv=None):
    args = parse_args(argv)
    images, labels = load_digits(args.data, args.limit)
    torch.manual_seed(args.seed)
    train_set, test_set = make_datasets(images, labels, args.test_fraction, args.seed)
    print(f"data: {args.data}: {len(labels)} images of 8x8, {len(train_set)} for training, "
          f"{len(test_set)} held out")
    model = DigitsCNN(tuple(args.channels))
    print(model)
    print(f"parameters: {sum(p.numel() for p in model.parameters()):,}; Adam lr={args.lr}, batch "
          f"{args.batch_size}, {args.epochs} epochs, seed {args.seed}")
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    history = train(model, train_set, test_set, optimizer, args.epochs, args.batch_size,
                    show_progress=sys.stdout.isatty())

    truth, guess = predict(model, test_set)
    test_acc = float((truth == guess).mean())
    cm = confusion_matrix(truth, guess)
    print(f"\nheld-out accuracy ({len(truth)} images): {test_acc:.4f}")
    print(format_confusion(cm))
    print(f"training time: {sum(r['seconds'] for r in history):.1f} s "
          f"({np.mean([r['seconds'] for r in history]):.2f} s per epoch)")
    files = {}
    if not args.no_plots:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        held_out = images.numpy()[test_set.indices]
        files = {"filters": plot_filters(model.features[0], out / "filters.png"),
                 "misclassified": plot_misclassified(held_out, truth, guess, out / "misclassified.png")}
        print("wrote", ", ".join(files.values()))
    return {"history": history, "test_accuracy": test_acc, "confusion_matrix": cm, "model": model,
            "files": files, "truth": truth, "guess": guess}


if __name__ == "__main__":
    main()
