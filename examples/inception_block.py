# A GoogLeNet-style network (Szegedy et al. 2015) cut down for 32x32 images: a 3x3 stem, two
# Inception modules with a stride-2 max pool between them, then global average pooling and a
# linear classifier. Each Inception module runs four branches side by side (1x1; 1x1 then 3x3;
# 1x1 then 5x5; 3x3 max pool then 1x1) and concatenates them along the channels.
# Input: one RGB 32x32 image; output: 10 class scores.
import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicConv2d(nn.Module):
    """Convolution without bias, batch norm, ReLU."""

    def __init__(self, in_channels, out_channels, **kwargs):
        super(BasicConv2d, self).__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        x = self.conv(x)
        x = self.bn(x)
        return F.relu(x, inplace=True)


class Inception(nn.Module):
    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
        super(Inception, self).__init__()
        self.branch1 = BasicConv2d(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(
            BasicConv2d(in_channels, ch3x3red, kernel_size=1),
            BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1),
        )
        self.branch3 = nn.Sequential(
            BasicConv2d(in_channels, ch5x5red, kernel_size=1),
            BasicConv2d(ch5x5red, ch5x5, kernel_size=5, padding=2),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
            BasicConv2d(in_channels, pool_proj, kernel_size=1),
        )

    def forward(self, x):
        b1 = self.branch1(x)
        b2 = self.branch2(x)
        b3 = self.branch3(x)
        b4 = self.branch4(x)
        # every branch keeps the spatial size, so they stack along dim 1
        return torch.cat([b1, b2, b3, b4], 1)


class MiniGoogLeNet(nn.Module):
    def __init__(self, num_classes=10):
        super(MiniGoogLeNet, self).__init__()
        self.stem = BasicConv2d(3, 64, kernel_size=3, padding=1)
        self.inception1 = Inception(64, 32, 48, 64, 8, 16, 16)  # 32 + 64 + 16 + 16 = 128 out
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.inception2 = Inception(128, 64, 64, 96, 16, 32, 32)  # 64 + 96 + 32 + 32 = 224 out
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(224, num_classes)

    def forward(self, x):
        x = self.stem(x)
        x = self.inception1(x)
        x = self.pool(x)
        x = self.inception2(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.fc(x)
        return x


model = MiniGoogLeNet()
logits = model(torch.randn(1, 3, 32, 32))
