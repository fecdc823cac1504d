#!/usr/bin/python3
"""Prints the reference parameter values of tests/test_optim.c: five steps
of each torch.optim optimizer (float64) on the loss sum(w * (p - c)^2).
Run by hand with Debian's python3-torch; paste the output into the test."""
import torch

P0 = [0.5, -1.0, 2.0, 0.0]
C = torch.tensor([1.0, 2.0, -1.0, 0.3], dtype=torch.float64)
W = torch.tensor([1.0, 0.5, 2.0, 3.0], dtype=torch.float64)
CASES = [
    ("sgd", torch.optim.SGD, dict(lr=0.1)),
    ("sgd momentum wd", torch.optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
    ("sgd nesterov wd", torch.optim.SGD,
     dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("adam wd", torch.optim.Adam, dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)),
    ("adamw", torch.optim.AdamW, dict(lr=0.1, betas=(0.8, 0.99), eps=1e-8, weight_decay=0.1)),
    ("rmsprop wd", torch.optim.RMSprop, dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.01)),
    ("rmsprop momentum", torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, eps=1e-8, momentum=0.5)),
    ("adagrad wd", torch.optim.Adagrad, dict(lr=0.1, eps=1e-10, weight_decay=0.01)),
]
for name, cls, kw in CASES:
    p = torch.tensor(P0, dtype=torch.float64, requires_grad=True)
    opt = cls([p], **kw)
    for _ in range(5):
        opt.zero_grad()
        (W * (p - C) ** 2).sum().backward()
        opt.step()
    print(f"    /* {name}: {kw} */")
    print("    {" + ", ".join(f"{v:.12f}" for v in p.tolist()) + "},")
