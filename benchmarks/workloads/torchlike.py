"""The workloads as a PyTorch user writes them, run unchanged on torch and on tinygrad_edu.

Each builder takes ``lib``, a namespace with ``torch``, ``nn``, ``optim`` and ``data``
(``torch.utils.data``), so the very same lines execute on both libraries: that the code is identical
is the point of the project. Builders return a ``Bench`` whose ``unit()`` is one timed unit.
"""
import math
import random
from types import SimpleNamespace

from . import common


def load_library(name):
    """The four modules a PyTorch script imports, for ``"torch"`` or ``"tinygrad_edu"``."""
    if name == "torch":
        import torch
        import torch.nn as nn
        import torch.optim as optim
        import torch.utils.data as data
    elif name == "tinygrad_edu":
        import tinygrad_edu as torch
        import tinygrad_edu.nn as nn
        import tinygrad_edu.optim as optim
        import tinygrad_edu.utils.data as data
    else:
        raise ValueError(f"unknown library {name!r}")
    return SimpleNamespace(torch=torch, nn=nn, optim=optim, data=data)


def _mlp(lib, layers):
    """nn.Sequential of Linear layers with ReLU between them, holding the given (W, b) arrays."""
    nn, torch = lib.nn, lib.torch
    modules = []
    for i, (w, _) in enumerate(layers):
        if i:
            modules.append(nn.ReLU())
        modules.append(nn.Linear(w.shape[1], w.shape[0]))
    model = nn.Sequential(*modules)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for linear, (w, b) in zip(linears, layers):
            linear.weight.copy_(torch.from_numpy(w))
            linear.bias.copy_(torch.from_numpy(b))
    return model


def phone_mlp(lib):
    """The lecture's phone-price classifier: one epoch = 100 steps of batch 16 over 1600 rows."""
    torch, nn, optim, data = lib.torch, lib.nn, lib.optim, lib.data
    d = common.phone_data()
    torch.manual_seed(0)
    model = _mlp(lib, d.layers)
    dataset = data.TensorDataset(torch.from_numpy(d.x), torch.from_numpy(d.y))
    loader = data.DataLoader(dataset, batch_size=16, shuffle=True)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)

    def epoch():
        total = 0.0
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item()
        return total / len(loader)

    return common.Bench(epoch)


def linreg(lib):
    """The lecture's linear regression from scratch: one epoch = 32 batches of 16 out of 500 rows."""
    torch = lib.torch
    d = common.linreg_data()
    X, Y = torch.from_numpy(d.x), torch.from_numpy(d.y)
    w_0 = torch.tensor(d.w0, requires_grad=True)
    b_0 = torch.tensor(d.b0, requires_grad=True)
    shuffler = random.Random(common.SEED)

    def data_provider(data, label, batchsize):
        length = len(label)
        indices = list(range(length))
        shuffler.shuffle(indices)
        for each in range(0, length, batchsize):
            get_indices = indices[each: each + batchsize]
            yield data[get_indices], label[get_indices]

    def fun(x, w, b):
        return torch.matmul(x, w) + b

    def maeLoss(pre_y, y):
        return torch.sum(abs(pre_y - y)) / len(y)

    def sgd(paras, lr):
        with torch.no_grad():
            for para in paras:
                para -= para.grad * lr
                para.grad.zero_()

    def epoch():
        data_loss = 0
        for batch_x, batch_y in data_provider(X, Y, 16):
            loss = maeLoss(fun(batch_x, w_0, b_0), batch_y)
            loss.backward()
            sgd([w_0, b_0], 0.001)
            data_loss += loss
        return float(data_loss)

    return common.Bench(epoch)


def op_overhead(lib):
    """Per-operation overhead on 8x8 tensors; one unit = OP_ITERS_PER_UNIT forward+backward passes."""
    torch = lib.torch
    a, b, c, d = (torch.tensor(m, requires_grad=True) for m in common.op_data())

    def block():
        for _ in range(common.OP_ITERS_PER_UNIT):
            ((a * b + c).relu() @ d).sum().backward()
        return float(a.grad.sum())

    return common.Bench(block, per_unit=common.OP_ITERS_PER_UNIT)


def big_mlp(lib):
    """A compute-bound step: batch 256 through 784->1024->1024->10, cross-entropy, one SGD step."""
    torch, nn, optim = lib.torch, lib.nn, lib.optim
    d = common.big_mlp_data()
    model = _mlp(lib, d.layers)
    x, y = torch.from_numpy(d.x), torch.from_numpy(d.y)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=common.BIG_MLP_LR)

    def step():
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return common.Bench(step)


def deep_chain(lib):
    """A 200,000-node graph: y = y*0.999 + 0.001 repeated 100,000 times on a (16,) tensor, backward."""
    torch = lib.torch
    start = common.chain_data()

    def chain(length):
        x = torch.tensor(start, requires_grad=True)
        y = x
        for _ in range(length):
            y = y * 0.999 + 0.001
        y.sum().backward()
        return float(x.grad.sum())

    return common.Bench(lambda: chain(common.DEEP_CHAIN_LENGTH), warmup=lambda: chain(1000))


BUILDERS = {"phone_mlp": phone_mlp, "linreg": linreg, "op_overhead": op_overhead, "big_mlp": big_mlp,
            "deep_chain": deep_chain}


def _digits_model(lib, layers):
    """examples/digits_cnn.py's DigitsCNN, holding the given (W, b) arrays."""
    torch, nn = lib.torch, lib.nn
    model = nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(128, 10))
    with torch.no_grad():
        for layer, (w, b) in zip([model[0], model[3], model[7]], layers):
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
    return model


def digits_cnn(lib):
    """One epoch of the CNN chapter's training: 23 Adam steps of batch 64 over 1437 8x8 digits."""
    torch, nn, optim, data = lib.torch, lib.nn, lib.optim, lib.data
    d = common.digits_data()
    torch.manual_seed(0)
    model = _digits_model(lib, d.layers)
    loader = data.DataLoader(data.TensorDataset(torch.from_numpy(d.x), torch.from_numpy(d.y)),
                             batch_size=common.DIGITS_BATCH, shuffle=True)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=common.DIGITS_LR)

    def epoch():
        total = 0.0
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item()
        return total / len(loader)

    return common.Bench(epoch)


def char_rnn(lib):
    """One training step of the RNN chapter's model: Embedding(2488, 64) -> GRU(64, 128) ->
    Linear(128, 2488) on a batch of 32 sequences of 48 characters, CrossEntropyLoss, Adam."""
    torch, nn, optim = lib.torch, lib.nn, lib.optim
    if not hasattr(nn, "GRU"):
        raise common.Unavailable(f"{torch.__name__}.nn has no GRU")
    d = common.char_rnn_data()

    class CharRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(common.CHAR_VOCAB, common.CHAR_EMBED)
            self.gru = nn.GRU(common.CHAR_EMBED, common.CHAR_HIDDEN, batch_first=True)
            self.fc = nn.Linear(common.CHAR_HIDDEN, common.CHAR_VOCAB)

        def forward(self, x):
            out, _ = self.gru(self.embed(x))
            return self.fc(out)

    model = CharRNN()
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.from_numpy(d.weights[name]))
    x, y = torch.from_numpy(d.x), torch.from_numpy(d.y)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=common.CHAR_LR)

    def step():
        optimizer.zero_grad()
        logits = model(x)
        loss = criterion(logits.reshape(-1, common.CHAR_VOCAB), y.reshape(-1))
        loss.backward()
        optimizer.step()
        return loss.item()

    return common.Bench(step)


BUILDERS.update({"digits_cnn": digits_cnn, "char_rnn": char_rnn})


def _gpt_model(lib):
    """A character GPT as a learner writes it: pre-norm blocks of causal self-attention (the mask a
    tril buffer, masked_fill with -inf, softmax) and a GELU MLP, as in examples/poem_gpt.py."""
    torch, nn = lib.torch, lib.nn
    F = nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self, n_embd, n_head, block_size):
            super().__init__()
            self.n_head = n_head
            self.qkv = nn.Linear(n_embd, 3 * n_embd)
            self.proj = nn.Linear(n_embd, n_embd)
            self.register_buffer("mask", torch.tril(torch.ones(block_size, block_size)), persistent=False)

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.qkv(x).split(C, dim=2)
            q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C // self.n_head))
            att = F.softmax(att.masked_fill(self.mask[:T, :T] == 0, float("-inf")), dim=-1)
            return self.proj((att @ v).transpose(1, 2).contiguous().view(B, T, C))

    class Block(nn.Module):
        def __init__(self, n_embd, n_head, block_size):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(n_embd), nn.LayerNorm(n_embd)
            self.attn = CausalSelfAttention(n_embd, n_head, block_size)
            self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd))

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self, vocab, n_embd, n_head, n_layer, block_size):
            super().__init__()
            self.tok_emb = nn.Embedding(vocab, n_embd)
            self.pos_emb = nn.Embedding(block_size, n_embd)
            self.blocks = nn.Sequential(*[Block(n_embd, n_head, block_size) for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(n_embd)
            self.head = nn.Linear(n_embd, vocab, bias=False)

        def forward(self, idx, targets):
            B, T = idx.shape
            x = self.tok_emb(idx) + self.pos_emb(torch.arange(T))
            logits = self.head(self.ln_f(self.blocks(x)))
            return F.cross_entropy(logits.view(B * T, -1), targets.view(B * T))

    return GPT(common.GPT_VOCAB, common.GPT_EMBED, common.GPT_HEADS, common.GPT_LAYERS, common.GPT_CONTEXT)


def char_gpt(lib):
    """One AdamW step of a 4-layer, 4-head, C = 128 character GPT: batch 32 x 64 characters, vocabulary
    2488, weight decay on the matrices only (two parameter groups)."""
    torch, optim = lib.torch, lib.optim
    d = common.char_gpt_data()
    model = _gpt_model(lib)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.from_numpy(d.weights[name]))
    params = list(model.parameters())
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": common.GPT_WEIGHT_DECAY},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    optimizer = optim.AdamW(groups, lr=common.GPT_LR)
    x, y = torch.from_numpy(d.x), torch.from_numpy(d.y)

    def step():
        optimizer.zero_grad()
        loss = model(x, y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return common.Bench(step)


BUILDERS["char_gpt"] = char_gpt
