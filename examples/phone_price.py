"""Phone price classification: the lecture's case study (notes 000) on tinygrad_edu.

A 20 -> 64 -> 32 -> 4 ReLU network predicts a phone's price class (0 low .. 3 very high) from 20
numeric features, trained with cross-entropy  L = -(1/B) * sum_i log softmax(z_i)[y_i].
The code is the lecture's with the imports swapped (torch -> tinygrad_edu); what it adds is what a
learner needs to see what happened: per-epoch accuracy and time, a confusion matrix, curves, and a
check for dead ReLU units.

    python examples/phone_price.py                         # the lecture's recipe on synthetic data
    python examples/phone_price.py --csv ../shared/data/phone_price.csv --out runs/lecture
    python examples/phone_price.py --csv ../shared/data/phone_price.csv --recipe improved --out runs/improved

Recipes:
* ``lecture`` (default), exactly the notes: raw float32 features, int64 labels,
  ``train_test_split(test_size=0.2)``, ``DataLoader(shuffle=True, batch_size=16)``,
  ``SGD(lr=0.001, momentum=0.9)``, 10 epochs. On the real data it does NOT learn: ram reaches ~4000,
  the first batches' losses pass 200, a whole hidden ReLU layer usually dies (outputs 0 on every
  row; 93 of 100 seeds here), the loss sits at ln 4 = 1.386 and the net predicts one class (~23-24%
  test accuracy). Real PyTorch does the same; the example says so and points to the fix.
* ``improved``: features standardised with the TRAINING split's mean and std, Adam(lr=1e-3),
  50 epochs: ~92% test accuracy on the real data.

Differences from the notes, on purpose: the printed epoch loss is the plain mean of the batch losses
(the notes divide by ``iter + 0.01``); the notes' ``test()`` draws a new split and so scores rows it
trained on, while this script scores the held-out 20% of the split it trained on; the weights go to
``--out`` (or a temporary directory) instead of a hard-coded path; ``summary`` is
``tinygrad_edu.summary`` (the ``torchsummary`` package's table).
"""
import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import tinygrad_edu as torch
import tinygrad_edu.nn as nn
import tinygrad_edu.optim as optim
from tinygrad_edu import summary
from tinygrad_edu.utils.data import TensorDataset, DataLoader, train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))  # phone_data.py lives beside this file
import phone_data  # noqa: E402

RECIPES = {
    "lecture": {"standardize": False, "optimizer": "SGD", "lr": 0.001, "momentum": 0.9, "epochs": 10,
                "batch_size": 16},
    "improved": {"standardize": True, "optimizer": "Adam", "lr": 1e-3, "momentum": None, "epochs": 50,
                 "batch_size": 16},
}
STUCK_TOL = 0.01  # an epoch loss within this of ln(classes) = the net outputs uniform probabilities


# 1. the data set: the lecture's create_dataset, from a DataFrame instead of a fixed path
def create_dataset(data, standardize=False):
    """Split 80/20 and wrap in TensorDatasets; optionally standardise with the training split's stats.

    Standardising: x' = (x - mean_train) / std_train per column (a constant column keeps std 1), the
    same shift and scale for the test rows, so nothing about them leaks into training.
    """
    x = data.iloc[:, :-1]
    y = data.iloc[:, -1]
    x = x.astype(np.float32)
    y = y.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2)
    x_train, x_test = np.ascontiguousarray(x_train.values), np.ascontiguousarray(x_test.values)
    if standardize:
        mean = x_train.mean(axis=0, dtype=np.float64)
        std = x_train.std(axis=0, dtype=np.float64)
        std[std == 0] = 1.0
        x_train = ((x_train - mean) / std).astype(np.float32)
        x_test = ((x_test - mean) / std).astype(np.float32)
    train_dataset = TensorDataset(torch.from_numpy(x_train), torch.from_numpy(np.ascontiguousarray(y_train.values)))
    valid_dataset = TensorDataset(torch.from_numpy(x_test), torch.from_numpy(np.ascontiguousarray(y_test.values)))
    return train_dataset, valid_dataset


# 2. the model: the lecture's class and layer names
class PhonePriceModel(nn.Module):
    def __init__(self):
        super(PhonePriceModel, self).__init__()
        self.layer1 = nn.Linear(20, 64)
        self.layer2 = nn.Linear(64, 32)
        self.layer3 = nn.Linear(32, 4)

    def forward(self, x):
        x1 = self.layer1(x)
        x1_s = torch.relu(x1)
        x2 = self.layer2(x1_s)
        x2_s = torch.relu(x2)
        out = self.layer3(x2_s)
        return out

    def hidden(self, x):
        """The two hidden layers' ReLU outputs (forward's x1_s and x2_s), for the dead-unit check."""
        x1_s = torch.relu(self.layer1(x))
        return [x1_s, torch.relu(self.layer2(x1_s))]


Model = PhonePriceModel  # the notes' name


def make_optimizer(model, recipe, lr):
    if recipe["optimizer"] == "SGD":
        return optim.SGD(model.parameters(), lr=lr, momentum=recipe["momentum"])
    return optim.Adam(model.parameters(), lr=lr)


# 3. training: the lecture's loop, plus a progress bar and a per-epoch record
def predict(model, dataset):
    """Predicted classes (argmax of the logits) for every row of a TensorDataset, as numpy."""
    with torch.no_grad():
        out = model(dataset.tensors[0])
        return torch.argmax(out, dim=1).numpy()


def accuracy(model, dataset):
    return float((predict(model, dataset) == dataset.tensors[1].numpy()).mean())


def _progress(epoch, epochs, step, steps, loss, width=28):
    done = width * step // steps
    sys.stdout.write(f"\r  epoch {epoch + 1}/{epochs} [{'#' * done}{'.' * (width - done)}] "
                     f"{step}/{steps} loss {loss:.4f}")
    sys.stdout.flush()


def train(model, train_dataset, valid_dataset, opt, epochs, batch_size, show_progress=False, log=print):
    """Train in place; return one dict per epoch: mean loss, train/test accuracy, seconds."""
    loss = nn.CrossEntropyLoss()
    history, start = [], time.perf_counter()
    for epoch in range(epochs):
        tick = time.perf_counter()
        dataloader = DataLoader(train_dataset, shuffle=True, batch_size=batch_size)
        steps = len(dataloader)
        loss_total = 0
        iter = 0
        for x, y in dataloader:
            pre = model(x)
            loss_values = loss(pre, y)
            loss_total += loss_values.item()
            iter += 1
            opt.zero_grad()
            loss_values.backward()
            opt.step()
            if show_progress and (iter % 5 == 0 or iter == steps):
                _progress(epoch, epochs, iter, steps, loss_total / iter)
        seconds = time.perf_counter() - tick
        row = {"epoch": epoch + 1, "loss": loss_total / iter, "train_acc": accuracy(model, train_dataset),
               "test_acc": accuracy(model, valid_dataset), "seconds": seconds,
               "elapsed": time.perf_counter() - start}
        history.append(row)
        if show_progress:
            sys.stdout.write("\r" + " " * 72 + "\r")
        log(f"epoch {row['epoch']:3d}/{epochs}  loss {row['loss']:.4f}  train acc {row['train_acc']:.3f}  "
            f"held-out acc {row['test_acc']:.3f}  {seconds:.2f} s (total {row['elapsed']:.1f} s)")
    return history


# 4. diagnosis: dead ReLU units and a loss stuck at ln(classes)
def dead_units(model, dataset):
    """Per hidden layer: the units whose ReLU output is 0 on EVERY row of `dataset` (their gradient is
    0 too, so no optimiser step can bring them back) -> [(n_dead, n_units), ...]."""
    with torch.no_grad():
        return [(int((h.numpy() <= 0).all(axis=0).sum()), h.shape[1])
                for h in model.hidden(dataset.tensors[0])]


def diagnose(history, dead, test_pred, n_classes=4):
    """Plain-language findings (empty when training looks healthy)."""
    notes = []
    for k, (n_dead, n_units) in enumerate(dead, start=1):
        if n_dead == n_units:
            notes.append(f"hidden layer {k} is dead: all {n_units} ReLU units output 0 on every training "
                         f"row, so nothing after it depends on the input")
        elif n_dead / n_units >= 0.5:
            notes.append(f"hidden layer {k}: {n_dead} of {n_units} ReLU units are dead")
    chance = math.log(n_classes)
    if abs(history[-1]["loss"] - chance) < STUCK_TOL:
        notes.append(f"the loss is stuck at ln({n_classes}) = {chance:.4f}: the net outputs the same "
                     f"probabilities for every input")
    if len(np.unique(test_pred)) == 1:
        notes.append(f"the net predicts class {int(test_pred[0])} for every held-out row")
    return notes


def confusion_matrix(y_true, y_pred, n_classes=4):
    """counts[t, p] = rows of true class t predicted as p."""
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def format_confusion(cm):
    lines = ["confusion matrix (rows: true class, columns: predicted class)",
             "        " + "".join(f"{p:>7d}" for p in range(cm.shape[1]))]
    lines += [f"  {t:>5d} " + "".join(f"{v:>7d}" for v in row) for t, row in enumerate(cm)]
    return "\n".join(lines)


# 5. pictures and the run record
def plot_curves(history, path, title):
    """Loss (log scale, with the ln 4 'knows nothing' line) and train/held-out accuracy per epoch."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker  # noqa: F401  (used as matplotlib.ticker below)

    epochs = [r["epoch"] for r in history]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(epochs, [r["loss"] for r in history], marker="o", ms=3, label="mean training loss")
    left.axhline(math.log(4), color="gray", ls="--", lw=1, label="ln 4 (uniform guess)")
    left.set_yscale("log")
    plain = matplotlib.ticker.LogFormatter(labelOnlyBase=False)  # 2, 3, 10 rather than 2x10^0
    left.yaxis.set_major_formatter(plain)
    left.yaxis.set_minor_formatter(plain)
    left.set(title="loss per epoch", xlabel="epoch", ylabel="cross-entropy")
    left.legend()
    right.plot(epochs, [r["train_acc"] for r in history], marker="o", ms=3, label="train")
    right.plot(epochs, [r["test_acc"] for r in history], marker="o", ms=3, label="held-out")
    right.axhline(0.25, color="gray", ls="--", lw=1, label="chance (0.25)")
    right.set_ylim(0, 1.02)
    right.set(title="accuracy per epoch", xlabel="epoch", ylabel="accuracy")
    right.legend(loc="best")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return str(path)


def load_table(args, parser):
    """The DataFrame to train on (checked CSV or synthetic) and a description of where it came from."""
    if args.csv:
        try:
            table = phone_data.load_csv(args.csv)
        except phone_data.DataError as err:
            parser.error(str(err))  # exit code 2 with the message, no traceback
        return table, f"CSV {args.csv}"
    table = phone_data.make_synthetic(args.samples, seed=args.data_seed)
    if args.save_data:
        table.to_csv(args.save_data, index=False)
    return table, f"synthetic ({args.samples} rows, data seed {args.data_seed}; rule in examples/phone_data.py)"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="The lecture's phone price classifier (notes 000) on tinygrad_edu.")
    p.add_argument("--csv", metavar="PATH", help="a CSV with the lecture's 21 columns (20 features, then "
                   "price_range 0..3); default: synthetic data of the same shape")
    p.add_argument("--recipe", choices=sorted(RECIPES), default="lecture",
                   help="lecture: raw features + SGD(0.001, momentum 0.9), 10 epochs (as in the notes); "
                        "improved: standardised features + Adam(1e-3), 50 epochs")
    p.add_argument("--epochs", type=int, help="override the recipe's epoch count")
    p.add_argument("--lr", type=float, help="override the recipe's learning rate")
    p.add_argument("--batch-size", type=int, help="override the batch size (16)")
    p.add_argument("--seed", type=int, default=0, help="tinygrad_edu.manual_seed: split, initial weights, "
                   "shuffling (default 0)")
    p.add_argument("--out", metavar="DIR", help="write curves.png, the weights (phone.pth) and run.json here")
    p.add_argument("--samples", type=int, default=2000, help="rows of synthetic data (default 2000)")
    p.add_argument("--data-seed", type=int, default=0, help="seed of the synthetic table (default 0)")
    p.add_argument("--save-data", metavar="PATH", help="also write the synthetic table to PATH as CSV")
    args = p.parse_args(argv)
    if (args.epochs is not None and args.epochs < 1) or (args.batch_size is not None and args.batch_size < 1):
        p.error("--epochs and --batch-size must be >= 1")
    if args.lr is not None and not args.lr > 0:
        p.error(f"--lr must be > 0, got {args.lr}")
    if args.samples < 8:
        p.error(f"--samples must be >= 8, got {args.samples}")
    return args, p


def main(argv=None):
    args, parser = parse_args(argv)
    table, source = load_table(args, parser)
    recipe = dict(RECIPES[args.recipe])
    epochs = args.epochs or recipe["epochs"]
    lr = args.lr if args.lr is not None else recipe["lr"]
    batch_size = args.batch_size or recipe["batch_size"]
    print(f"data: {source}; {phone_data.describe(table)}")
    print(f"recipe: {args.recipe} (standardise={recipe['standardize']}, {recipe['optimizer']} lr={lr}"
          f"{', momentum=%s' % recipe['momentum'] if recipe['momentum'] else ''}, {epochs} epochs, "
          f"batch {batch_size}, seed {args.seed})")

    torch.manual_seed(args.seed)
    train_dataset, valid_dataset = create_dataset(table, recipe["standardize"])
    model = Model()
    summary(model, input_size=(20,), batch_size=4)
    opt = make_optimizer(model, recipe, lr)
    history = train(model, train_dataset, valid_dataset, opt, epochs, batch_size,
                    show_progress=sys.stdout.isatty())

    # the lecture's save / load round trip: the numbers below come from the reloaded model
    out = Path(args.out) if args.out else None
    tmp = None if out else tempfile.TemporaryDirectory()
    folder = out or Path(tmp.name)
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / "phone.pth"
    torch.save(model.state_dict(), weights)
    model = Model()
    model.load_state_dict(torch.load(weights))
    if tmp:
        tmp.cleanup()

    y_test = valid_dataset.tensors[1].numpy()
    test_pred = predict(model, valid_dataset)
    test_acc = float((test_pred == y_test).mean())
    cm = confusion_matrix(y_test, test_pred)
    dead = dead_units(model, train_dataset)
    notes = diagnose(history, dead, test_pred)
    per_epoch = float(np.mean([r["seconds"] for r in history]))

    print(f"\ntest accuracy (held-out {len(y_test)} rows): {test_acc:.4f}")
    print(format_confusion(cm))
    print("dead ReLU units (0 on every training row): " +
          ", ".join(f"layer {k}: {d}/{n} ({d / n:.0%})" for k, (d, n) in enumerate(dead, start=1)))
    print(f"time per epoch: {per_epoch:.3f} s")
    for note in notes:
        print("WARNING:", note)
    if notes and args.recipe == "lecture":
        print("The raw features differ in scale by ~1000x (ram up to ~4000, m_dep below 1): the first "
              "updates are huge and push whole ReLU layers below zero for good (the notes' 'Dead ReLU' "
              "problem). Try `--recipe improved`: standardised features + Adam.")
    elif notes:
        print("Standardised inputs can still lose units to too large steps: try a smaller --lr.")

    results = {"settings": {"recipe": args.recipe, "data": source, "rows": len(table), "epochs": epochs,
                            "lr": lr, "batch_size": batch_size, "seed": args.seed,
                            "optimizer": recipe["optimizer"], "momentum": recipe["momentum"],
                            "standardize": recipe["standardize"]},
               "history": history, "test_accuracy": test_acc, "train_accuracy": history[-1]["train_acc"],
               "confusion_matrix": cm.tolist(), "dead_units": [list(d) for d in dead],
               "dead_share": [d / n for d, n in dead], "diagnosis": notes,
               "seconds_per_epoch": per_epoch, "files": {}}
    if out:
        results["files"] = {"weights": str(weights), "curves": plot_curves(
            history, out / "curves.png", f"phone price, recipe '{args.recipe}': test accuracy {test_acc:.3f}; "
            "dead ReLU units per hidden layer: " + ", ".join(f"{d}/{n}" for d, n in dead)),
            "run": str(out / "run.json")}
        (out / "run.json").write_text(json.dumps(results, indent=2))
        print("wrote", ", ".join(results["files"].values()))
    results["model"] = model
    return results


if __name__ == "__main__":
    main()
