# A tiny DenseNet-BC (Huang et al. 2017) for 32x32 images: each dense layer (BN-ReLU-1x1 conv,
# BN-ReLU-3x3 conv) adds growth_rate new channels and concatenates them onto its input; a
# transition (BN-ReLU-1x1 conv, 2x2 average pool) halves channels and resolution between the
# two dense blocks. Input: one RGB 32x32 image; output: 10 class scores.
import torch
import torch.nn as nn
import torch.nn.functional as F


class DenseLayer(nn.Module):
    def __init__(self, in_channels, growth_rate, bn_size=4):
        super().__init__()
        inter_channels = bn_size * growth_rate  # width of the 1x1 bottleneck
        self.norm1 = nn.BatchNorm2d(in_channels)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(in_channels, inter_channels, kernel_size=1, bias=False)
        self.norm2 = nn.BatchNorm2d(inter_channels)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(inter_channels, growth_rate, kernel_size=3, padding=1, bias=False)

    def forward(self, x):
        out = self.conv1(self.relu1(self.norm1(x)))
        out = self.conv2(self.relu2(self.norm2(out)))
        return torch.cat([x, out], 1)


class DenseBlock(nn.Module):
    def __init__(self, num_layers, in_channels, growth_rate):
        super().__init__()
        layers = []
        for i in range(num_layers):
            layers.append(DenseLayer(in_channels + i * growth_rate, growth_rate))
        self.layers = nn.ModuleList(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class Transition(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.norm = nn.BatchNorm2d(in_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)

    def forward(self, x):
        return self.pool(self.conv(self.relu(self.norm(x))))


class TinyDenseNet(nn.Module):
    def __init__(self, growth_rate=12, block_config=(4, 4), num_classes=10):
        super().__init__()
        channels = 2 * growth_rate
        self.conv0 = nn.Conv2d(3, channels, kernel_size=3, padding=1, bias=False)

        self.block1 = DenseBlock(block_config[0], channels, growth_rate)
        channels = channels + block_config[0] * growth_rate  # 24 + 4 * 12 = 72
        self.trans1 = Transition(channels, channels // 2)
        channels = channels // 2  # compression 0.5: 36

        self.block2 = DenseBlock(block_config[1], channels, growth_rate)
        channels = channels + block_config[1] * growth_rate  # 36 + 4 * 12 = 84

        self.norm = nn.BatchNorm2d(channels)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x):
        out = self.conv0(x)
        out = self.trans1(self.block1(out))
        out = self.block2(out)
        out = F.relu(self.norm(out))
        out = F.adaptive_avg_pool2d(out, (1, 1))
        out = torch.flatten(out, 1)
        return self.classifier(out)


model = TinyDenseNet()
scores = model(torch.randn(1, 3, 32, 32))
