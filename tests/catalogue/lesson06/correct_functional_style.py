"""device_count() for the GPU test, F.relu in forward (no ReLU module), F.cross_entropy, inference_mode."""

import torch.nn.functional as F


def get_device():
    return torch.device("cuda:0") if torch.cuda.device_count() > 0 else torch.device("cpu")


class NeuralNet(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__()
        self.fc1 = nn.Linear(in_features=input_size, out_features=hidden_size)
        self.fc2 = nn.Linear(in_features=hidden_size, out_features=num_classes)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def train(model, loader, num_epochs, learning_rate, device="cpu"):
    optimizer = torch.optim.SGD(params=model.parameters(), lr=learning_rate)
    losses = []
    for _ in range(num_epochs):
        for x, y in loader:
            x, y = x.flatten(start_dim=1).to(device), y.to(device)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(loss.item())
    return losses


def evaluate(model, loader, device="cpu"):
    model.eval()
    correct = 0
    with torch.inference_mode():
        for x, y in loader:
            correct += (model(x.view(-1, 784).to(device)).argmax(-1).cpu() == y).sum().item()
    model.train()
    return correct / len(loader.dataset)


def save_model(model, path):
    torch.save({name: tensor.cpu() for name, tensor in model.state_dict().items()}, path)
