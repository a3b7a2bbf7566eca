"""Gives fc2 the input size instead of the hidden size (works only when they happen to be equal).

Expect: fc2 = nn.Linear(hidden_size, num_classes)
"""

LOSES = ("NeuralNet.__init__",)


class NeuralNet(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(input_size, num_classes)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))
