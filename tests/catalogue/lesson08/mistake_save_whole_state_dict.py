"""save_whole saves only the state_dict, so the file holds no model.

Expect: save the model object itself
"""

LOSES = ("save_whole",)


def save_whole(model, path):
    torch.save(model.state_dict(), path)
