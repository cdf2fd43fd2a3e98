"""examples/poem_rnn.py: the course's RNN chapter (character-level Tang poem generation).

* the shipped poems are the shared file, with their MIT notice;
* vocabulary and windows are checked against the text itself;
* sampling: temperature and top-k do what they say (by statistics: our random stream is not torch's);
* a short run prints its epochs, draws the PNG, saves the weights, and --generate reloads them;
* training matches real PyTorch step for step: same initial weights (copied through numpy), same
  batches, the example's own train_epoch (Adam + clip_grad_norm_) against torch's loop, for every cell.
"""
import hashlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import load_example

import tinygrad_edu

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "poem_rnn.py"
POEMS = ROOT / "examples" / "data" / "tang_poems.txt"
SHA256 = "0a6e465fab08722030c36fd9bbb09ec335733e3734dd4aaca43dacf6d50ba529"
QUICK = ["--poems", "12", "--seq-len", "16", "--stride", "8", "--embed", "8", "--hidden", "16", "--epochs", "2",
         "--batch-size", "8", "--length", "30", "--num-samples", "2", "--valid-every", "4", "--check-samples", "3"]


@pytest.fixture(scope="module")
def poem():
    return load_example("poem_rnn.py")


def _png_is_drawn(path):
    import matplotlib.image as mpimg
    img = mpimg.imread(str(path))
    return img.ndim == 3 and img.shape[0] > 100 and img[..., :3].std() > 0.05


# ----------------------------------------------------------------------------- the data
def test_shipped_poems_and_notice():
    raw = POEMS.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SHA256
    lines = raw.decode("utf-8").split("\n")
    assert lines[-1] == "" and len(lines) == 321               # 320 poems, a final newline
    text = "".join(lines)
    assert len(text) == 22706 and len(set(text)) == 2488
    assert lines[10] == "床前明月光，疑是地上霜，举头望明月，低头思故乡。"
    notice = (POEMS.parent / "tang_poems.NOTICE.md").read_text(encoding="utf-8")
    for needle in ("chinese-poetry/chinese-poetry", "Copyright (c) 2016 JackeyGao", "The MIT License (MIT)",
                   "Permission is hereby granted, free of charge", 'THE SOFTWARE IS PROVIDED "AS IS"', SHA256):
        assert needle in notice, needle


def test_vocabulary_is_every_character_of_the_text(poem):
    poems = poem.load_poems()
    text = "".join(p + poem.END for p in poems)
    vocab = poem.Vocabulary(text)
    assert len(poems) == 320 and len(vocab) == 2489               # 2,488 characters + the end mark
    assert vocab.chars == sorted(set(text)) and len(set(vocab.chars)) == len(vocab)
    ids = poem.corpus_ids(vocab, poems)
    assert ids.dtype == np.int64 and len(ids) == len(text) == 22706 + 320
    assert [vocab.chars[i] for i in ids[:40]] == list(text[:40])
    assert vocab.decode(ids) == text
    assert vocab.unknown("床前X光aX") == ["X", "a"] and vocab.unknown("床前") == []
    assert poem.load_poems(limit=3) == poems[:3]


@pytest.mark.parametrize("seq_len,stride", [(48, 8), (16, 16), (5, 3)])
def test_windows_are_slices_of_the_text_shifted_by_one(poem, seq_len, stride):
    poems = poem.load_poems(limit=20)
    text = "".join(p + poem.END for p in poems)
    vocab = poem.Vocabulary(text)
    data = poem.PoemWindows(poem.corpus_ids(vocab, poems), seq_len, stride)
    starts = [s for s in range(0, len(text), stride) if s + seq_len + 1 <= len(text)]
    assert len(data) == len(starts)
    for i in (0, 1, len(data) // 2, len(data) - 1):
        x, y = data[i]
        assert x.dtype == tinygrad_edu.int64 and tuple(x.shape) == tuple(y.shape) == (seq_len,)
        assert vocab.decode(x.numpy()) == text[starts[i]:starts[i] + seq_len]
        assert vocab.decode(y.numpy()) == text[starts[i] + 1:starts[i] + seq_len + 1]
    x, y = next(iter(poem.DataLoader(data, batch_size=4)))
    assert tuple(x.shape) == (4, seq_len) and vocab.decode(x.numpy()[1]) == text[stride:stride + seq_len]


def test_held_out_poems_and_line_lengths(poem):
    poems = poem.load_poems()
    train, valid = poem.split_poems(poems, 20)
    assert len(valid) == 16 and valid == poems[::20] and len(train) == 304
    assert sorted(train + valid) == sorted(poems)
    assert poem.split_poems(poems, 0) == (poems, [])
    assert poem.line_lengths("床前明月光，疑是地上霜，举头望明月，低头思故乡。") == [5, 5, 5, 5]
    assert poem.line_lengths("少小离家老大回，乡音无改鬓毛衰。\n儿童") == [7, 7]
    assert poem.describe_lines("床前明月") == "no punctuation yet"
    assert poem.verse_share(["床前明月光，疑是地上霜。", "一二三四，"]) == pytest.approx(2 / 3)
    assert poem.verse_share(["", "无标点"]) == 0.0
    lines = [line for p in poems for line in re.split("[，。？！；：]", p)[:-1]]   # every poem ends in one
    assert poem.verse_share(poems) == pytest.approx(np.mean([len(line) in (5, 7) for line in lines]))
    assert poem.describe_lines("床前明月光，疑是。") == "line lengths 5 2 (1/2 of 5 or 7)"


# ----------------------------------------------------------------------------- sampling
def test_temperature_and_top_k(poem):
    logits = tinygrad_edu.tensor([2.0, 1.0, 0.5, 0.0, -1.0])
    gen = tinygrad_edu.Generator().manual_seed(0)
    assert {poem.next_char(logits, 1.0, 1, gen) for _ in range(20)} == {0}       # top-1 = argmax
    assert {poem.next_char(logits, 1e-3, 0, gen) for _ in range(20)} == {0}     # T -> 0 = argmax
    n = 4000
    draws = np.array([poem.next_char(logits, 1.0, 2, gen) for _ in range(n)])
    assert set(draws) == {0, 1}                                                  # only the top 2
    p0 = 1 / (1 + np.exp(-1.0))                                                  # softmax([2, 1])[0]
    assert abs((draws == 0).mean() - p0) < 4 * np.sqrt(p0 * (1 - p0) / n)
    hot = np.array([poem.next_char(logits, 2.0, 0, gen) for _ in range(n)])
    expected = np.exp(logits.numpy() / 2) / np.exp(logits.numpy() / 2).sum()
    counts = np.bincount(hot, minlength=5)
    assert ((counts - n * expected) ** 2 / (n * expected)).sum() < 18.5         # chi-square, 4 dof, p = 0.001


# ----------------------------------------------------------------------------- the command line
def test_help_explains_every_option(poem):
    run = subprocess.run([sys.executable, str(EXAMPLE), "--help"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0
    _, parser = poem.parse_args([])
    for action in parser._actions:
        assert action.help, action.dest
        assert action.option_strings[-1] in run.stdout
    for option in ("--cell", "--prompt", "--temperature", "--top-k", "--generate", "--clip", "--out"):
        assert option in run.stdout


@pytest.mark.parametrize("argv,message", [
    (["--prompt", "床前abc"], "characters that are not in the vocabulary: abc"),
    (["--temperature", "0"], "--temperature must be > 0"),
    (["--hidden", "0"], "--hidden must be >= 1"),
    (["--cell", "transformer"], "invalid choice: 'transformer'"),
    (["--seq-len", "5000", "--poems", "12"], "shorter than --seq-len 5000"),
])
def test_bad_options_stop_with_a_message(poem, tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as stop:
        poem.main(argv + ["--out", str(tmp_path)])
    assert stop.value.code == 2 and message in capsys.readouterr().err


def test_generate_without_a_checkpoint_says_so(poem, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        poem.main(["--generate", "--out", str(tmp_path)])
    assert stop.value.code == 2 and "no checkpoint at" in capsys.readouterr().err


def test_short_run_then_generate_from_the_saved_weights(poem, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)   # a terminal: the progress bar shows
    res = poem.main(QUICK + ["--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "data: 12 poems (9 to train on, 3 held out)" in out and "LSTM(8, 16, batch_first=True)" in out
    assert "\r  epoch 1/2 [" in out and "epoch   2/2  loss" in out and "held-out perplexity" in out
    assert out.count("; in 3 samples ") == 2 and "of the lines have 5 or 7 characters" in out
    assert out.count("  sample: 床前") == 2 and "2 samples from the saved weights" in out
    history = res["history"]
    assert len(history) == 2 and history[1]["loss"] < history[0]["loss"]
    assert history[0]["perplexity"] == pytest.approx(np.exp(np.mean(res["step_losses"][:len(res["step_losses"]) // 2])))
    assert _png_is_drawn(tmp_path / "loss.png")

    saved = tinygrad_edu.load(tmp_path / "poem_rnn.pth")
    assert saved["vocab"] == res["vocab"].chars and saved["config"]["cell"] == "lstm"
    for name, value in res["model"].state_dict().items():
        np.testing.assert_array_equal(saved["state_dict"][name].numpy(), value.numpy(), err_msg=name)

    gen = poem.main(["--generate", "--out", str(tmp_path), "--num-samples", "3", "--length", "20", "--seed", "5"])
    out = capsys.readouterr().out
    assert f"loaded {tmp_path / 'poem_rnn.pth'}: LSTM, vocabulary {len(res['vocab'])}" in out
    assert len(gen["samples"]) == 3 and all(s.startswith("床前") and len(s) <= 22 for s in gen["samples"])
    assert all(set(s) <= set(res["vocab"].chars) for s in gen["samples"])
    for name, value in res["model"].state_dict().items():
        np.testing.assert_array_equal(gen["model"].state_dict()[name].numpy(), value.numpy(), err_msg=name)
    again = poem.main(["--generate", "--weights", str(tmp_path / "poem_rnn.pth"), "--num-samples", "3",
                       "--length", "20", "--seed", "5"])
    assert again["samples"] == gen["samples"]                     # the seed fixes the samples


# ----------------------------------------------------------------------------- parity with PyTorch
def _torch_model(torch, vocab_size, embed, hidden, cell, layers):
    class TorchPoemModel(torch.nn.Module):   # the example's model, in real torch
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(vocab_size, embed)
            rnn = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell]
            self.rnn = rnn(embed, hidden, num_layers=layers, batch_first=True)
            self.fc = torch.nn.Linear(hidden, vocab_size)

        def forward(self, x, state=None):
            output, state = self.rnn(self.embedding(x), state)
            return self.fc(output), state
    return TorchPoemModel()


@pytest.mark.parametrize("cell,layers", [("gru", 1), ("lstm", 2), ("rnn", 1)])
def test_training_matches_torch(poem, cell, layers):
    import torch as torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # tiny matrices: extra threads only add contention on a busy CI box
    try:
        _check_against_torch(poem, torch, cell, layers)
    finally:
        torch.set_num_threads(threads)


def _check_against_torch(poem, torch, cell, layers):
    poems = poem.load_poems(limit=12)
    vocab = poem.Vocabulary("".join(p + poem.END for p in poems))
    data = poem.PoemWindows(poem.corpus_ids(vocab, poems), 12, 6)
    tinygrad_edu.manual_seed(1)
    model = poem.PoemModel(len(vocab), embed_size=8, hidden_size=16, num_layers=layers, cell=cell)
    ref = _torch_model(torch, len(vocab), 8, 16, cell, layers)
    assert list(ref.state_dict()) == list(model.state_dict())     # torch's names, in torch's order
    ref.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()})
    opt = tinygrad_edu.optim.Adam(model.parameters(), lr=1e-2)
    ref_opt = torch.optim.Adam(ref.parameters(), lr=1e-2)
    loss_fn, ref_loss_fn, clip, clipped = tinygrad_edu.nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), 0.05, 0
    for step, (x, y) in zip(range(6), poem.DataLoader(data, batch_size=8, shuffle=True)):
        (ours,) = poem.train_epoch(model, [(x, y)], opt, loss_fn, clip)    # the example's step, on one batch
        tx, ty = torch.from_numpy(x.numpy()), torch.from_numpy(y.numpy())
        logits, _ = ref(tx)
        loss = ref_loss_fn(logits.reshape(-1, logits.shape[-1]), ty.reshape(-1))
        ref_opt.zero_grad()
        loss.backward()
        clipped += float(torch.nn.utils.clip_grad_norm_(ref.parameters(), clip)) > clip
        ref_opt.step()
        assert ours == pytest.approx(loss.item(), rel=1e-5), step
        for name, value in ref.state_dict().items():
            np.testing.assert_allclose(model.state_dict()[name].numpy(), value.numpy(), rtol=1e-4, atol=1e-5,
                                       err_msg=f"{name} after step {step}")
    assert clipped >= 3                                            # the clipping was really exercised
    x = torch.tensor(vocab.encode(poem.END + "床前")).reshape(1, -1)
    with torch.no_grad():
        ref_logits, ref_state = ref(x)
    with tinygrad_edu.no_grad():
        logits, state = model(tinygrad_edu.tensor(x.numpy()))
    np.testing.assert_allclose(logits.numpy(), ref_logits.numpy(), rtol=1e-4, atol=1e-5)
    for ours_s, theirs_s in zip(state if cell == "lstm" else [state], ref_state if cell == "lstm" else [ref_state]):
        np.testing.assert_allclose(ours_s.numpy(), theirs_s.numpy(), rtol=1e-4, atol=1e-5)
