"""Detaches the hidden activations, so no gradient reaches fc1.

Expect: no gradient reached fc1.weight
"""

LOSES = ("NeuralNet.forward",)


class NeuralNet(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        hidden = self.relu(self.fc1(x)).detach()
        return self.fc2(hidden)
