# A small CNN for MNIST digits, laid out like PyTorch's MNIST example: the model, a train and a
# test loop, and main() that parses the command line and runs the epochs. The network takes
# 1x28x28 grey-scale images and returns log-probabilities over the 10 digits.
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torchvision import datasets, transforms


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        # 28 -> 26 -> 24 after the two unpadded convs, 12 after pooling: 64 * 12 * 12 = 9216
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            seen = batch_idx * len(data)
            print('epoch {} [{}/{}]  loss {:.6f}'.format(
                epoch, seen, len(train_loader.dataset), loss.item()))
            if args.dry_run:
                break


def test(model, device, test_loader):
    model.eval()
    total_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            total_loss += F.nll_loss(output, target, reduction='sum').item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()

    n = len(test_loader.dataset)
    print('test: mean loss {:.4f}, accuracy {}/{} ({:.1f}%)'.format(
        total_loss / n, correct, n, 100. * correct / n))


def main():
    parser = argparse.ArgumentParser(description='Train a small CNN on MNIST')
    parser.add_argument('--batch-size', type=int, default=64, metavar='N',
                        help='training batch size (default: 64)')
    parser.add_argument('--test-batch-size', type=int, default=1000, metavar='N',
                        help='evaluation batch size (default: 1000)')
    parser.add_argument('--epochs', type=int, default=14, metavar='N',
                        help='how many epochs to run (default: 14)')
    parser.add_argument('--lr', type=float, default=1.0, metavar='LR',
                        help='initial learning rate (default: 1.0)')
    parser.add_argument('--gamma', type=float, default=0.7, metavar='M',
                        help='factor applied to the learning rate after each epoch (default: 0.7)')
    parser.add_argument('--no-cuda', action='store_true', default=False,
                        help='stay on the CPU even if a GPU is present')
    parser.add_argument('--dry-run', action='store_true', default=False,
                        help='stop after one batch, to check that everything runs')
    parser.add_argument('--seed', type=int, default=1, metavar='S',
                        help='random seed (default: 1)')
    parser.add_argument('--log-interval', type=int, default=10, metavar='N',
                        help='batches between two progress lines')
    parser.add_argument('--save-model', action='store_true', default=False,
                        help='write the trained weights to mnist_cnn.pt')
    args = parser.parse_args()

    use_cuda = not args.no_cuda and torch.cuda.is_available()
    torch.manual_seed(args.seed)
    device = torch.device('cuda' if use_cuda else 'cpu')

    train_kwargs = {'batch_size': args.batch_size}
    test_kwargs = {'batch_size': args.test_batch_size}
    if use_cuda:
        loader_extras = {'num_workers': 1, 'pin_memory': True, 'shuffle': True}
        train_kwargs.update(loader_extras)
        test_kwargs.update(loader_extras)

    # MNIST's mean and standard deviation over the training set
    transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.1307,), (0.3081,)),
    ])
    train_set = datasets.MNIST('../data', train=True, download=True, transform=transform)
    test_set = datasets.MNIST('../data', train=False, transform=transform)
    train_loader = torch.utils.data.DataLoader(train_set, **train_kwargs)
    test_loader = torch.utils.data.DataLoader(test_set, **test_kwargs)

    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch)
        test(model, device, test_loader)
        scheduler.step()

    if args.save_model:
        torch.save(model.state_dict(), 'mnist_cnn.pt')


if __name__ == '__main__':
    main()
