"""Errors the user can fix: the tools print them in one line, without a traceback.

Every mistake in the user's input (a config, an annotation file, a
checkpoint, a video, a missing optional package) raises a subclass of
:class:`UserError`. The command-line tools catch exactly these and print
``error: <message>``; any other exception is a bug and keeps its traceback.
Set the environment variable ``TPN_TRACEBACK=1`` to see the traceback of a
user error too.

The classes also derive from the built-in exception a caller would expect
(``ValueError`` for bad values, ``ImportError`` for a missing package, ...),
so code written against those keeps working.
"""

__all__ = [
    'AnnotationError',
    'CheckpointError',
    'ConfigError',
    'MissingPackageError',
    'ResultFileError',
    'UserError',
    'missing_package',
]


class UserError(Exception):
    """Bad input that the user can fix; the message says what to change."""


class ConfigError(UserError, ValueError):
    """A config names a key, a value or a type that the toolkit does not accept."""


class AnnotationError(UserError, ValueError):
    """An annotation file (or the data it points at) is malformed; names file and line."""


class CheckpointError(UserError, RuntimeError):
    """A checkpoint cannot be loaded safely, is damaged, or does not fit the model."""


class ResultFileError(UserError, ValueError):
    """A result the analysis tools read is malformed or does not fit.

    The per-video scores of ``tools/test.py --out`` (wrong layout, another
    data set or model) or a training log (not JSON lines, no records).
    """


class MissingPackageError(UserError, ImportError):
    """An optional package that this feature needs is not installed."""


def missing_package(package: str, feature: str, install: str) -> MissingPackageError:
    """The error for a missing optional package, with the command that installs it.

    Args:
        package: The import name, e.g. ``'onnxruntime'``.
        feature: What needs it, e.g. ``'ONNX export --verify'``.
        install: The command to run, e.g. ``'pip install -e ".[deploy]"'``.

    Returns:
        MissingPackageError: To be raised by the caller.
    """
    return MissingPackageError(f'{feature} needs the {package} package: {install}')
