"""Behavioural grading harness for an eight-lesson PyTorch course."""

__version__ = "0.1.0"
