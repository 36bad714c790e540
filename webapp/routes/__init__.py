"""The HTTP floor: one package per wing, plus `_web` (rendering, forms, errors, headers) and `shell`."""
