"""Turn a training checkpoint into a model-zoo file: weights and ``meta`` only.

A checkpoint written during training also holds the optimizer state and
the training-loop state (``message_hub``, ``param_schedulers``,
``rng_state``, ``train_loop``): needed to resume, useless to whoever only
runs the model, and about as large as the weights again. The published file keeps
``state_dict`` and ``meta`` (config text, epoch, versions), loads with a
plain ``torch.load(path, weights_only=True)``, and carries the first 8 hex
digits of its SHA-256 in its name, as the MMAction2 model zoo names files
(``tpn_slowonly_r50_8x8x1_150e_kinetics_rgb-c568e7ad.pth``), so that a
download can be checked against its name (``torch.hub`` does).
"""

import hashlib
import io
import os
from dataclasses import dataclass
from typing import List, Union

import torch

from mmaction.engine.runtime.atomic_io import atomic_write_bytes
from mmaction.engine.runtime.plain_checkpoint import to_plain
from mmaction.utils.checkpoint import get_state_dict, load_checkpoint_file

__all__ = ['PublishedCheckpoint', 'publish_checkpoint']

KEPT_KEYS = ('state_dict', 'meta')


@dataclass
class PublishedCheckpoint:
    """What :func:`publish_checkpoint` wrote.

    Attributes:
        path (str): The published file, ``<out stem>-<sha256[:8]>.pth``.
        sha256 (str): The SHA-256 of its bytes, in hex.
        size (int): Its size in bytes.
        dropped (list[str]): The top-level keys of the input left out.
    """

    path: str
    sha256: str
    size: int
    dropped: List[str]


def published_name(out_file: str, sha256: str) -> str:
    """``out_file`` with ``-<first 8 hex digits of the SHA-256>`` before ``.pth``."""
    stem = out_file[: -len('.pth')] if out_file.endswith('.pth') else out_file
    return f'{stem}-{sha256[:8]}.pth'


def publish_checkpoint(
    in_file: Union[str, os.PathLike], out_file: Union[str, os.PathLike]
) -> PublishedCheckpoint:
    """Write the weights and ``meta`` of ``in_file`` under a name that carries their hash.

    Args:
        in_file (str | PathLike): A checkpoint (this toolkit's, MMAction2's,
            or a bare state dict), read safely (``weights_only``).
        out_file (str | PathLike): The name to publish under, e.g.
            ``tpn_r50_k400.pth``; the file written is
            ``tpn_r50_k400-<sha256[:8]>.pth``.

    Returns:
        PublishedCheckpoint: The path written, its hash and size, and what
        was dropped.

    Raises:
        FileNotFoundError: ``in_file`` does not exist.
        CheckpointError: ``in_file`` is not a safe, readable checkpoint.
    """
    checkpoint = load_checkpoint_file(in_file)
    # A bare state dict has nothing to drop; a checkpoint dict keeps two of its entries.
    has_entries = any(isinstance(checkpoint.get(key), dict) for key in ('state_dict', 'model'))
    published = {
        # The weights without a DataParallel "module." prefix, as the zoo has them.
        'state_dict': get_state_dict(checkpoint),
        # Plain types only, so that torch.load(weights_only=True) needs no allow-list.
        'meta': to_plain(dict(checkpoint.get('meta') or {})),
    }
    dropped = sorted(k for k in checkpoint if k not in KEPT_KEYS) if has_entries else []
    buffer = io.BytesIO()
    torch.save(published, buffer)
    data = buffer.getvalue()
    sha256 = hashlib.sha256(data).hexdigest()
    path = published_name(os.fspath(out_file), sha256)
    atomic_write_bytes(path, data)
    return PublishedCheckpoint(path, sha256, len(data), dropped)
