# A 2-layer bidirectional LSTM with projections, fed a batch of 32 sequences of 40 steps.
import torch
import torch.nn as nn

lstm = nn.LSTM(input_size=64, hidden_size=128, num_layers=2, batch_first=True,
               bidirectional=True, proj_size=32)
output, (h_n, c_n) = lstm(torch.randn(32, 40, 64))
