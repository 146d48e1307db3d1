# A variational autoencoder (Kingma & Welling 2014) for MNIST, as in PyTorch's VAE example:
# fully connected encoder 784 -> 400 -> (mu, logvar) of a 20-dimensional Gaussian, the
# reparameterisation trick, and a decoder 20 -> 400 -> 784 with a sigmoid. Input: 8 MNIST images
# (1x28x28, flattened inside); output: (reconstruction 8x784, mu 8x20, logvar 8x20).
import torch
import torch.nn as nn
import torch.nn.functional as F


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)  # mean
        self.fc22 = nn.Linear(400, 20)  # log-variance
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        # sample z = mu + sigma * eps so that gradients flow through mu and logvar
        std = torch.exp(0.5*logvar)
        eps = torch.randn_like(std)
        return mu + eps*std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    # reconstruction term plus the KL divergence from N(mu, sigma^2) to N(0, 1), in closed form
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction='sum')
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


model = VAE()
recon, mu, logvar = model(torch.rand(8, 1, 28, 28))
