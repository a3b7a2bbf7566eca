"""Other correct styles: float64 tensors and autograd.grad, a hand-written SGD update,
torch.as_tensor / np.asarray, positional DataLoader arguments, a for loop for the first batch,
requires_grad_(False), file objects for saving, weights_only=True and map_location for loading."""

import torch.nn.functional as F


def linear_grads(x, w, b):
    x, w, b = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (x, w, b))
    y = torch.add(torch.mul(w, x), b)
    return torch.autograd.grad(y, (x, w, b))


def fc_step(layer, x, y, learning_rate):
    layer.zero_grad(set_to_none=True)
    loss = F.mse_loss(layer(x), y)
    loss.backward()
    grads = {"dL_dW": layer.weight.grad.detach().clone(), "dL_dB": layer.bias.grad.detach().clone()}
    with torch.no_grad():
        for p in layer.parameters():
            p -= learning_rate * p.grad
        after = F.mse_loss(layer(x), y)
    return {**grads, "loss_before": float(loss.detach()), "loss_after": float(after)}


def numpy_roundtrip(a):
    tensor = torch.as_tensor(a)
    return tensor, np.asarray(tensor)


def make_loader(dataset, batch_size, shuffle):
    return torch.utils.data.DataLoader(dataset, batch_size, shuffle)


def first_batch(loader):
    for batch in loader:
        return batch


class CustomDataset(torch.utils.data.Dataset):
    def __init__(self, images, labels, transform=None):
        self.images, self.labels, self.transform = images, labels, transform

    def __getitem__(self, index):
        image = self.images[index]
        return (self.transform(image) if self.transform else image), self.labels[index]

    def __len__(self):
        return self.labels.shape[0]


def freeze_and_replace_head(model, num_classes):
    model.requires_grad_(False)
    model.fc = nn.Linear(512, num_classes)
    return model


def save_whole(model, path):
    with open(path, "wb") as f:
        torch.save(model, f)


def load_whole(path):
    with open(path, "rb") as f:
        return torch.load(f, weights_only=False, map_location="cpu")


def save_params(model, path):
    torch.save(model.state_dict(), path)


def load_params(model, path):
    state = torch.load(path, weights_only=True, map_location="cpu")
    model.load_state_dict(state, strict=True)
    return model
