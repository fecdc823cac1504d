#!/usr/bin/python3
"""The PyTorch side of scripts/bench.sh: the same model, optimizer, clipping
and sequential sampler as a bench config, float32, timed over whole training
steps (forward, loss, backward, clip_grad_norm_, optimizer step).

    scripts/bench_torch.py CONFIG.yaml --threads N [--batches B] [--warmup W]

Prints tokens_per_s=... Needs Debian's python3-torch and python3-yaml; it
reads the bundled data the way core/dataset.c does.
"""
import argparse
import re
import time
import zipfile

import torch
import torch.nn as nn
import torch.nn.functional as F
import yaml

DATA = "data"


def corpus(ds):
    name, limit = ds.get("name", "timemachine"), ds.get("max_tokens")
    if name == "timemachine":
        with open(f"{DATA}/timemachine.txt") as f:
            text = "".join(re.sub("[^A-Za-z]+", " ", l).strip().lower() for l in f)
        tokens = list(text)
        limit = 10000 if limit is None else limit
    elif name == "jaychou":
        with zipfile.ZipFile(f"{DATA}/jaychou_lyrics.txt.zip") as z:
            text = z.read("jaychou_lyrics.txt").decode().replace("\n", " ").replace("\r", " ")
        tokens = list(text)
        limit = 10000 if limit is None else limit
    else:
        with zipfile.ZipFile(f"{DATA}/ptb.zip") as z:
            lines = z.read("ptb/ptb.train.txt").decode().splitlines()
        tokens = [w for line in lines for w in line.split() + ["<eos>"]]
    if limit and limit > 0:
        tokens = tokens[:limit]
    vocab = {"<unk>": 0}
    for t in tokens:
        vocab.setdefault(t, len(vocab))
    return torch.tensor([vocab[t] for t in tokens]), len(vocab)


def batches(ids, B, T):
    """d2l's sequential partitioning, offset zero, cycled."""
    n = (len(ids) - 1) // B * B
    X, Y = ids[:n].reshape(B, -1), ids[1:n + 1].reshape(B, -1)
    while True:
        for i in range(0, X.shape[1] - T + 1, T):
            yield X[:, i:i + T], Y[:, i:i + T]


class LM(nn.Module):
    def __init__(self, m, V):
        super().__init__()
        H, L, p = m.get("hidden", 256), m.get("layers", 1), m.get("dropout", 0.0)
        self.V, self.embed = V, m.get("input", "onehot") == "embedding"
        E = m.get("embed_dim", H) if self.embed else V
        if self.embed:
            self.embedding = nn.Embedding(V, E)
        cell = m.get("cell", "rnn_tanh")
        kw = dict(num_layers=L, dropout=p if L > 1 else 0.0)
        if cell.startswith("rnn"):
            self.rnn = nn.RNN(E, H, nonlinearity=cell[4:], **kw)
        else:
            self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(E, H, **kw)
        self.drop = nn.Dropout(p)
        self.dense = nn.Linear(H, V)

    def forward(self, X, state):  # X (B, T) -> time-major as d2l
        x = self.drop(self.embedding(X.T)) if self.embed else F.one_hot(X.T, self.V).float()
        y, state = self.rnn(x, state)
        return self.dense(self.drop(y).reshape(-1, y.shape[-1])), state


def detach(state):
    if state is None:
        return None
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batches", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cfg = yaml.safe_load(open(a.config))
    ids, V = corpus(cfg.get("dataset", {}))
    s, o = cfg.get("sampler", {}), cfg.get("optimizer", {})
    B, T = s.get("batch_size", 32), s.get("num_steps", 35)
    model = LM(cfg.get("model", {}), V)
    lr = o.get("lr", 1.0)
    opt = (torch.optim.Adam(model.parameters(), lr=lr) if o.get("kind") == "adam"
           else torch.optim.SGD(model.parameters(), lr=lr))
    clip = cfg.get("clip", {}).get("max_norm")
    data, state = batches(ids, B, T), None
    for i in range(a.warmup + a.batches):
        if i == a.warmup:
            start = time.perf_counter()
        X, Y = next(data)
        state = detach(state)
        logits, state = model(X, state)
        loss = F.cross_entropy(logits, Y.T.reshape(-1))
        opt.zero_grad()
        loss.backward()
        if clip:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
    secs = time.perf_counter() - start
    print(f"tokens_per_s={a.batches * B * T / secs:.0f} loss={loss.item():.4f}")


if __name__ == "__main__":
    main()
