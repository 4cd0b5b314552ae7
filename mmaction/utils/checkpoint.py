"""Safe checkpoint loading.

Every checkpoint is read with ``torch.load(..., weights_only=True)``: the
restricted unpickler rebuilds tensors and plain containers and refuses any
other global, so a crafted ``.pth`` file cannot run code while it is read.
Checkpoints written by MMAction2 (0.x and 1.x) and by mmengine's ``Runner``
also hold numpy scalars and arrays in ``meta`` and ``HistoryBuffer`` objects
in ``message_hub``; exactly those plain classes are allowed on top of torch's
defaults (see :func:`checkpoint_safe_globals`). There is deliberately no
fallback to ``weights_only=False``.

Sources: a local path, an ``http(s)://`` URL (downloaded once into
``torch.hub.get_dir()/checkpoints``) or ``torchvision://NAME`` (ImageNet
weights of a torchvision model, ``IMAGENET1K_V1`` unless a variant is named,
i.e. the weights that MMAction2 0.x loaded for ``torchvision://resnet50``).
"""

import logging
import os
import os.path as osp
import pickle
import re
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union
from urllib.parse import urlparse

import torch
from torch import nn

from .errors import CheckpointError

__all__ = [
    'CheckpointError',
    'StateDictFit',
    'apply_checkpoint',
    'checkpoint_safe_globals',
    'compare_state_dict',
    'get_state_dict',
    'load_checkpoint',
    'load_checkpoint_file',
    'local_checkpoint_path',
    'patch_mmengine_checkpoint_loading',
    'resolve_torchvision_url',
]

# File names that torchvision used for its ImageNet weights before 0.13
# (MMAction2 0.x / mmcv era); a copy of one in the hub cache is used offline.
_LEGACY_TORCHVISION_FILES = {
    'resnet18': 'resnet18-5c106cde.pth',
    'resnet34': 'resnet34-333f7ec4.pth',
    'resnet50': 'resnet50-19c8e357.pth',
    'resnet101': 'resnet101-5d3b4d8f.pth',
    'resnet152': 'resnet152-b121ed2d.pth',
}

# Fragments of torch's weights-only error messages that mean "this pickle
# asks for something beyond plain data", as opposed to a damaged file.
_UNSAFE_MARKERS = (
    'unsupported global',
    'trying to call reduce',
    'can only build',
    'can only create new object',
    'is blocked',
    'refused getattr',
)

_HISTORY_BUFFER_METHODS = ('min', 'max', 'current', 'mean')


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """Stand-in for ``builtins.getattr`` inside the restricted unpickler.

    mmengine pickles ``HistoryBuffer._statistics_methods`` as
    ``getattr(HistoryBuffer, 'min')`` and so on; only those lookups are
    answered, so the alias cannot be used to reach arbitrary attributes.
    """
    from mmengine.logging.history_buffer import HistoryBuffer

    if obj is HistoryBuffer and name in _HISTORY_BUFFER_METHODS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'refused getattr({obj!r}, {name!r}): only the statistics methods of '
        'mmengine HistoryBuffer may be looked up'
    )


def _numpy_globals() -> List[Any]:
    import numpy as np

    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 2
        from numpy.core import multiarray

    entries: List[Any] = [np.ndarray, np.dtype]
    # Files written under numpy 1.x name ``numpy.core``, under 2.x ``numpy._core``.
    for fn_name in ('_reconstruct', 'scalar'):
        fn = getattr(multiarray, fn_name)
        for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
            entries.append((fn, f'{module}.{fn_name}'))
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        for attr in dir(dtypes):
            value = getattr(dtypes, attr)
            if attr.endswith('DType') and isinstance(value, type):
                entries.append(value)
    return entries


def checkpoint_safe_globals() -> List[Any]:
    """Globals allowed on top of torch's own when loading a checkpoint.

    Returns:
        list: numpy array/scalar/dtype reconstruction, mmengine's
        ``HistoryBuffer`` and ``ConfigDict``, and the restricted ``getattr``
        that ``HistoryBuffer`` pickles need; in the form accepted by
        ``torch.serialization.safe_globals``.
    """
    from mmengine.config import ConfigDict
    from mmengine.logging.history_buffer import HistoryBuffer

    entries = _numpy_globals()
    entries += [
        HistoryBuffer,
        ConfigDict,
        (_history_buffer_getattr, 'builtins.getattr'),
        (_history_buffer_getattr, '__builtin__.getattr'),
    ]
    return entries


def _check_file_format(filename: str) -> None:
    size = osp.getsize(filename)
    if size == 0:
        raise CheckpointError(f'Checkpoint file {filename} is empty (0 bytes).')
    with open(filename, 'rb') as f:
        head = f.read(2)
    if head == b'PK':
        if not zipfile.is_zipfile(filename):
            raise CheckpointError(
                f'Checkpoint file {filename} is truncated: the zip archive written by '
                f'torch.save has no end record ({size} bytes on disk). Download or copy '
                'it again.'
            )
    elif head[:1] != b'\x80':
        raise CheckpointError(
            f'{filename} is not a PyTorch checkpoint (neither a torch.save zip archive '
            'nor a legacy pickle file).'
        )


def _explain_unpickling_error(filename: str, err: BaseException) -> CheckpointError:
    text = str(err)
    lowered = text.lower()
    if any(marker in lowered for marker in _UNSAFE_MARKERS):
        found = re.search(r'GLOBAL (\S+)', text)
        if found:
            detail = found.group(1)
        else:
            lines = [
                ln for ln in text.splitlines() if any(m in ln.lower() for m in _UNSAFE_MARKERS)
            ]
            detail = lines[0].strip()[:200] if lines else 'unknown object'
        return CheckpointError(
            f'Refusing to load {filename}: it is not a plain tensor checkpoint. It '
            f'contains a pickled object ({detail}) that only a code-executing '
            'unpickler could rebuild, so it was not unpickled. Plain state dicts, '
            'numpy values and mmengine runner state are accepted; convert the file '
            'to a plain state dict with a trusted tool if you need it.'
        )
    return CheckpointError(
        f'Checkpoint file {filename} is truncated or corrupted and could not be read '
        f'({type(err).__name__}: {text.strip()[:300]}).'
    )


def _load_local(filename: str, map_location: Any) -> Any:
    filename = osp.expanduser(str(filename))
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint file not found: {filename}')
    _check_file_format(filename)
    safe_globals = getattr(torch.serialization, 'safe_globals', None)
    try:
        if safe_globals is None:  # torch < 2.5: only torch's default allow-list
            return torch.load(filename, map_location=map_location, weights_only=True)
        with safe_globals(checkpoint_safe_globals()):
            return torch.load(filename, map_location=map_location, weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, KeyError, ValueError) as err:
        raise _explain_unpickling_error(filename, err) from None


def _hub_checkpoint_dir() -> str:
    return osp.join(torch.hub.get_dir(), 'checkpoints')


def _download(url: str) -> str:
    """Fetch ``url`` into the torch hub cache once; return the local path."""
    name = osp.basename(urlparse(url).path)
    if not name:
        raise ValueError(f'Cannot derive a file name from the checkpoint URL {url!r}')
    target = osp.join(_hub_checkpoint_dir(), name)
    if osp.isfile(target):
        return target
    os.makedirs(osp.dirname(target), exist_ok=True)
    match = torch.hub.HASH_REGEX.search(name)
    hash_prefix = match.group(1) if match else None
    try:
        torch.hub.download_url_to_file(url, target, hash_prefix=hash_prefix, progress=False)
    except Exception as err:
        raise CheckpointError(f'Could not download checkpoint {url}: {err}') from err
    return target


def resolve_torchvision_url(name: str) -> Tuple[str, Optional[str]]:
    """Map a ``torchvision://`` model name to its weight URL.

    Args:
        name (str): ``resnet50``, or ``resnet50.imagenet1k_v2`` to pick a
            variant. Without a variant the ``IMAGENET1K_V1`` weights are used
            (the original torchvision weights MMAction2 0.x was trained from);
            models without such weights use their ``DEFAULT``.

    Returns:
        tuple[str, str | None]: The URL, and the pre-0.13 torchvision file
        name of the same V1 weights when one is known.
    """
    import torchvision

    model_name, _, variant = name.partition('.')
    model_name = model_name.lower()
    try:
        weights = torchvision.models.get_model_weights(model_name)
    except (ValueError, KeyError) as err:
        raise KeyError(
            f'torchvision://{name}: torchvision has no model named {model_name!r}'
        ) from err
    members = {member.name.lower(): member for member in weights}
    if variant:
        if variant.lower() == 'default':
            return weights.DEFAULT.url, None
        if variant.lower() not in members:
            raise KeyError(
                f'torchvision://{name}: unknown weights {variant!r}; '
                f'choose one of {sorted(members)}'
            )
        chosen = members[variant.lower()]
    else:
        chosen = members.get('imagenet1k_v1', weights.DEFAULT)
    legacy = _LEGACY_TORCHVISION_FILES.get(model_name) if chosen.name == 'IMAGENET1K_V1' else None
    return chosen.url, legacy


def _local_path_for(filename: str) -> str:
    if filename.startswith(('http://', 'https://')):
        return _download(filename)
    for prefix in ('torchvision://', 'modelzoo://'):
        if filename.startswith(prefix):
            url, legacy = resolve_torchvision_url(filename[len(prefix) :])
            cached = osp.join(_hub_checkpoint_dir(), osp.basename(urlparse(url).path))
            legacy_path = osp.join(_hub_checkpoint_dir(), legacy) if legacy else None
            if not osp.isfile(cached) and legacy_path and osp.isfile(legacy_path):
                return legacy_path
            return _download(url)
    return filename


def local_checkpoint_path(filename: Union[str, os.PathLike]) -> str:
    """The local file of a checkpoint: a URL (or ``torchvision://``) is downloaded first.

    The download goes to the torch hub cache once, as for loading it; a
    local path is returned as it is (it need not exist).
    """
    return _local_path_for(os.fspath(filename))


def load_checkpoint_file(filename: Union[str, os.PathLike], map_location: Any = 'cpu') -> dict:
    """Read a checkpoint without executing any pickled code.

    Args:
        filename (str | PathLike): Local path, ``http(s)://`` URL or
            ``torchvision://NAME``.
        map_location: Passed to ``torch.load``. Defaults to ``'cpu'``.

    Returns:
        dict: The checkpoint as saved (a state dict, or a dict holding
        ``state_dict``, ``meta``, ``optimizer``...).

    Raises:
        FileNotFoundError: The local file does not exist.
        CheckpointError: The file is empty, truncated, not a checkpoint, or
            holds pickled objects other than plain data.
    """
    filename = os.fspath(filename)
    path = _local_path_for(filename)
    checkpoint = _load_local(path, map_location)
    if not isinstance(checkpoint, dict):
        raise CheckpointError(
            f'Checkpoint {filename} holds a {type(checkpoint).__name__}, expected a dict '
            '(a state dict or a dict with a "state_dict" entry).'
        )
    return checkpoint


def get_state_dict(checkpoint: dict) -> 'OrderedDict[str, torch.Tensor]':
    """Take the model weights out of a loaded checkpoint.

    Args:
        checkpoint (dict): What :func:`load_checkpoint_file` returned.

    Returns:
        OrderedDict: The ``state_dict`` (or ``model``) entry, or the
        checkpoint itself when it is a bare state dict, with a leading
        ``module.`` (DataParallel) removed from every key.
    """
    if not isinstance(checkpoint, dict):
        raise TypeError(f'checkpoint must be a dict, got {type(checkpoint).__name__}')
    state_dict = checkpoint
    for key in ('state_dict', 'model'):
        if isinstance(checkpoint.get(key), dict):
            state_dict = checkpoint[key]
            break
    return OrderedDict(
        (k[len('module.') :] if k.startswith('module.') else k, v) for k, v in state_dict.items()
    )


def _log(message: str, logger: Any, level: int) -> None:
    from mmengine.logging import print_log

    print_log(message, logger='current' if logger is None else logger, level=level)


def _shape(value: Any) -> Tuple[int, ...]:
    return tuple(value.shape) if hasattr(value, 'shape') else ()


@dataclass
class StateDictFit:
    """How a checkpoint's weights fit a model's parameters and buffers.

    Attributes:
        loaded (list[str]): Keys present in both with the same shape.
        missing (list[str]): Model keys the checkpoint lacks.
        unexpected (list[str]): Checkpoint keys the model does not have.
        mismatched (list[tuple[str, tuple, tuple]]): ``(key, checkpoint
            shape, model shape)`` for keys whose shapes differ.
    """

    loaded: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    mismatched: List[Tuple[str, Tuple[int, ...], Tuple[int, ...]]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """bool: Every model tensor gets a value of the right shape."""
        return not self.missing and not self.mismatched

    def summary(self) -> str:
        """One line: how many tensors were loaded, skipped and left missing."""
        return (
            f'{len(self.loaded)} tensors loaded, {len(self.mismatched)} skipped (other shape), '
            f'{len(self.missing)} missing from the checkpoint, {len(self.unexpected)} unused'
        )

    def describe_mismatch(self, limit: int = 5) -> str:
        """The first ``limit`` missing and mismatched keys, with both shapes, in one line."""
        items = [
            f'{key} (checkpoint {list(theirs)}, model {list(ours)})'
            for key, theirs, ours in self.mismatched
        ]
        items += [f'{key} (missing)' for key in self.missing]
        more = f' and {len(items) - limit} more' if len(items) > limit else ''
        return '; '.join(items[:limit]) + more

    def describe_unexpected(self, limit: int = 5) -> str:
        """The first ``limit`` unexpected keys in one line."""
        more = f' and {len(self.unexpected) - limit} more' if len(self.unexpected) > limit else ''
        return ', '.join(self.unexpected[:limit]) + more


def compare_state_dict(own: Dict[str, Any], state_dict: Dict[str, Any]) -> StateDictFit:
    """Compare a model's ``state_dict()`` with a checkpoint's weights.

    Args:
        own (dict): ``model.state_dict()``.
        state_dict (dict): The checkpoint's weights (keys already revised).

    Returns:
        StateDictFit: Loaded, missing, unexpected and mismatched keys.
    """
    fit = StateDictFit()
    for key, value in state_dict.items():
        if key not in own:
            fit.unexpected.append(key)
        elif _shape(value) != _shape(own[key]):
            fit.mismatched.append((key, _shape(value), _shape(own[key])))
        else:
            fit.loaded.append(key)
    fit.missing = [key for key in own if key not in state_dict]
    return fit


def apply_checkpoint(
    model: nn.Module,
    checkpoint: dict,
    strict: bool = False,
    revise_keys: Sequence[Tuple[str, str]] = ((r'^module\.', ''),),
    name: str = 'checkpoint',
) -> StateDictFit:
    """Copy the weights of a loaded checkpoint that fit ``model`` into it.

    Args:
        model (nn.Module): Model to fill.
        checkpoint (dict): What :func:`load_checkpoint_file` returned.
        strict (bool): Refuse (load nothing) when a model key is missing or
            has another shape; the :class:`CheckpointError` lists the first
            few, with both shapes. Keys the model does not have are allowed.
        revise_keys (Sequence[tuple[str, str]]): ``(pattern, replacement)``
            regex substitutions applied to every checkpoint key in order.
        name (str): The checkpoint's file name, for messages.

    Returns:
        StateDictFit: What was loaded, skipped, missing and unused.
    """
    state_dict = get_state_dict(checkpoint)
    for pattern, replacement in revise_keys:
        state_dict = OrderedDict(
            (re.sub(pattern, replacement, k), v) for k, v in state_dict.items()
        )
    fit = compare_state_dict(model.state_dict(), state_dict)
    if strict and not fit.complete:
        raise CheckpointError(
            f'Checkpoint {name} does not fit {type(model).__name__} '
            f'({len(fit.mismatched)} tensors of another shape, {len(fit.missing)} missing): '
            f'{fit.describe_mismatch()}. Check that the config (e.g. num_classes) is the one '
            'the checkpoint was trained with.'
        )
    model.load_state_dict(OrderedDict((k, state_dict[k]) for k in fit.loaded), strict=False)
    return fit


def load_checkpoint(
    model: nn.Module,
    filename: Union[str, os.PathLike],
    map_location: Any = 'cpu',
    strict: bool = False,
    logger: Any = None,
    revise_keys: Sequence[Tuple[str, str]] = ((r'^module\.', ''),),
) -> dict:
    """Load a checkpoint's weights into ``model``.

    Args:
        model (nn.Module): Model to fill.
        filename (str | PathLike): Path, URL or ``torchvision://NAME``.
        map_location: Passed to ``torch.load``. Defaults to ``'cpu'``.
        strict (bool): Refuse a checkpoint that lacks keys of the model or
            whose shapes differ (a :class:`CheckpointError` lists the first
            few, with both shapes); nothing is loaded then. Keys the model
            does not have are listed in one warning line either way. When
            False, whatever fits is loaded and the differences are logged.
            Defaults to False.
        logger: ``logging.Logger``, a logger name, ``'silent'``, or None for
            mmengine's current logger.
        revise_keys (Sequence[tuple[str, str]]): ``(pattern, replacement)``
            regex substitutions applied to every checkpoint key in order.

    Returns:
        dict: The whole checkpoint dict.

    Raises:
        CheckpointError: With ``strict``, when the checkpoint does not fit.
    """
    name = os.fspath(filename)
    checkpoint = load_checkpoint_file(filename, map_location=map_location)
    fit = apply_checkpoint(model, checkpoint, strict, revise_keys, name)
    if fit.unexpected:
        _log(
            f'Checkpoint {name}: {len(fit.unexpected)} tensors not used by '
            f'{type(model).__name__}: {fit.describe_unexpected()}',
            logger,
            logging.WARNING,
        )
    if not fit.complete:
        _log(
            f'Checkpoint {name} loaded partly into {type(model).__name__} ({fit.summary()}): '
            f'{fit.describe_mismatch()}',
            logger,
            logging.WARNING,
        )
    return checkpoint


def _named_loader(name: str, fn: Callable[[str, Any], Any]) -> Callable[[str, Any], Any]:
    # mmengine logs "Loads checkpoint by <name[10:]> backend", so the name
    # must start with ``load_from_``.
    fn.__name__ = name
    fn.__qualname__ = name
    return fn


def patch_mmengine_checkpoint_loading() -> None:
    """Route mmengine's checkpoint loading through :func:`load_checkpoint_file`.

    mmengine's loaders call ``torch.load`` without ``weights_only``, which on
    PyTorch >= 2.6 rejects its own Runner checkpoints (numpy values,
    ``HistoryBuffer``) and on older PyTorch would unpickle anything. This
    replaces the loaders for local paths, ``http(s)://``, ``torchvision://``
    and ``modelzoo://`` in ``mmengine.runner.CheckpointLoader``, so
    ``Runner.resume``, ``load_from`` and ``mmengine.runner.load_checkpoint``
    load with ``weights_only=True`` plus :func:`checkpoint_safe_globals`.
    Safe to call more than once.
    """
    from mmengine.runner.checkpoint import CheckpointLoader

    def load_any(filename: str, map_location: Any = None) -> dict:
        return load_checkpoint_file(filename, map_location=map_location)

    schemes = {
        'load_from_local_weights_only': '',
        'load_from_http_weights_only': ('http://', 'https://'),
        'load_from_torchvision_weights_only': ('torchvision://', 'modelzoo://'),
    }
    for name, prefixes in schemes.items():
        loader = _named_loader(name, lambda f, m=None: load_any(f, m))
        CheckpointLoader.register_scheme(prefixes=prefixes, loader=loader, force=True)
