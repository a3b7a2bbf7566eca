"""Shuffles the test loader and not the training loader.

Expect: the training loader reads the data in a fixed order
"""

LOSES = ("make_loaders",)


def make_loaders(root, batch_size):
    train_dataset = torchvision.datasets.MNIST(root=root, train=True, transform=transforms.ToTensor())
    test_dataset = torchvision.datasets.MNIST(root=root, train=False, transform=transforms.ToTensor())
    train_loader = torch.utils.data.DataLoader(train_dataset, batch_size=batch_size, shuffle=False)
    test_loader = torch.utils.data.DataLoader(test_dataset, batch_size=batch_size, shuffle=True)
    return train_loader, test_loader
