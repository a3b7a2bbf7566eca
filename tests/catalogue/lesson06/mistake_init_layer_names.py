"""Names the layers layer1 / layer2, so the state_dict keys are not fc1.* / fc2.*.

Expect: NeuralNet has no layer attribute `fc1`
"""

LOSES = ("NeuralNet.__init__",)


class NeuralNet(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__()
        self.layer1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.layer2 = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        return self.layer2(self.relu(self.layer1(x)))
