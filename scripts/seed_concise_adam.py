#!/usr/bin/python3
"""Reruns, in PyTorch, the training procedure behind experiment 2 of the
reproduction report (d2lzh §6.5, PyTorch port: nn.RNN 256 on one-hot Jay Chou
characters, Adam lr 1e-3, "clipping" 0.01, consecutive sampling) to find out
which of its details the published perplexities depend on.

Two details of the port's train_and_predict_rnn_pytorch differ from d2l v2:
  * it calls grad_clipping(model.parameters(), ...) with a generator: the
    first loop (the norm) consumes it, so the second loop (the rescale) sees
    no parameters and the gradients are never clipped;
  * it sets state = None once, before the epoch loop, so the last batch's
    state carries into the next epoch's first batch.
Each variant below switches one of them.

    scripts/seed_concise_adam.py [--epochs 250] [--seeds 3]

Prints the mean training perplexity at every 50th epoch per variant. Needs
Debian's python3-torch; run from the repository root (reads data/).
"""
import argparse
import math
import zipfile

import torch
import torch.nn as nn
import torch.nn.functional as F

PUBLISHED = [9.14, 1.27, 1.06, 1.03, 1.02]


def jaychou(limit=10000):
    with zipfile.ZipFile("data/jaychou_lyrics.txt.zip") as z:
        text = z.read("jaychou_lyrics.txt").decode()
    text = text.replace("\n", " ").replace("\r", " ")[:limit]
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    return torch.tensor([index[c] for c in text]), len(chars)


def consecutive(ids, B, T):
    """d2lzh's data_iter_consecutive: B rows of the corpus, T columns a batch."""
    n = len(ids) // B
    rows = ids[:B * n].view(B, n)
    for i in range(0, (n - 1) // T * T, T):
        yield rows[:, i:i + T], rows[:, i + 1:i + T + 1]


class Model(nn.Module):
    def __init__(self, V, H):
        super().__init__()
        self.V = V
        self.rnn = nn.RNN(V, H)
        self.dense = nn.Linear(H, V)

    def forward(self, X, state):
        y, state = self.rnn(F.one_hot(X.T, self.V).float(), state)
        return self.dense(y.reshape(-1, y.shape[-1])), state


def clip_global(params, theta):
    params = list(params)
    norm = math.sqrt(sum(float((p.grad ** 2).sum()) for p in params))
    if norm > theta:
        for p in params:
            p.grad.mul_(theta / norm)


def train(ids, V, seed, epochs, clip, carry):
    torch.manual_seed(seed)
    model = Model(V, 256)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    state, ppl = None, []
    for _ in range(epochs):
        if not carry:
            state = None
        total, count = 0.0, 0
        for X, Y in consecutive(ids, 32, 35):
            if state is not None:
                state = state.detach()
            out, state = model(X, state)
            loss = F.cross_entropy(out, Y.T.reshape(-1))
            opt.zero_grad()
            loss.backward()
            if clip:
                clip_global(model.parameters(), 0.01)
            opt.step()
            total += loss.item() * Y.numel()
            count += Y.numel()
        ppl.append(math.exp(total / count))
    return ppl


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=250)
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    ids, V = jaychou()
    marks = list(range(50, args.epochs + 1, 50))
    print(f"{'variant':44s}" + "".join(f"{e:>9d}" for e in marks))
    print(f"{'published':44s}" + "".join(f"{p:9.2f}" for p in PUBLISHED[:len(marks)]))
    for name, clip, carry in [
            ("as published: no clipping, state carried", False, True),
            ("no clipping, state reset each epoch", False, False),
            ("clipping 0.01 applied, state carried", True, True),
            ("clipping 0.01 applied, state reset", True, False)]:
        runs = [train(ids, V, s, args.epochs, clip, carry) for s in range(args.seeds)]
        mean = [sum(r[e - 1] for r in runs) / len(runs) for e in marks]
        print(f"{name:44s}" + "".join(f"{m:9.2f}" for m in mean), flush=True)


if __name__ == "__main__":
    main()
