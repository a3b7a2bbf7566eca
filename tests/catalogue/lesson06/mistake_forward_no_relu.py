"""Forgets the ReLU in forward, so the two layers collapse into one linear map.

Expect: then ReLU
"""

LOSES = ("NeuralNet.forward",)


class NeuralNet(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        return self.fc2(self.fc1(x))
