"""Returns what load_state_dict returns (a report of missing keys) instead of the model.

Expect: load_state_dict itself returns a report
"""

LOSES = ("load_params",)


def load_params(model, path):
    return model.load_state_dict(torch.load(path))
