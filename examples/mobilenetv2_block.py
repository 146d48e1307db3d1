# A small MobileNetV2 (Sandler et al. 2018) for 32x32 images. Its building block, the inverted
# residual, widens the input with a 1x1 convolution (by expand_ratio), filters each channel with
# a depthwise 3x3, and projects back down with a linear 1x1; the input is added back when the
# block keeps both shape and width. Input: one RGB 32x32 image; output: 10 class scores.
import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBNReLU(nn.Sequential):
    def __init__(self, in_planes, out_planes, kernel_size=3, stride=1, groups=1):
        padding = (kernel_size - 1) // 2
        super(ConvBNReLU, self).__init__(
            nn.Conv2d(in_planes, out_planes, kernel_size, stride, padding, groups=groups,
                      bias=False),
            nn.BatchNorm2d(out_planes),
            nn.ReLU6(inplace=True),
        )


class InvertedResidual(nn.Module):
    def __init__(self, inp, oup, stride, expand_ratio):
        super(InvertedResidual, self).__init__()
        self.stride = stride
        assert stride in [1, 2]

        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = self.stride == 1 and inp == oup

        layers = []
        if expand_ratio != 1:
            # pointwise expansion
            layers.append(ConvBNReLU(inp, hidden_dim, kernel_size=1))
        layers.extend([
            # depthwise: one 3x3 filter per channel
            ConvBNReLU(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim),
            # linear bottleneck: no activation after the projection
            nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
            nn.BatchNorm2d(oup),
        ])
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        if self.use_res_connect:
            return x + self.conv(x)
        else:
            return self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, num_classes=10, width=32, last_channel=256):
        super(MobileNetV2, self).__init__()
        # t: expansion, c: output channels, n: repeats, s: stride of the first repeat
        settings = [
            [1, 16, 1, 1],
            [6, 24, 2, 2],
            [6, 32, 3, 2],
            [6, 64, 2, 2],
        ]
        features = [ConvBNReLU(3, width, stride=1)]  # stride 1 for CIFAR-sized inputs
        input_channel = width
        for t, c, n, s in settings:
            for i in range(n):
                stride = s if i == 0 else 1
                features.append(InvertedResidual(input_channel, c, stride, expand_ratio=t))
                input_channel = c
        features.append(ConvBNReLU(input_channel, last_channel, kernel_size=1))
        self.features = nn.Sequential(*features)

        self.classifier = nn.Sequential(
            nn.Dropout(0.2),
            nn.Linear(last_channel, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        x = x.mean([2, 3])  # global average pool
        x = self.classifier(x)
        return x


model = MobileNetV2()
out = model(torch.randn(1, 3, 32, 32))
