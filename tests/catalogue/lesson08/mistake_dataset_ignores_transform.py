"""Stores the transform but never applies it.

Expect: when self.transform is not None
"""

LOSES = ("CustomDataset.__getitem__",)


class CustomDataset(CustomDataset):
    def __getitem__(self, index):
        return self.images[index], self.labels[index]
