"""The base of every error the layer builder raises on purpose."""

from __future__ import annotations


class LayerError(Exception):
    """The layer cannot be built as asked: the message names the input and the fix."""


class LayerTooLarge(LayerError):
    """The layer is larger than Lambda accepts; the message names the sizes and the largest
    packages."""


class InterpreterNotFound(LayerError):
    """No working python3.X here; the message lists what was tried and how to install it."""
