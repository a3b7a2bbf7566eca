"""Adds Normalize((0.1307,), (0.3081,)) after ToTensor, so pixels are no longer in [0, 1].

Expect: ToTensor alone turns pixels 0-255 into floats in [0, 1]
"""

LOSES = ("make_loaders",)


def make_loaders(root, batch_size):
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_dataset = torchvision.datasets.MNIST(root=root, train=True, transform=transform)
    test_dataset = torchvision.datasets.MNIST(root=root, train=False, transform=transform)
    train_loader = torch.utils.data.DataLoader(train_dataset, batch_size=batch_size, shuffle=True)
    test_loader = torch.utils.data.DataLoader(test_dataset, batch_size=batch_size, shuffle=False)
    return train_loader, test_loader
