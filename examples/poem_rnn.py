"""Tang poem generation with a character-level recurrent network: the course's RNN chapter.

The model reads a poem one character at a time and predicts the next one:

    characters -> Embedding(V, E) -> RNN / GRU / LSTM (hidden H) -> Linear(H, V) -> logits

trained with cross-entropy  L = -(1/N) * sum_t log softmax(z_t)[c_{t+1}]  on fixed-length windows of
the 320 poems of examples/data/tang_poems.txt (唐诗三百首; see tang_poems.NOTICE.md), Adam and
gradient-norm clipping. Perplexity = exp(L) is "how many characters the model hesitates between":
it starts near V = 2,489 and falls as the model learns. After each epoch the model writes poems from
a prompt, one sampled character at a time, carrying its hidden state along, and the script counts
how many of their lines have 5 or 7 characters (97.8% of the real poems' lines do).

    python examples/poem_rnn.py                   # train: LSTM, 12 epochs, about 70 s of CPU time
    python examples/poem_rnn.py --cell gru --epochs 30
    python examples/poem_rnn.py --generate --prompt 春眠 --num-samples 5 --temperature 0.6

What to look at: the first samples are short runs of frequent characters; within a few epochs the
commas and full stops come every 5 or 7 characters, then lines read like Tang verse and the model starts
to quote the poems it trained on. The held-out perplexity rises from the second epoch on: on 22,706
characters it memorises rather than generalises. The LSTM is the default: it learns to count the
characters of a line much sooner than the GRU here.
"""
import argparse
import math
import os
import re
import sys
import time
from pathlib import Path

# One BLAS thread unless you set these yourself: a time step's matrices (16 x 128) are too small to share
# out, and on a busy 2-core machine two threads made a step 13x slower. (A torch user would call
# torch.set_num_threads(1); tinygrad_edu has no such function, and numpy reads these when it loads.)
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

import tinygrad_edu as torch  # noqa: E402
import tinygrad_edu.nn as nn  # noqa: E402
from tinygrad_edu.utils.data import Dataset, DataLoader  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "tang_poems.txt"
END = "\n"                      # the end-of-poem character: every poem is followed by one
PUNCTUATION = "，。？！；："     # what ends a line of verse
CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


# 1. the data: poems, a vocabulary, and windows of fixed length
def load_poems(path=DATA, limit=None):
    """The poems of `path`, one per line (the first `limit` only, if given)."""
    poems = [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line]
    return poems[:limit] if limit else poems


class Vocabulary:
    """Characters <-> integer ids: every distinct character of the text, in sorted order."""

    def __init__(self, text):
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        return np.array([self.index[c] for c in text], dtype=np.int64)

    def decode(self, ids):
        return "".join(self.chars[int(i)] for i in ids)

    def unknown(self, text):
        return [c for c in dict.fromkeys(text) if c not in self.index]   # in the order they appear


class PoemWindows(Dataset):
    """Item i: x = ids[s : s + seq_len], y = ids[s + 1 : s + seq_len + 1] with s = i * stride. `ids` is the
    corpus with END after each poem, so a window may run into the next poem: the model learns where poems stop."""

    def __init__(self, ids, seq_len, stride):
        self.ids, self.seq_len, self.stride = ids, seq_len, stride

    def __len__(self):
        return max(0, (len(self.ids) - self.seq_len - 1) // self.stride + 1)

    def __getitem__(self, i):
        start = i * self.stride
        window = self.ids[start:start + self.seq_len + 1]
        return torch.tensor(window[:-1]), torch.tensor(window[1:])


def split_poems(poems, valid_every):
    """Every `valid_every`-th poem is held out (all 7 forms are in both parts); 0 holds out none."""
    held = [bool(valid_every) and i % valid_every == 0 for i in range(len(poems))]
    return [p for p, h in zip(poems, held) if not h], [p for p, h in zip(poems, held) if h]


def corpus_ids(vocab, poems):
    return vocab.encode("".join(p + END for p in poems))   # END after every poem


# 2. the model
class PoemModel(nn.Module):
    def __init__(self, vocab_size, embed_size=64, hidden_size=128, num_layers=1, cell="lstm", dropout=0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = CELLS[cell](embed_size, hidden_size, num_layers=num_layers, batch_first=True,
                               dropout=dropout if num_layers > 1 else 0.0)
        self.fc = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, state=None):
        """x: (batch, time) character ids -> logits (batch, time, vocab) and the final state
        (h_n, or (h_n, c_n) for an LSTM), which `sample` feeds back in."""
        output, state = self.rnn(self.embedding(x), state)
        return self.fc(output), state


# 3. training and evaluation
def train_epoch(model, loader, opt, loss_fn, clip, epoch=0, epochs=1, show_progress=False):
    """One pass over `loader`; returns the loss of every step."""
    model.train()
    losses, steps = [], len(loader)
    for step, (x, y) in enumerate(loader, start=1):
        logits, _ = model(x)
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        losses.append(loss.item())
        if show_progress and (step % 5 == 0 or step == steps):   # a progress bar, redrawn in place
            done = 28 * step // steps
            print(f"\r  epoch {epoch + 1}/{epochs} [{'#' * done}{'.' * (28 - done)}] {step}/{steps} "
                  f"loss {np.mean(losses):.4f}", end="", flush=True)
    if show_progress:
        sys.stdout.write("\r" + " " * 72 + "\r")
    return losses


def evaluate(model, loader, loss_fn):
    """Mean cross-entropy per predicted character over `loader` (no gradients)."""
    model.eval()
    total = count = 0
    with torch.no_grad():
        for x, y in loader:
            logits, _ = model(x)
            total += loss_fn(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).item() * y.numel()
            count += y.numel()
    return total / count if count else float("nan")


# 4. generation: one character at a time, the hidden state carried along
def next_char(logits, temperature, top_k, generator):
    """Sample an id from softmax(logits / temperature), restricted to the top_k largest (0: all)."""
    logits = logits / temperature
    if top_k:
        values, indices = torch.topk(logits, min(top_k, logits.shape[-1]))
        pick = torch.multinomial(torch.softmax(values, dim=-1), 1, generator=generator)
        return int(indices[pick].item())
    return int(torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=generator).item())


def sample(model, vocab, prompt, length=100, temperature=0.8, top_k=20, generator=None):
    """The prompt and up to `length` generated characters, stopping after an END."""
    model.eval()
    text = prompt
    with torch.no_grad():
        # END first: the model reads the prompt as the start of a new poem
        logits, state = model(torch.tensor(vocab.encode(END + prompt)).reshape(1, -1))
        for _ in range(length):
            c = next_char(logits[0, -1], temperature, top_k, generator)
            text += vocab.chars[c]
            if vocab.chars[c] == END:
                break
            logits, state = model(torch.tensor([[c]]), state)
    return text.rstrip(END)


def line_lengths(text):
    """Lengths of the lines of verse in `text`: the runs of characters that end in ，。？！；：."""
    return [len(line) - 1 for line in re.findall(f"[^{PUNCTUATION}]*[{PUNCTUATION}]", text.replace(END, ""))]


def verse_share(texts):
    """The share of the lines in `texts` that have 5 or 7 characters (0 if there is no line)."""
    lengths = [n for text in texts for n in line_lengths(text)]
    return sum(n in (5, 7) for n in lengths) / len(lengths) if lengths else 0.0


def describe_lines(text):
    lengths = line_lengths(text)
    verse = sum(n in (5, 7) for n in lengths)
    return (f"line lengths {' '.join(map(str, lengths))} ({verse}/{len(lengths)} of 5 or 7)" if lengths
            else "no punctuation yet")


# 5. pictures and files
def plot_curves(history, step_losses, path, title):
    """Loss per step (and per epoch) and train / held-out perplexity per epoch (log scale)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    per_epoch = len(step_losses) / len(history)
    epochs = [r["epoch"] for r in history]
    left.plot(np.arange(1, len(step_losses) + 1) / per_epoch, step_losses, lw=0.7, alpha=0.6, label="per step")
    left.plot(epochs, [r["loss"] for r in history], marker="o", ms=3, label="mean per epoch")
    left.set(title="training loss", xlabel="epoch", ylabel="cross-entropy (nats per character)")
    left.legend()
    right.plot(epochs, [r["perplexity"] for r in history], marker="o", ms=3, label="training")
    if any(math.isfinite(r["valid_perplexity"]) for r in history):
        right.plot(epochs, [r["valid_perplexity"] for r in history], marker="o", ms=3, label="held-out poems")
    right.set_yscale("log")
    right.set(title="perplexity per epoch", xlabel="epoch", ylabel="exp(loss)")
    right.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return str(path)


def save_checkpoint(path, model, vocab, config):
    """The weights, the vocabulary and the model's settings: all --generate needs."""
    torch.save({"state_dict": model.state_dict(), "vocab": list(vocab.chars), "config": dict(config)}, path)


def load_checkpoint(path):
    """(model, vocab) rebuilt from a file written by save_checkpoint."""
    saved = torch.load(path)
    vocab = Vocabulary(saved["vocab"])   # sorted distinct characters: the same vocabulary again
    model = PoemModel(len(vocab), **saved["config"])
    model.load_state_dict(saved["state_dict"])
    return model, vocab, saved["config"]


# 6. the command line
class _Help(argparse.ArgumentDefaultsHelpFormatter):   # "(default: ...)" only where there is one
    def _get_help_string(self, action):
        return action.help if action.default in (None, False) else super()._get_help_string(action)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Character-level Tang poem generation (Embedding -> RNN/GRU/LSTM -> Linear) on tinygrad_edu.",
        formatter_class=_Help)
    p.add_argument("--data", default=str(DATA), help="a UTF-8 text file, one poem per line")
    p.add_argument("--poems", type=int, help="use only the first N poems (a quick run); default: all")
    p.add_argument("--valid-every", type=int, default=20, help="hold out every K-th poem to measure "
                   "perplexity on poems the model never trained on (0: hold out none)")
    p.add_argument("--cell", choices=sorted(CELLS), default="lstm", help="the recurrent layer: nn.RNN "
                   "(tanh), nn.GRU or nn.LSTM")
    p.add_argument("--embed", type=int, default=64, help="embedding size E")
    p.add_argument("--hidden", type=int, default=128, help="hidden size H of the recurrent layer")
    p.add_argument("--layers", type=int, default=1, help="stacked recurrent layers (num_layers)")
    p.add_argument("--dropout", type=float, default=0.0, help="dropout between stacked layers")
    p.add_argument("--seq-len", type=int, default=32, help="characters per training window")
    p.add_argument("--stride", type=int, default=8, help="characters between the starts of two windows "
                   "(smaller: more, overlapping windows per epoch)")
    p.add_argument("--batch-size", type=int, default=16, help="windows per optimiser step")
    p.add_argument("--epochs", type=int, default=12, help="passes over the training windows")
    p.add_argument("--lr", type=float, default=3e-3, help="Adam's learning rate")
    p.add_argument("--clip", type=float, default=1.0, help="max gradient norm (nn.utils.clip_grad_norm_)")
    p.add_argument("--seed", type=int, default=0, help="tinygrad_edu.manual_seed: weights and shuffling; "
                   "also seeds the sampling generator")
    p.add_argument("--prompt", default="床前", help="the text every sample starts from")
    p.add_argument("--temperature", type=float, default=0.8, help="divide the logits by T before the "
                   "softmax: < 1 safer and more repetitive, > 1 more adventurous")
    p.add_argument("--top-k", type=int, default=20, help="sample among the K most likely characters only "
                   "(0: among all)")
    p.add_argument("--length", type=int, default=100, help="at most this many generated characters per "
                   "sample (a sample also stops where the model ends the poem)")
    p.add_argument("--num-samples", type=int, default=3, help="samples printed at the end (and by --generate)")
    p.add_argument("--check-samples", type=int, default=20, help="samples drawn after each epoch to count the "
                   "lines of 5 or 7 characters (the first one is printed)")
    p.add_argument("--out", metavar="DIR", default="runs/poem_rnn", help="where poem_rnn.pth (weights + "
                   "vocabulary + settings) and loss.png are written")
    p.add_argument("--generate", action="store_true", help="do not train: load --weights and print "
                   "--num-samples samples from --prompt")
    p.add_argument("--weights", metavar="PATH", help="the checkpoint --generate reads; default: "
                   "OUT/poem_rnn.pth")
    args = p.parse_args(argv)
    _check_args(p, args)
    return args, p


def _check_args(p, args):
    rules = [(n, ">= 1", lambda v: v >= 1) for n in ("embed", "hidden", "layers", "seq_len", "stride",
                                                   "batch_size", "epochs", "num_samples", "check_samples")]
    rules += [(n, "> 0", lambda v: v > 0) for n in ("lr", "clip", "temperature")]
    rules += [(n, ">= 0", lambda v: v >= 0) for n in ("top_k", "length", "valid_every")]
    rules += [("dropout", "in [0, 1)", lambda v: 0 <= v < 1), ("poems", ">= 1", lambda v: v is None or v >= 1),
              ("prompt", "non-empty", bool)]
    for name, rule, ok in rules:
        if not ok(getattr(args, name)):
            p.error(f"--{name.replace('_', '-')} must be {rule}, got {getattr(args, name)!r}")


def _samples(model, vocab, args, generator, count, show=True):
    texts = [sample(model, vocab, args.prompt, args.length, args.temperature, args.top_k, generator)
             for _ in range(count)]
    for text in texts if show else []:
        print(f"  {text}\n    ({describe_lines(text)})")
    return texts


def _check_prompt(parser, vocab, prompt):
    if vocab.unknown(prompt):
        parser.error(f"--prompt has characters that are not in the vocabulary: {''.join(vocab.unknown(prompt))}")


def run_generate(args, parser):
    path = Path(args.weights or Path(args.out) / "poem_rnn.pth")
    if not path.exists():
        parser.error(f"no checkpoint at {path}: train first (python examples/poem_rnn.py --out DIR)")
    model, vocab, config = load_checkpoint(path)
    _check_prompt(parser, vocab, args.prompt)
    print(f"loaded {path}: {config['cell'].upper()}, vocabulary {len(vocab)}")
    generator = torch.Generator().manual_seed(args.seed)
    samples = _samples(model, vocab, args, generator, args.num_samples)
    return {"samples": samples, "model": model, "vocab": vocab}


def _data(args, parser):
    try:
        poems = load_poems(args.data, args.poems)
    except (OSError, UnicodeDecodeError) as err:
        parser.error(f"cannot read --data {args.data}: {err}")
    train_poems, valid_poems = split_poems(poems, args.valid_every if len(poems) > 1 else 0)
    vocab = Vocabulary("".join(poems) + END)
    _check_prompt(parser, vocab, args.prompt)
    train_set = PoemWindows(corpus_ids(vocab, train_poems), args.seq_len, args.stride)
    valid_set = PoemWindows(corpus_ids(vocab, valid_poems), args.seq_len, args.seq_len)
    if len(train_set) == 0:
        parser.error(f"the training poems are shorter than --seq-len {args.seq_len} + 1 characters")
    print(f"data: {len(poems)} poems ({len(train_poems)} to train on, {len(valid_poems)} held out), "
          f"{sum(map(len, poems)):,} characters, vocabulary {len(vocab):,} (with the end-of-poem mark); "
          f"{verse_share(poems):.1%} of their lines have 5 or 7 characters")
    print(f"windows: {len(train_set):,} of {args.seq_len} characters every {args.stride} "
          f"(+ {len(valid_set)} held out)")
    return vocab, train_set, valid_set


def run_train(args, parser):
    vocab, train_set, valid_set = _data(args, parser)
    torch.manual_seed(args.seed)
    config = {"embed_size": args.embed, "hidden_size": args.hidden, "num_layers": args.layers,
              "cell": args.cell, "dropout": args.dropout}
    model = PoemModel(len(vocab), **config)
    print(f"{model}\nparameters: {sum(p.numel() for p in model.parameters()):,}")
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    valid_loader = DataLoader(valid_set, batch_size=args.batch_size)
    generator = torch.Generator().manual_seed(args.seed)
    history, step_losses, start = [], [], time.perf_counter()
    for epoch in range(args.epochs):
        tick = time.perf_counter()
        losses = train_epoch(model, loader, opt, loss_fn, args.clip, epoch, args.epochs, sys.stdout.isatty())
        step_losses += losses
        valid = evaluate(model, valid_loader, loss_fn)
        texts = _samples(model, vocab, args, generator, args.check_samples, show=False)
        loss = float(np.mean(losses))
        row = {"epoch": epoch + 1, "loss": loss, "perplexity": math.exp(loss), "valid_loss": valid,
               "valid_perplexity": math.exp(valid), "sample": texts[0], "verse": verse_share(texts),
               "seconds": time.perf_counter() - tick, "elapsed": time.perf_counter() - start}
        history.append(row)
        print(f"epoch {row['epoch']:3d}/{args.epochs}  loss {row['loss']:.4f}  perplexity {row['perplexity']:8.2f}"
              f"  held-out perplexity {row['valid_perplexity']:8.2f}  {row['seconds']:.1f} s (total "
              f"{row['elapsed']:.1f} s)\n  sample: {texts[0]}\n    ({describe_lines(texts[0])}; in {len(texts)} "
              f"samples {row['verse']:.0%} of the lines have 5 or 7 characters)")
    return model, vocab, config, history, step_losses, generator


def main(argv=None):
    args, parser = parse_args(argv)
    if args.generate:
        return run_generate(args, parser)
    model, vocab, config, history, step_losses, generator = run_train(args, parser)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    weights = out / "poem_rnn.pth"
    save_checkpoint(weights, model, vocab, config)
    model, vocab, _ = load_checkpoint(weights)   # the samples below come from the reloaded weights
    print(f"\n{args.num_samples} samples from the saved weights (temperature {args.temperature}, top-k {args.top_k}):")
    samples = _samples(model, vocab, args, generator, args.num_samples)
    last = history[-1]
    curves = plot_curves(history, step_losses, out / "loss.png",
                         f"{args.cell.upper()} {args.hidden}: perplexity {last['perplexity']:.1f} "
                         f"(held-out {last['valid_perplexity']:.1f}) after {len(history)} epochs")
    print(f"wrote {weights}, {curves}  (python examples/poem_rnn.py --generate --out {out} for more samples)")
    return {"history": history, "step_losses": step_losses, "samples": samples, "model": model, "vocab": vocab,
            "files": {"weights": str(weights), "curves": curves}}


if __name__ == "__main__":
    main()
