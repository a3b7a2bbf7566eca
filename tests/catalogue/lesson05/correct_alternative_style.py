"""Compose([ToTensor()]) with download=True, F.cross_entropy, view(), zero_grad last, inference_mode, tensor counts."""

import torch.nn.functional as F


def make_loaders(root, batch_size):
    transform = transforms.Compose([transforms.ToTensor()])
    train_set = torchvision.datasets.MNIST(root, train=True, transform=transform, download=True)
    test_set = torchvision.datasets.MNIST(root, train=False, transform=transform, download=True)
    return (torch.utils.data.DataLoader(train_set, batch_size, shuffle=True),
            torch.utils.data.DataLoader(test_set, batch_size))


def build_model(input_size, num_classes):
    return nn.Linear(in_features=input_size, out_features=num_classes)


def train(model, loader, num_epochs, learning_rate, device="cpu"):
    optimizer = torch.optim.SGD(params=model.parameters(), lr=learning_rate)
    losses = []
    for _ in range(num_epochs):
        for x, y in loader:
            x, y = x.to(device).view(x.size(0), -1), y.to(device)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            model.zero_grad()
            losses.append(float(loss.detach()))
    return losses


def evaluate(model, loader, device="cpu"):
    correct = torch.zeros((), dtype=torch.long, device=device)
    with torch.inference_mode():
        for x, y in loader:
            correct += (model(x.flatten(1).to(device)).argmax(1) == y.to(device)).sum()
    return correct.item() / len(loader.dataset)


def save_model(model, path):
    state = model.state_dict()
    torch.save(state, str(path))
