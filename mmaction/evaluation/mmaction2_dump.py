"""Reads MMAction2 1.x's prediction dumps (``tools/test.py --dump FILE.pkl``) without running code.

MMAction2 1.x dumps, with mmengine's ``DumpResults``, one dict per video:
``pred_score`` (float tensor), ``pred_label`` and ``gt_label`` (long
tensors) and the data sample's meta information (``img_shape``,
``num_classes``, ...). mmengine pickles it with ``pickle`` (protocol 2), so
each tensor is stored as ``torch._utils._rebuild_tensor_v2`` over a storage
that ``torch.storage._load_from_bytes`` rebuilds from ``torch.save`` bytes
(encoded with ``_codecs.encode``), and the dicts of the data samples are
``collections.OrderedDict``. Those four globals are all such a file holds;
the reader rebuilds them and refuses every other one, and the storage bytes
are read with ``torch.load(weights_only=True)`` instead of the unrestricted
``torch.load`` that ``_load_from_bytes`` would run. So a dump from someone
else is as safe to open as a checkpoint.
"""

import codecs
import collections
import functools
import io
import pickle
from typing import Any, Callable, Dict, List

import torch
import torch._utils

from mmaction.utils.errors import ResultFileError

__all__ = ['load_mmaction2_dump']


def _storage_from_bytes(data: bytes, source: str = 'the dump') -> Any:
    """What ``torch.storage._load_from_bytes`` returns, read with the weights-only unpickler."""
    try:
        return torch.load(io.BytesIO(data), weights_only=True)
    except pickle.UnpicklingError as error:
        raise ResultFileError(
            f'Refusing to load {source}: the bytes of one of its tensors hold a pickle that '
            f'only a code-executing unpickler could rebuild ({str(error).splitlines()[-1][:200]})'
        ) from None


#: The globals an MMAction2 1.x dump holds, and what rebuilds each here.
ALLOWED_GLOBALS: Dict[str, Callable] = {
    'collections.OrderedDict': collections.OrderedDict,
    'torch._utils._rebuild_tensor_v2': torch._utils._rebuild_tensor_v2,
    'torch.storage._load_from_bytes': _storage_from_bytes,
    '_codecs.encode': codecs.encode,
}


class _DumpUnpickler(pickle.Unpickler):
    """Unpickler that rebuilds :data:`ALLOWED_GLOBALS` only."""

    def __init__(self, file, source: str) -> None:
        super().__init__(file)
        self._source = source

    def find_class(self, module: str, name: str) -> Any:
        qualified = f'{module}.{name}'
        if qualified not in ALLOWED_GLOBALS:
            raise ResultFileError(
                f'Refusing to load {self._source}: it pickles {qualified}, which only a '
                'code-executing unpickler could rebuild; an MMAction2 --dump file holds dicts '
                'of tensors only (allowed: ' + ', '.join(sorted(ALLOWED_GLOBALS)) + ')'
            )
        if qualified == 'torch.storage._load_from_bytes':
            return functools.partial(_storage_from_bytes, source=self._source)
        return ALLOWED_GLOBALS[qualified]

    def persistent_load(self, pid: Any) -> Any:
        raise ResultFileError(
            f'Refusing to load {self._source}: it refers to persistent objects, which an '
            'MMAction2 --dump file (plain pickle) does not have'
        )


def load_mmaction2_dump(path: str) -> List[dict]:
    """Read the predictions that MMAction2 1.x's ``tools/test.py --dump`` wrote.

    Args:
        path (str): The ``.pkl`` file.

    Returns:
        list[dict]: One dict per video, in data-set order, as MMAction2 wrote
        it: ``pred_score`` (``(num_classes,)`` float tensor), ``pred_label``
        and ``gt_label`` (``(1,)`` long tensors) and meta information. The
        toolkit's own dumps hold None for a video it could not read
        (``skip_broken=True``).

    Raises:
        ResultFileError: The file pickles anything but the globals of
            :data:`ALLOWED_GLOBALS` (nothing of it runs), is damaged, or is
            not a list of dicts with ``pred_score``.
        FileNotFoundError: There is no such file.
    """
    with open(path, 'rb') as file:
        data = file.read()
    try:
        records = _DumpUnpickler(io.BytesIO(data), path).load()
    except ResultFileError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, RuntimeError) as error:
        raise ResultFileError(
            f'{path} is not a readable MMAction2 --dump file ({type(error).__name__}: '
            f'{str(error)[:200]})'
        ) from None
    if not isinstance(records, list) or not all(
        record is None or (isinstance(record, dict) and 'pred_score' in record)
        for record in records
    ):
        raise ResultFileError(
            f'{path}: expected a list of dicts with "pred_score" (MMAction2 1.x tools/test.py '
            f'--dump), got a {type(records).__name__}'
        )
    return records
