"""The one error of the release side."""


class ReleaseError(RuntimeError):
    """The release cannot be made (or would not be right); nothing usable was written."""
