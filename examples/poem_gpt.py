"""Tang poems with a character-level GPT: the course's attention and transformers chapter.

The RNN chapter (poem_rnn.py) carried a hidden state from character to character. A transformer
reads the whole window at once: every position builds a query q, a key k and a value v, and takes a
weighted mean of the values of the positions before it (causal self-attention):

    att = softmax(q k^T / sqrt(head_size) + mask) v        mask = -inf above the diagonal (the future)

    ids (B, T) -> token Embedding(V, C) + position Embedding(T, C)
               -> N x Block:  x = x + attention(LayerNorm(x));  x = x + MLP(LayerNorm(x))
               -> LayerNorm -> Linear(C, V) -> logits (B, T, V)

trained with cross-entropy on random windows of the 304 training poems of examples/data/tang_poems.txt
(唐诗三百首; see tang_poems.NOTICE.md), AdamW (weight decay on the matrices only), a linear
learning-rate warm-up then cosine decay (optim.lr_scheduler.LambdaLR). Every --eval-every steps it
prints the training and held-out loss and a poem sampled from a prompt, with the lengths of its lines.

    python examples/poem_gpt.py                     # train: 4 layers, 4 heads, C = 128: about 2 min of CPU
    python examples/poem_gpt.py --steps 3000 --dropout 0.2
    python examples/poem_gpt.py --generate --prompt 春眠 --num-samples 5 --temperature 0.6

What to look at: the loss starts at ln(2489) = 7.8; within 500 steps most lines of the samples have 5 or
7 characters (attention lets the model count from the last ， or 。), then the model quotes its poems: the
held-out loss is lowest near step 250 and rises after, as 22,706 characters are few for 1.4M parameters.
"""
import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))   # the RNN chapter's data helpers, next to this file
# poem_rnn also sets one BLAS thread unless the environment says otherwise (before numpy loads)
from poem_rnn import (DATA, END, Vocabulary, _check_prompt, _Help, corpus_ids, describe_lines,  # noqa: E402
                      load_poems, split_poems, verse_share)

import numpy as np  # noqa: E402

import tinygrad_edu as torch  # noqa: E402
import tinygrad_edu.nn as nn  # noqa: E402
import tinygrad_edu.nn.functional as F  # noqa: E402


# 1. the model: one class per idea
class CausalSelfAttention(nn.Module):
    """n_head heads of masked self-attention side by side, then a Linear that mixes their outputs."""

    def __init__(self, n_embd, n_head, block_size, dropout=0.0, sdpa=False):
        super().__init__()
        if n_embd % n_head:
            raise ValueError(f"n_embd {n_embd} must be a multiple of n_head {n_head}")
        self.n_head, self.dropout, self.sdpa = n_head, dropout, sdpa
        self.qkv = nn.Linear(n_embd, 3 * n_embd)    # queries, keys and values of every head in one product
        self.proj = nn.Linear(n_embd, n_embd)        # the heads' outputs -> back into the residual stream
        self.attn_dropout = nn.Dropout(dropout)
        self.resid_dropout = nn.Dropout(dropout)
        # mask[t, s] = 1 if position t may look at position s (s <= t). A buffer: it follows .to() and
        # .double() but is no parameter, and persistent=False keeps it out of the state_dict.
        self.register_buffer("mask", torch.tril(torch.ones(block_size, block_size)), persistent=False)

    def forward(self, x):
        B, T, C = x.shape                    # batch, time, channels (n_embd)
        H = self.n_head
        q, k, v = self.qkv(x).split(C, dim=2)                 # each (B, T, C)
        q = q.view(B, T, H, C // H).transpose(1, 2)            # (B, H, T, hs): each head on its own
        k = k.view(B, T, H, C // H).transpose(1, 2)            # (B, H, T, hs)
        v = v.view(B, T, H, C // H).transpose(1, 2)            # (B, H, T, hs)
        if self.sdpa:   # the same maths in one fused op
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=self.dropout if self.training else 0.0,
                                               is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C // H))   # (B, H, T, T): t's interest in s
            att = att.masked_fill(self.mask[:T, :T] == 0, float("-inf"))  # no looking at the future
            att = F.softmax(att, dim=-1)                                  # every row sums to 1
            att = self.attn_dropout(att)
            y = att @ v                                                   # (B, H, T, hs): mean of values
        y = y.transpose(1, 2).contiguous().view(B, T, C)       # (B, T, C): the heads side by side again
        return self.resid_dropout(self.proj(y))


class MLP(nn.Module):
    """Position by position: C -> 4C -> GELU -> C (where attention gathers, the MLP computes)."""

    def __init__(self, n_embd, dropout=0.0):
        super().__init__()
        self.fc = nn.Linear(n_embd, 4 * n_embd)
        self.gelu = nn.GELU(approximate="tanh")   # GPT-2's GELU: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        self.proj = nn.Linear(4 * n_embd, n_embd)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):                    # (B, T, C) -> (B, T, C)
        return self.dropout(self.proj(self.gelu(self.fc(x))))


class Block(nn.Module):
    """A transformer block, pre-norm: each part reads a LayerNorm of x and adds its result to x."""

    def __init__(self, n_embd, n_head, block_size, dropout=0.0, sdpa=False):
        super().__init__()
        self.ln1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size, dropout, sdpa)
        self.ln2 = nn.LayerNorm(n_embd)
        self.mlp = MLP(n_embd, dropout)

    def forward(self, x):                    # (B, T, C) -> (B, T, C)
        x = x + self.attn(self.ln1(x))       # the residual connections: gradients flow straight down
        return x + self.mlp(self.ln2(x))


class PoemGPT(nn.Module):
    def __init__(self, vocab_size, n_embd=128, n_head=4, n_layer=4, block_size=64, dropout=0.0,
                 sdpa=False, tie_weights=False):
        super().__init__()
        self.block_size = block_size
        self.tok_emb = nn.Embedding(vocab_size, n_embd)        # what the character is
        self.pos_emb = nn.Embedding(block_size, n_embd)        # where it stands in the window
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.Sequential(*[Block(n_embd, n_head, block_size, dropout, sdpa) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab_size, bias=False)
        if tie_weights:   # one (V, C) matrix both reads and writes characters
            self.head.weight = self.tok_emb.weight
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module):
        """GPT-2's initialisation: N(0, 0.02) weights, zero biases (LayerNorm keeps its 1 and 0)."""
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, idx, targets=None):
        """idx: (B, T) ids, T <= block_size -> logits (B, T, V), and the mean cross-entropy if targets given."""
        B, T = idx.shape
        if T > self.block_size:
            raise ValueError(f"a window of {T} characters is longer than block_size {self.block_size}")
        pos = torch.arange(T)                                  # (T,)
        x = self.drop(self.tok_emb(idx) + self.pos_emb(pos))   # (B, T, C) + (T, C) -> (B, T, C)
        logits = self.head(self.ln_f(self.blocks(x)))          # (B, T, V)
        if targets is None:
            return logits, None
        return logits, F.cross_entropy(logits.view(B * T, -1), targets.view(B * T))


# 2. training pieces
def get_batch(data, block_size, batch_size, generator=None):
    """batch_size random windows of `data` (1-d ids): x = data[i : i+T], y = data[i+1 : i+T+1]."""
    ix = torch.randint(len(data) - block_size, (batch_size,), generator=generator)
    x = torch.stack([data[i:i + block_size] for i in ix.tolist()])
    y = torch.stack([data[i + 1:i + block_size + 1] for i in ix.tolist()])
    return x, y


def param_groups(model, weight_decay):
    """AdamW's groups: decay the matrices (Linear weights, embeddings), not the biases and LayerNorm gains."""
    params = dict(model.named_parameters())                    # a tied matrix appears once
    decay = [p for p in params.values() if p.dim() >= 2]
    no_decay = [p for p in params.values() if p.dim() < 2]
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def warmup_cosine(warmup, steps, min_ratio=0.1):
    """The learning-rate factor at step s: linear from 1/warmup to 1, then a cosine down to min_ratio."""
    def factor(s):
        if s < warmup:
            return (s + 1) / warmup
        progress = min(1.0, (s - warmup) / max(1, steps - warmup))
        return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))
    return factor


def train_step(model, optimizer, scheduler, x, y, clip):
    """One AdamW step on (x, y); returns the loss."""
    model.train()
    _, loss = model(x, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    scheduler.step()
    return loss.item()


@torch.no_grad()
def estimate_loss(model, data, block_size, batch_size, batches, generator):
    """The mean loss over `batches` random windows of `data` (eval mode: no dropout)."""
    model.eval()
    losses = [model(*get_batch(data, block_size, batch_size, generator))[1].item() for _ in range(batches)]
    model.train()
    return float(np.mean(losses))


# 3. generation: the window slides along, the model only ever sees its last block_size characters
@torch.no_grad()
def generate(model, idx, max_new_tokens, temperature=1.0, top_k=None, generator=None, stop=None):
    """idx (1, T) -> (1, T + up to max_new_tokens): each new id drawn from softmax(logits / temperature)
    over the top_k most likely (all if top_k is falsy); it stops after id `stop`."""
    model.eval()
    for _ in range(max_new_tokens):
        logits, _ = model(idx[:, -model.block_size:])         # (1, T, V)
        logits = logits[:, -1, :] / temperature                # (1, V): the next character only
        if top_k:
            kth = torch.topk(logits, min(top_k, logits.shape[-1])).values[:, [-1]]   # (1, 1)
            logits = logits.masked_fill(logits < kth, float("-inf"))
        probs = F.softmax(logits, dim=-1)
        idx_next = torch.multinomial(probs, num_samples=1, generator=generator)     # (1, 1)
        idx = torch.cat((idx, idx_next), dim=1)
        if stop is not None and idx_next.item() == stop:
            break
    return idx


def sample(model, vocab, prompt, length=100, temperature=0.8, top_k=20, generator=None):
    """The prompt and up to `length` generated characters, read as the start of a new poem."""
    idx = torch.tensor(vocab.encode(END + prompt)).view(1, -1)
    out = generate(model, idx, length, temperature, top_k, generator, stop=vocab.index[END])
    return vocab.decode(out[0, 1:].tolist()).rstrip(END)


# 4. pictures and files
def plot_curves(history, step_losses, lrs, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(np.arange(1, len(step_losses) + 1), step_losses, lw=0.6, alpha=0.5, label="batch (training)")
    left.plot([r["step"] for r in history], [r["train"] for r in history], marker="o", ms=3, label="training")
    left.plot([r["step"] for r in history], [r["valid"] for r in history], marker="o", ms=3, label="held-out")
    left.set(title="loss", xlabel="step", ylabel="cross-entropy (nats per character)")
    left.legend()
    right.plot(np.arange(1, len(lrs) + 1), lrs)
    right.set(title="learning rate (warm-up, cosine decay)", xlabel="step", ylabel="lr")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return str(path)


def save_checkpoint(path, model, vocab, config):
    """The weights (not the mask: it is no parameter and not persistent), the vocabulary, the settings."""
    torch.save({"state_dict": model.state_dict(), "vocab": list(vocab.chars), "config": dict(config)}, path)


def load_checkpoint(path):
    saved = torch.load(path)
    vocab = Vocabulary(saved["vocab"])
    model = PoemGPT(len(vocab), **saved["config"])
    model.load_state_dict(saved["state_dict"])
    return model, vocab, saved["config"]


# 5. the command line
def parse_args(argv=None):
    p = argparse.ArgumentParser(description="A character-level GPT (causal self-attention) writing Tang poems, "
                                "on tinygrad_edu.", formatter_class=_Help)
    p.add_argument("--data", default=str(DATA), help="a UTF-8 text file, one poem per line")
    p.add_argument("--poems", type=int, help="use only the first N poems (a quick run); default: all")
    p.add_argument("--valid-every", type=int, default=20, help="hold out every K-th poem for the held-out "
                   "loss (0: hold out none)")
    p.add_argument("--layers", type=int, default=4, help="transformer blocks N")
    p.add_argument("--heads", type=int, default=4, help="attention heads per block (must divide --embed)")
    p.add_argument("--embed", type=int, default=128, help="embedding size C (the residual stream's width)")
    p.add_argument("--block-size", type=int, default=32, help="context: the most characters the model sees")
    p.add_argument("--dropout", type=float, default=0.0, help="dropout after the embeddings, on the attention "
                   "weights and on each residual branch")
    p.add_argument("--tie-weights", action="store_true", help="the output Linear uses the token embedding's matrix")
    p.add_argument("--sdpa", action="store_true", help="attention by F.scaled_dot_product_attention(..., "
                   "is_causal=True) instead of the written-out softmax(q k^T / sqrt(d) + mask) v")
    p.add_argument("--batch-size", type=int, default=16, help="windows per optimiser step")
    p.add_argument("--steps", type=int, default=1500, help="optimiser steps")
    p.add_argument("--lr", type=float, default=2e-3, help="AdamW's peak learning rate")
    p.add_argument("--warmup", type=int, default=100, help="steps of linear learning-rate warm-up (then cosine "
                   "decay to lr / 10)")
    p.add_argument("--weight-decay", type=float, default=0.1, help="AdamW's decoupled weight decay (matrices only)")
    p.add_argument("--clip", type=float, default=1.0, help="max gradient norm (nn.utils.clip_grad_norm_)")
    p.add_argument("--eval-every", type=int, default=250, help="steps between two reports of the losses and a sample")
    p.add_argument("--eval-batches", type=int, default=10, help="random batches per loss estimate")
    p.add_argument("--seed", type=int, default=0, help="tinygrad_edu.manual_seed: weights, batches and samples")
    p.add_argument("--prompt", default="床前", help="the text every sample starts from")
    p.add_argument("--temperature", type=float, default=0.8, help="divide the logits by T before the softmax")
    p.add_argument("--top-k", type=int, default=20, help="sample among the K most likely characters (0: all)")
    p.add_argument("--length", type=int, default=64, help="at most this many generated characters per sample")
    p.add_argument("--num-samples", type=int, default=3, help="samples printed at the end (and by --generate)")
    p.add_argument("--check-samples", type=int, default=10, help="samples drawn at each report to count the lines "
                   "of 5 or 7 characters (the first one is printed)")
    p.add_argument("--out", metavar="DIR", default="runs/poem_gpt", help="where poem_gpt.pth (weights + "
                   "vocabulary + settings) and loss.png are written")
    p.add_argument("--generate", action="store_true", help="do not train: load --weights and print samples")
    p.add_argument("--weights", metavar="PATH", help="the checkpoint --generate reads; default: OUT/poem_gpt.pth")
    args = p.parse_args(argv)
    positive = "layers heads embed block_size batch_size steps eval_every eval_batches num_samples check_samples"
    rules = [(n, ">= 1", lambda v: v >= 1) for n in positive.split()]
    rules += [(n, "> 0", lambda v: v > 0) for n in ("lr", "clip", "temperature")]
    rules += [(n, ">= 0", lambda v: v >= 0) for n in "top_k length valid_every warmup weight_decay".split()]
    rules += [("dropout", "in [0, 1)", lambda v: 0 <= v < 1), ("poems", ">= 1", lambda v: v is None or v >= 1),
              ("prompt", "non-empty", bool), ("embed", f"a multiple of --heads {args.heads}",
                                              lambda v: v % args.heads == 0)]
    for name, rule, ok in rules:
        if not ok(getattr(args, name)):
            p.error(f"--{name.replace('_', '-')} must be {rule}, got {getattr(args, name)!r}")
    return args, p


def _samples(model, vocab, args, generator, count, show=True):
    texts = [sample(model, vocab, args.prompt, args.length, args.temperature, args.top_k, generator)
             for _ in range(count)]
    for text in texts if show else []:
        print(f"  {text}\n    ({describe_lines(text)})")
    return texts


def run_generate(args, parser):
    path = Path(args.weights or Path(args.out) / "poem_gpt.pth")
    if not path.exists():
        parser.error(f"no checkpoint at {path}: train first (python examples/poem_gpt.py --out DIR)")
    model, vocab, config = load_checkpoint(path)
    _check_prompt(parser, vocab, args.prompt)
    print(f"loaded {path}: {config['n_layer']} layers, {config['n_head']} heads, C = {config['n_embd']}, "
          f"vocabulary {len(vocab)}")
    generator = torch.Generator().manual_seed(args.seed)
    return {"samples": _samples(model, vocab, args, generator, args.num_samples), "model": model, "vocab": vocab}


def _data(args, parser):
    try:
        poems = load_poems(args.data, args.poems)
    except (OSError, UnicodeDecodeError) as err:
        parser.error(f"cannot read --data {args.data}: {err}")
    train_poems, valid_poems = split_poems(poems, args.valid_every if len(poems) > 1 else 0)
    vocab = Vocabulary("".join(poems) + END)
    _check_prompt(parser, vocab, args.prompt)
    train, valid = (torch.tensor(corpus_ids(vocab, part)) for part in (train_poems, valid_poems))
    if len(train) <= args.block_size or (valid_poems and len(valid) <= args.block_size):
        parser.error(f"the training or held-out poems are shorter than --block-size {args.block_size} + 1 characters")
    print(f"data: {len(poems)} poems ({len(train_poems)} to train on: {len(train):,} characters; "
          f"{len(valid_poems)} held out: {len(valid):,}), vocabulary {len(vocab):,} (with the end-of-poem mark); "
          f"{verse_share(poems):.1%} of their lines have 5 or 7 characters")
    return vocab, train, valid if valid_poems else None


def _report(step, model, data, args, generator, vocab, start):
    train, valid = data
    losses = [estimate_loss(model, part, args.block_size, args.batch_size, args.eval_batches, generator)
              if part is not None else float("nan") for part in (train, valid)]
    texts = _samples(model, vocab, args, generator, args.check_samples, show=False)
    row = {"step": step, "train": losses[0], "valid": losses[1], "sample": texts[0], "verse": verse_share(texts),
           "elapsed": time.perf_counter() - start}
    print(f"step {step:5d}/{args.steps}  train loss {row['train']:.4f}  held-out loss {row['valid']:.4f}  "
          f"({row['elapsed']:.0f} s)\n  sample: {texts[0]}\n    ({describe_lines(texts[0])}; in {len(texts)} "
          f"samples {row['verse']:.0%} of the lines have 5 or 7 characters)")
    return row


def run_train(args, parser):
    vocab, train, valid = _data(args, parser)
    torch.manual_seed(args.seed)
    config = {"n_embd": args.embed, "n_head": args.heads, "n_layer": args.layers, "block_size": args.block_size,
              "dropout": args.dropout, "sdpa": args.sdpa, "tie_weights": args.tie_weights}
    model = PoemGPT(len(vocab), **config)
    print(f"{model.blocks[0]}\n... x {args.layers} blocks; parameters: {sum(p.numel() for p in model.parameters()):,}")
    optimizer = torch.optim.AdamW(param_groups(model, args.weight_decay), lr=args.lr, betas=(0.9, 0.95))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(args.warmup, args.steps))
    generator = torch.Generator().manual_seed(args.seed)
    start = time.perf_counter()
    history, step_losses, lrs = [_report(0, model, (train, valid), args, generator, vocab, start)], [], []
    for step in range(1, args.steps + 1):
        x, y = get_batch(train, args.block_size, args.batch_size)
        lrs.append(optimizer.param_groups[0]["lr"])
        step_losses.append(train_step(model, optimizer, scheduler, x, y, args.clip))
        if step % args.eval_every == 0 or step == args.steps:
            history.append(_report(step, model, (train, valid), args, generator, vocab, start))
    return model, vocab, config, history, step_losses, lrs, generator


def main(argv=None):
    args, parser = parse_args(argv)
    if args.generate:
        return run_generate(args, parser)
    model, vocab, config, history, step_losses, lrs, generator = run_train(args, parser)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    weights = out / "poem_gpt.pth"
    save_checkpoint(weights, model, vocab, config)
    model, vocab, _ = load_checkpoint(weights)   # the samples below come from the reloaded weights
    print(f"\n{args.num_samples} samples from the saved weights (temperature {args.temperature}, top-k {args.top_k}):")
    samples = _samples(model, vocab, args, generator, args.num_samples)
    last = history[-1]
    curves = plot_curves(history, step_losses, lrs, out / "loss.png",
                         f"GPT, {args.layers} blocks x {args.heads} heads, C = {args.embed}: loss {last['train']:.2f} "
                         f"(held-out {last['valid']:.2f}) after {len(step_losses)} steps")
    print(f"wrote {weights}, {curves}  (python examples/poem_gpt.py --generate --out {out} for more samples)")
    return {"history": history, "step_losses": step_losses, "lrs": lrs, "samples": samples, "model": model,
            "vocab": vocab, "files": {"weights": str(weights), "curves": curves}}


if __name__ == "__main__":
    main()
