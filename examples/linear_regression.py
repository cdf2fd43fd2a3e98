"""Linear regression from scratch: the lecture's script (notes 003), run on tinygrad_edu.

The model is y = x @ w + b with four features. Data come from known weights true_w = [8.1, 2, 2, 4],
true_b = 1.1 plus N(0, 0.01^2) noise; training recovers them by minibatch gradient descent on the
mean absolute error  L = (1/n) * sum_i |x_i . w + b - y_i|, whose gradients are
dL/dw = (1/n) * sum_i sign(r_i) x_i and dL/db = (1/n) * sum_i sign(r_i)  (r = residual).
Every line below is what the lecture writes with `import torch`; only the import differs (and the
notes' typos -- `requires_rad`, `Ture`, a `yield` outside its loop -- are fixed).

    python examples/linear_regression.py                      # the lecture's run: lr 0.001, 1000 epochs
    python examples/linear_regression.py --lr 0.01 --epochs 150
    python examples/linear_regression.py --plot fit.png --graph graph.png
"""
import argparse
import random
import time

import tinygrad_edu as torch


# 1. the data: 500 samples of y = x @ true_w + true_b + noise
def create_data(w, b, data_num):
    x = torch.normal(0, 1, (data_num, len(w)))  # data_num samples, len(w) features each
    y = torch.matmul(x, w) + b                    # matrix-vector product plus the bias
    noise = torch.normal(0, 0.01, y.shape)        # a small disturbance of y
    y += noise
    return x, y


def data_provider(data, label, batchsize):
    """Yield (batch_x, batch_y) in a fresh random order each call (Python's `random.shuffle`)."""
    length = len(label)
    indices = list(range(length))
    random.shuffle(indices)  # not in order: shuffled, so batches differ from epoch to epoch
    for each in range(0, length, batchsize):
        get_indices = indices[each: each + batchsize]
        get_data = data[get_indices]   # indexing with a list of ints picks those rows
        get_label = label[get_indices]
        yield get_data, get_label


# 2. the model, 3. the loss, 4. the optimiser step
def fun(x, w, b):
    pre_y = torch.matmul(x, w) + b
    return pre_y


def maeLoss(pre_y, y):
    return torch.sum(abs(pre_y - y)) / len(y)


def sgd(paras, lr):
    """p <- p - lr * dL/dp, in place and outside the graph; then clear the accumulated gradient."""
    with torch.no_grad():
        for para in paras:
            para -= para.grad * lr  # in place: `para = para - ...` would make a new tensor
            para.grad.zero_()       # .backward() adds to .grad, so reset it for the next batch


# 5. training
def train(X, Y, w_0, b_0, lr, epochs, batchsize, on_epoch=None):
    """The lecture's loop; returns the loss of every epoch (sum of the batch losses, as printed)."""
    losses = []
    for epoch in range(epochs):
        data_loss = 0
        for batch_x, batch_y in data_provider(X, Y, batchsize):
            pred_y = fun(batch_x, w_0, b_0)
            loss = maeLoss(pred_y, batch_y)
            loss.backward()
            sgd([w_0, b_0], lr)
            data_loss += loss
        losses.append(data_loss.item())
        if on_epoch is not None:
            on_epoch(epoch, data_loss)
    return losses


# 6. pictures
def plot(X, Y, w_0, b_0, losses, path, idx=3):
    """The lecture's two figures side by side in one image: data + fitted line, loss per epoch."""
    import matplotlib
    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    plt.sca(left)
    plt.scatter(X[:, idx], Y, 1)
    xs = X[:, idx].detach().numpy()
    plt.plot(xs, xs * w_0[idx].detach().numpy() + b_0.detach().numpy(), color="tab:red",
             label=f"x{idx} * w[{idx}] + b")
    left.set(title=f"data (feature {idx}) and the learned line", xlabel=f"X[:, {idx}]", ylabel="Y")
    left.legend()
    right.plot(range(len(losses)), losses)
    right.set_yscale("log")  # the loss falls by three orders of magnitude
    right.set(title="loss per epoch (sum of batch MAEs)", xlabel="epoch", ylabel="loss")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def draw_batch_graph(X, Y, w_0, b_0, batchsize, path):
    """The backward graph of one batch's loss, drawn after backward (gradient norms shown)."""
    from tinygrad_edu.viz import draw_graph
    w = w_0.detach().clone().requires_grad_()  # copies: the trained parameters stay untouched
    b = b_0.detach().clone().requires_grad_()
    loss = maeLoss(fun(X[:batchsize], w, b), Y[:batchsize])
    loss.backward()
    return draw_graph(loss, path, params={"w_0": w, "b_0": b}, title="MAE loss of one batch")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Linear regression from scratch (lecture 003) on tinygrad_edu.")
    p.add_argument("--epochs", type=int, default=1000, help="passes over the data (default 1000)")
    p.add_argument("--lr", type=float, default=0.001, help="learning rate (default 0.001; the notes say: "
                   "raise it if the loss falls too slowly, e.g. 0.01)")
    p.add_argument("--batch-size", type=int, default=16, help="samples per batch (default 16)")
    p.add_argument("--samples", type=int, default=500, help="number of generated samples (default 500)")
    p.add_argument("--seed", type=int, default=0,
                   help="seeds tinygrad_edu.manual_seed (data, initial w) and Python's random (shuffles)")
    p.add_argument("--print-every", type=int, default=50,
                   help="print the loss every N epochs, plus the first and the last (default 50; "
                        "1 prints every epoch as the lecture does; 0 prints none)")
    p.add_argument("--tol", type=float, default=0.05,
                   help="report the first epoch after which every parameter is within TOL of the truth")
    p.add_argument("--plot", metavar="PATH", help="save the data/fit scatter and the loss curve to PATH (PNG)")
    p.add_argument("--plot-feature", type=int, default=3, help="feature shown in the scatter (default 3)")
    p.add_argument("--graph", metavar="PATH", help="draw the backward graph of one batch's loss to PATH "
                   "(.png or .svg; uses tinygrad_edu.viz.draw_graph)")
    args = p.parse_args(argv)
    if args.lr <= 0 or args.epochs < 1 or args.batch_size < 1 or args.samples < 1 or args.print_every < 0:
        p.error("--lr must be > 0, --epochs/--batch-size/--samples >= 1, --print-every >= 0")
    if not 0 <= args.plot_feature < 4:
        p.error(f"--plot-feature must be one of the 4 features 0..3, got {args.plot_feature}")
    return args


def main(argv=None):
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    random.seed(args.seed)

    true_w = torch.tensor([8.1, 2, 2, 4])
    true_b = torch.tensor(1.1)
    X, Y = create_data(true_w, true_b, args.samples)

    w_0 = torch.normal(0, 0.01, true_w.shape, requires_grad=True)  # small random start
    b_0 = torch.tensor(0.01, requires_grad=True)
    print("initial w:", w_0, "b:", b_0)

    errors, within = [], [None]

    def on_epoch(epoch, data_loss):
        err = max(float(abs(w_0.detach() - true_w).max()), abs(b_0.item() - true_b.item()))
        errors.append(err)
        if err > args.tol:
            within[0] = None
        elif within[0] is None:
            within[0] = epoch + 1  # epochs trained when the error first stayed below tol
        last = epoch == args.epochs - 1
        if args.print_every and (epoch == 0 or last or (epoch + 1) % args.print_every == 0):
            print("epoch %03d: loss: %.6f" % (epoch, data_loss))

    start = time.perf_counter()
    losses = train(X, Y, w_0, b_0, args.lr, args.epochs, args.batch_size, on_epoch)
    seconds = time.perf_counter() - start

    def fmt(t):
        return "[" + ", ".join(f"{v:.4f}" for v in t.detach().tolist()) + "]"

    print(f"learned w: {fmt(w_0)}  true w: {fmt(true_w)}")
    print(f"learned b: {b_0.item():.6f}  true b: {true_b.item():.6f}")
    print(f"max |error|: {errors[-1]:.6f}; within {args.tol} of the truth from epoch "
          f"{within[0] if within[0] is not None else 'never'}; training took {seconds:.2f} s")

    if args.plot:
        print("plot written to", plot(X, Y, w_0, b_0, losses, args.plot, args.plot_feature))
    if args.graph:
        print("graph written to", draw_batch_graph(X, Y, w_0, b_0, args.batch_size, args.graph))
    return {"w": w_0.detach().numpy().copy(), "b": b_0.item(), "true_w": true_w.numpy().copy(),
            "true_b": true_b.item(), "losses": losses, "final_loss": losses[-1], "errors": errors,
            "max_abs_error": errors[-1], "epochs_to_tol": within[0], "seconds": seconds}


if __name__ == "__main__":
    main()
