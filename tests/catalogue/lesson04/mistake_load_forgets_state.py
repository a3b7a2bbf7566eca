"""Loads the file but never puts the state into the model (load_state_dict missing).

Expect: model.load_state_dict(torch.load(path, weights_only=True))
"""

LOSES = ("load_model",)


def load_model(path, input_size, output_size):
    model = build_model(input_size, output_size)
    state = torch.load(path, weights_only=True)
    return model
