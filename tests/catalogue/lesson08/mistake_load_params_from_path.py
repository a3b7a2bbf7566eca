"""Passes the file path to `load_state_dict` instead of the state_dict read from it.

Expect: load_state_dict was given the file's path
"""

LOSES = ("load_params",)


def load_params(model, path):
    model.load_state_dict(path)
    return model
