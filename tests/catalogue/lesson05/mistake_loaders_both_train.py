"""Builds both loaders from the training split (train=True twice).

Expect: the test loader needs MNIST(..., train=False)
"""

LOSES = ("make_loaders",)


def make_loaders(root, batch_size):
    train_dataset = torchvision.datasets.MNIST(root=root, train=True, transform=transforms.ToTensor())
    test_dataset = torchvision.datasets.MNIST(root=root, transform=transforms.ToTensor())
    train_loader = torch.utils.data.DataLoader(train_dataset, batch_size=batch_size, shuffle=True)
    test_loader = torch.utils.data.DataLoader(test_dataset, batch_size=batch_size, shuffle=False)
    return train_loader, test_loader
