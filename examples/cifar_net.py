# The LeNet-like classifier of PyTorch's CIFAR-10 tutorial: two 5x5 convolutions, each followed
# by 2x2 max pooling, then three fully connected layers. Input: a batch of 4 RGB 32x32 images.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)  # one module, used after both convolutions
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))  # 6 x 14 x 14
        x = self.pool(F.relu(self.conv2(x)))  # 16 x 5 x 5
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = Net()
outputs = net(torch.randn(4, 3, 32, 32))
