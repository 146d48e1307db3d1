# Does y = f(x) + x keep gradients alive through depth? Two 32-layer MLPs of tanh blocks, one
# plain and one residual, fed a batch of 64 vectors of width 64 (the course's residual question).
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, width, residual):
        super().__init__()
        self.fc = nn.Linear(width, width)
        self.residual = residual

    def forward(self, x):
        y = torch.tanh(self.fc(x))
        return x + y if self.residual else y


class DeepMLP(nn.Module):
    def __init__(self, width=64, depth=32, residual=True):
        super().__init__()
        self.blocks = nn.Sequential(*[Block(width, residual) for _ in range(depth)])
        self.head = nn.Linear(width, 1)

    def forward(self, x):
        return self.head(self.blocks(x))


plain = DeepMLP(residual=False)
residual = DeepMLP(residual=True)
out = residual(torch.randn(64, 64))
