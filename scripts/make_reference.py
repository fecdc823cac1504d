#!/usr/bin/python3
"""Writes the PyTorch reference fixtures of tests/test_reference.c.

Run by hand with Debian's python3-torch and python3-h5py (never needed by
`make test`):  scripts/make_reference.py [tests/fixtures]

For every cell kind (rnn_tanh, rnn_relu, lstm, gru) and four shapes (one-hot
input with one layer; embedding input with two layers; two layers with the
embedding tied to the decoder; the regression head of d2l 8.1 with two
layers: one real input a step, nn.Linear(H, 1), MSE of the last step's
output) it builds torch.nn.Embedding / nn.RNN / nn.LSTM
/ nn.GRU / nn.Linear with fixed random float32 weights, runs one batch forward
and backward in float64 from a random initial state, and saves to
<cell>_<shape>.h5:
  attributes  cell, V, E, H, L, B, T, embedding, tie
  /weights/<PyTorch name>  float32, PyTorch's shapes
  /X, /Y      (B, T) int32 inputs and targets, batch-major as the samplers;
              regression (attribute regression = 1): /X (B, T) float32
              values, /Y (B,) float32 targets of the last step, /loss the
              mean over B of F.mse_loss
  /h0, /c0    (L, B, H) initial state (c0 for LSTM only)
  /logits     (T*B, V) float64, time-major rows t*B + b
  /loss       scalar float64, mean cross-entropy over T*B targets
  /grads/<PyTorch name>  float64 gradients (tied: the shared total)
  /dh0, /dc0  (L, B, H) float64 gradients of the initial state
"""
import functools
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CELLS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]
SHAPES = {  # name: (V, E, H, L, embedding, tie)
    "onehot": (7, 0, 6, 1, False, False),
    "embedding": (9, 5, 4, 2, True, False),
    "tied": (8, 5, 5, 2, True, True),
    "regression": (1, 1, 5, 2, False, False),
}
B, T = 3, 4


class LanguageModel(nn.Module):
    def __init__(self, cell, V, E, H, L, embedding, tie):
        super().__init__()
        self.V, self.H, self.use_embedding = V, H, embedding
        if embedding:
            self.embedding = nn.Embedding(V, E)
        inp = E if embedding else V
        if cell.startswith("rnn"):
            self.rnn = nn.RNN(inp, H, L, nonlinearity=cell[4:])
        elif cell == "lstm":
            self.rnn = nn.LSTM(inp, H, L)
        else:
            self.rnn = nn.GRU(inp, H, L)
        self.dense = nn.Linear(H, V)
        if tie:
            self.dense.weight = self.embedding.weight

    def forward(self, X, state):  # X (T, B); regression: (T, B, 1) values
        if X.is_floating_point():
            x = X
        elif self.use_embedding:
            x = self.embedding(X)
        else:
            x = F.one_hot(X, self.V).to(self.dense.weight.dtype)
        y, state = self.rnn(x, state)
        return self.dense(y.reshape(-1, self.H)), state


def write_case(path, cell, shape, seed):
    V, E, H, L, embedding, tie = SHAPES[shape]
    torch.manual_seed(seed)
    model = LanguageModel(cell, V, E, H, L, embedding, tie)
    with torch.no_grad():  # spread the weights so every gate saturates a bit
        for p in model.parameters():
            p.uniform_(-0.6, 0.6)
    weights = {k: v.detach().float().numpy().copy()
               for k, v in model.state_dict().items()}
    model = model.double()
    regression = shape == "regression"
    if regression:
        X = (torch.rand(B, T, dtype=torch.float32) * 2 - 1)
        Y = (torch.rand(B, dtype=torch.float32) * 2 - 1)
    else:
        X = torch.randint(0, V, (B, T))
        Y = torch.randint(0, V, (B, T))
    h0 = (torch.rand(L, B, H, dtype=torch.float32) - 0.5).double()
    c0 = (torch.rand(L, B, H, dtype=torch.float32) - 0.5).double()
    h0.requires_grad_(True)
    c0.requires_grad_(True)
    state = (h0, c0) if cell == "lstm" else h0
    if regression:
        logits, _ = model(X.double().t().contiguous().unsqueeze(-1), state)
        loss = F.mse_loss(logits[-B:, 0], Y.double())
    else:
        logits, _ = model(X.t().contiguous(), state)
        loss = F.cross_entropy(logits, Y.t().reshape(-1))
    loss.backward()
    # Resolve each state_dict name to its parameter (tied names share one).
    named = {k: functools.reduce(getattr, k.split("."), model) for k in weights}
    with h5py.File(path, "w") as f:
        f.attrs.update(dict(cell=cell, V=V, E=E, H=H, L=L, B=B, T=T,
                            embedding=int(embedding), tie=int(tie)))
        if regression:
            f.attrs["regression"] = 1
        for k, v in weights.items():
            f["weights/" + k] = v
        kind = np.float32 if regression else np.int32
        f["X"] = X.numpy().astype(kind)
        f["Y"] = Y.numpy().astype(kind)
        f["h0"] = h0.detach().float().numpy()
        f["logits"] = logits.detach().numpy()
        f["loss"] = loss.item()
        for k in weights:
            f["grads/" + k] = named[k].grad.numpy()
        f["dh0"] = h0.grad.numpy()
        if cell == "lstm":
            f["c0"] = c0.detach().float().numpy()
            f["dc0"] = c0.grad.numpy()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures"
    os.makedirs(out, exist_ok=True)
    seed = 1
    for k, cell in enumerate(CELLS):
        for shape in SHAPES:
            path = os.path.join(out, f"{cell}_{shape}.h5")
            if shape == "regression":  # added later: the others keep their seeds
                write_case(path, cell, shape, 100 + k)
                print("wrote", path)
                continue
            write_case(path, cell, shape, seed)
            seed += 1
            print("wrote", path)


if __name__ == "__main__":
    main()
