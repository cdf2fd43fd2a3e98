"""examples/poem_gpt.py: the course's attention chapter (a character-level GPT on the Tang poems).

* the model: shapes, the causal mask (a non-persistent buffer; no position sees a later one), torch's
  state_dict names, GPT-2's initialisation, tied weights;
* AdamW's decay/no-decay groups and the warm-up + cosine schedule, against real torch's optimiser and
  scheduler running the example's own functions;
* a short run prints its reports, draws the PNG, saves the weights, and --generate reloads them;
* training matches real PyTorch step for step: the example's very source, run once with
  `import tinygrad_edu as torch` and once with `import torch`, from the same weights and batches.
"""
import math
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from helpers import load_example

import tinygrad_edu

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "poem_gpt.py"
IMPORTS = [("import tinygrad_edu as torch", "import torch"), ("import tinygrad_edu.nn as nn", "import torch.nn as nn"),
           ("import tinygrad_edu.nn.functional as F", "import torch.nn.functional as F")]
QUICK = ["--poems", "12", "--valid-every", "4", "--layers", "2", "--heads", "2", "--embed", "16", "--block-size", "16",
         "--batch-size", "4", "--steps", "6", "--warmup", "2", "--eval-every", "3", "--eval-batches", "2",
         "--length", "20", "--num-samples", "2", "--check-samples", "2"]
TINY = {"n_embd": 16, "n_head": 2, "n_layer": 2, "block_size": 8}


@pytest.fixture(scope="module")
def gpt():
    return load_example("poem_gpt.py")


@pytest.fixture(scope="module")
def torch_gpt():
    """The example's source with torch's imports in place of tinygrad_edu's: the same lines on real torch."""
    import torch as torch
    source = EXAMPLE.read_text(encoding="utf-8")
    for ours, theirs in IMPORTS:
        assert source.count(ours) == 1, ours
        source = source.replace(ours, theirs)
    module = types.ModuleType("poem_gpt_on_torch")
    module.__file__ = str(EXAMPLE)
    exec(compile(source, str(EXAMPLE), "exec"), module.__dict__)
    assert module.torch is torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # tiny matrices: extra threads only add contention on a busy CI box
    yield module
    torch.set_num_threads(threads)


def _copy_weights(model, ref, torch):
    ref.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()})


# ----------------------------------------------------------------------------- the model
def test_shapes_mask_buffer_and_state_dict_names(gpt, torch_gpt):
    tinygrad_edu.manual_seed(0)
    model = gpt.PoemGPT(50, **TINY)
    ref = torch_gpt.PoemGPT(50, **TINY)
    assert list(model.state_dict()) == list(ref.state_dict())          # torch's names, in torch's order
    assert not any("mask" in k for k in model.state_dict())            # persistent=False
    mask = model.blocks[0].attn.mask
    assert dict(model.named_buffers())["blocks.0.attn.mask"] is mask
    np.testing.assert_array_equal(mask.numpy(), np.tril(np.ones((8, 8), np.float32)))
    idx = tinygrad_edu.randint(50, (3, 8))
    logits, loss = model(idx, idx)
    assert tuple(logits.shape) == (3, 8, 50) and loss.shape == ()
    with pytest.raises(ValueError, match="9 characters is longer than block_size 8"):
        model(tinygrad_edu.zeros(1, 9, dtype=tinygrad_edu.int64))
    with pytest.raises(ValueError, match="n_embd 10 must be a multiple of n_head 4"):
        gpt.CausalSelfAttention(10, 4, 8)


def test_no_position_sees_the_future(gpt):
    tinygrad_edu.manual_seed(1)
    model = gpt.PoemGPT(30, **TINY).eval()
    idx = tinygrad_edu.randint(30, (2, 8))
    changed = idx.clone()
    changed[:, 5:] = (changed[:, 5:] + 1) % 30
    with tinygrad_edu.no_grad():
        a, b = model(idx)[0].numpy(), model(changed)[0].numpy()
    np.testing.assert_array_equal(a[:, :5], b[:, :5])                  # positions 0..4 never saw 5..7
    assert np.abs(a[:, 5:] - b[:, 5:]).min() > 0


def test_sdpa_is_the_written_out_attention(gpt):
    """--sdpa: F.scaled_dot_product_attention(is_causal=True) computes what the manual lines compute."""
    tinygrad_edu.manual_seed(4)
    manual = gpt.PoemGPT(30, **TINY)
    fused = gpt.PoemGPT(30, **TINY, sdpa=True)
    fused.load_state_dict(manual.state_dict())
    idx = tinygrad_edu.randint(30, (3, 8))
    (a, la), (b, lb) = manual(idx, idx), fused(idx, idx)
    np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-5, atol=1e-6)
    la.backward()
    lb.backward()
    for (name, p), q in zip(manual.named_parameters(), fused.parameters()):
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-7, err_msg=name)


def test_gpt2_initialisation_and_tied_weights(gpt):
    tinygrad_edu.manual_seed(2)
    model = gpt.PoemGPT(400, n_embd=64, n_head=4, n_layer=2, block_size=32)
    for name, p in model.named_parameters():
        values = p.detach().numpy()
        if name.endswith("bias"):
            assert (values == 0).all(), name                              # Linear and LayerNorm biases
        elif ".ln" in name or name.startswith("ln_f"):
            assert (values == 1).all(), name                              # LayerNorm gains
        else:
            assert abs(values.std() - 0.02) < 0.003 and abs(values.mean()) < 0.002, name
    tied = gpt.PoemGPT(400, n_embd=64, n_head=4, n_layer=2, block_size=32, tie_weights=True)
    assert tied.head.weight is tied.tok_emb.weight
    assert sum(p.numel() for p in tied.parameters()) == sum(p.numel() for p in model.parameters()) - 400 * 64


def test_param_groups_decay_the_matrices_only(gpt):
    model = gpt.PoemGPT(40, **TINY, tie_weights=True)
    decay, no_decay = gpt.param_groups(model, 0.1)
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    names = {id(p): n for n, p in model.named_parameters()}
    matrices = sorted(n for n, p in model.named_parameters() if p.dim() == 2)
    assert sorted(names[id(p)] for p in decay["params"]) == matrices
    assert all(names[id(p)].endswith(("bias", "ln1.weight", "ln2.weight", "ln_f.weight")) for p in no_decay["params"])
    count = len(decay["params"]) + len(no_decay["params"])
    assert count == len(list(model.parameters())) == 2 + 2 * 12 + 2      # no head.weight: it is tok_emb.weight


def test_schedule_against_torchs_scheduler(gpt, torch_gpt):
    """The example's LambdaLR schedule on both libraries, and its shape: a warm-up to the peak, a cosine to lr/10."""
    torch = torch_gpt.torch
    lrs = {}
    for lib, name in ((tinygrad_edu, "ours"), (torch, "torch")):
        opt = lib.optim.AdamW([lib.zeros(2, requires_grad=True)], lr=0.01)
        scheduler = lib.optim.lr_scheduler.LambdaLR(opt, gpt.warmup_cosine(10, 50))
        lrs[name] = []
        for _ in range(60):
            lrs[name].append(opt.param_groups[0]["lr"])
            opt.step()
            scheduler.step()
    np.testing.assert_allclose(lrs["ours"], lrs["torch"], rtol=1e-12)
    lr = np.array(lrs["ours"])
    np.testing.assert_allclose(lr[:10], 0.01 * np.arange(1, 11) / 10)
    assert (np.diff(lr[10:50]) < 0).all() and lr[50:] == pytest.approx(0.001)
    assert lr[30] == pytest.approx(0.001 + 0.009 * 0.5 * (1 + math.cos(math.pi * 20 / 40)))


# ----------------------------------------------------------------------------- the command line
def test_help_explains_every_option(gpt):
    run = subprocess.run([sys.executable, str(EXAMPLE), "--help"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0
    _, parser = gpt.parse_args([])
    for action in parser._actions:
        assert action.help, action.dest
        assert action.option_strings[-1] in run.stdout
    for option in ("--sdpa", "--tie-weights", "--warmup", "--weight-decay", "--generate", "--top-k"):
        assert option in run.stdout


@pytest.mark.parametrize("argv,message", [
    (["--prompt", "床前abc"], "characters that are not in the vocabulary: abc"),
    (["--embed", "30", "--heads", "4"], "--embed must be a multiple of --heads 4, got 30"),
    (["--dropout", "1"], "--dropout must be in [0, 1)"),
    (["--block-size", "5000", "--poems", "12"], "shorter than --block-size 5000"),
])
def test_bad_options_stop_with_a_message(gpt, tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as stop:
        gpt.main(argv + ["--out", str(tmp_path)])
    assert stop.value.code == 2 and message in capsys.readouterr().err


def test_short_run_then_generate_from_the_saved_weights(gpt, tmp_path, capsys):
    import matplotlib.image as mpimg
    res = gpt.main(QUICK + ["--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "data: 12 poems (9 to train on" in out and "3 held out" in out and "... x 2 blocks" in out
    assert "step     3/6  train loss" in out and "step     6/6  train loss" in out and "held-out loss" in out
    assert "step     0/6  train loss" in out and out.count("  sample: 床前") == 3
    assert "2 samples from the saved weights" in out
    assert len(res["step_losses"]) == len(res["lrs"]) == 6 and [r["step"] for r in res["history"]] == [0, 3, 6]
    assert res["lrs"][:2] == pytest.approx([1e-3, 2e-3])                  # the warm-up
    assert abs(res["history"][0]["train"] - math.log(len(res["vocab"]))) < 0.05   # N(0, 0.02): nearly uniform
    img = mpimg.imread(str(tmp_path / "loss.png"))
    assert img.ndim == 3 and img.shape[0] > 100 and img[..., :3].std() > 0.05

    saved = tinygrad_edu.load(tmp_path / "poem_gpt.pth")
    assert saved["vocab"] == res["vocab"].chars and saved["config"]["n_layer"] == 2
    assert set(saved["state_dict"]) == set(res["model"].state_dict())
    assert "blocks.0.attn.mask" not in saved["state_dict"]
    gen = gpt.main(["--generate", "--out", str(tmp_path), "--num-samples", "3", "--length", "12", "--seed", "5"])
    out = capsys.readouterr().out
    assert f"loaded {tmp_path / 'poem_gpt.pth'}: 2 layers, 2 heads, C = 16, vocabulary {len(res['vocab'])}" in out
    assert len(gen["samples"]) == 3 and all(s.startswith("床前") and len(s) <= 14 for s in gen["samples"])
    for name, value in res["model"].state_dict().items():
        np.testing.assert_array_equal(gen["model"].state_dict()[name].numpy(), value.numpy(), err_msg=name)
    again = gpt.main(["--generate", "--weights", str(tmp_path / "poem_gpt.pth"), "--num-samples", "3",
                      "--length", "12", "--seed", "5"])
    assert again["samples"] == gen["samples"]                     # the seed fixes the samples
    with pytest.raises(SystemExit):
        gpt.main(["--generate", "--out", str(tmp_path / "nothing")])
    assert "no checkpoint at" in capsys.readouterr().err


# ----------------------------------------------------------------------------- parity with PyTorch
@pytest.mark.parametrize("tie,sdpa", [(False, False), (True, True)])
def test_training_matches_torch(gpt, torch_gpt, tie, sdpa):
    torch = torch_gpt.torch
    poems = gpt.load_poems(limit=12)
    vocab = gpt.Vocabulary("".join(p + gpt.END for p in poems))
    data = tinygrad_edu.tensor(gpt.corpus_ids(vocab, poems))
    tinygrad_edu.manual_seed(3)
    model = gpt.PoemGPT(len(vocab), **TINY, tie_weights=tie, sdpa=sdpa)
    ref = torch_gpt.PoemGPT(len(vocab), **TINY, tie_weights=tie, sdpa=sdpa)
    _copy_weights(model, ref, torch)
    opts = []
    for lib, mod, m in ((tinygrad_edu, gpt, model), (torch, torch_gpt, ref)):
        opt = lib.optim.AdamW(mod.param_groups(m, 0.1), lr=3e-3, betas=(0.9, 0.95))
        opts.append((opt, lib.optim.lr_scheduler.LambdaLR(opt, mod.warmup_cosine(2, 6))))
    for step in range(6):
        x, y = gpt.get_batch(data, 8, 4)
        ours = gpt.train_step(model, *opts[0], x, y, clip=0.5)
        theirs = torch_gpt.train_step(ref, *opts[1], torch.from_numpy(x.numpy()), torch.from_numpy(y.numpy()), clip=0.5)
        assert ours == pytest.approx(theirs, rel=1e-5), step
        # atol (0.3% of an lr step): the keys' bias has a gradient of zero in exact arithmetic (softmax
        # ignores a constant added to every score), so both libraries' gradients there are rounding noise,
        # which Adam divides by its own size (seen: 2e-6 apart after 3 steps)
        for name, value in ref.state_dict().items():
            np.testing.assert_allclose(model.state_dict()[name].numpy(), value.numpy(), rtol=1e-4, atol=1e-5,
                                       err_msg=f"{name} after step {step}")
    assert ours < math.log(len(vocab))
    # greedy continuation (top-1) of the trained models: the same characters
    idx = tinygrad_edu.tensor(vocab.encode(gpt.END + "床前")).view(1, -1)
    a = gpt.generate(model, idx, 10, top_k=1)
    b = torch_gpt.generate(ref, torch.from_numpy(idx.numpy()), 10, top_k=1)
    assert a.tolist() == b.tolist() and len(a[0]) == 13
