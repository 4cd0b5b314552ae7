"""Keep checkpoints loadable by a plain ``torch.load(path)`` on PyTorch >= 2.6.

``torch.load`` defaults to ``weights_only=True`` since PyTorch 2.6, which
refuses mmengine's ``HistoryBuffer`` objects and NumPy values in
``message_hub``. MMAction2 0.x users load checkpoints with
``torch.load(path)['state_dict']``, so before saving, those objects are
written as plain dicts, lists, numbers and tensors; after loading, the
buffers are rebuilt for mmengine's resume.
"""

from collections import OrderedDict
from typing import Any

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

_BUFFER_TAG = '__history_buffer__'


def to_plain(obj: Any) -> Any:
    """Copy of ``obj`` with HistoryBuffers and NumPy values as plain types/tensors."""
    if isinstance(obj, HistoryBuffer):
        logs, counts = obj.data
        return {
            _BUFFER_TAG: True,
            'log_history': torch.from_numpy(np.asarray(logs, dtype=np.float64)),
            'count_history': torch.from_numpy(np.asarray(counts, dtype=np.float64)),
            'max_length': int(obj.max_length),
        }
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(obj.copy()) if obj.dtype != object else obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, OrderedDict):
        return OrderedDict((k, to_plain(v)) for k, v in obj.items())
    if isinstance(obj, dict):
        return {k: to_plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [to_plain(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(to_plain(v) for v in obj)
    return obj


def restore_history_buffers(obj: Any) -> Any:
    """Inverse of :func:`to_plain` for the HistoryBuffers (other values stay plain)."""
    if isinstance(obj, dict):
        if obj.get(_BUFFER_TAG) is True:
            return HistoryBuffer(
                obj['log_history'].tolist(), obj['count_history'].tolist(), obj['max_length']
            )
        for key in list(obj.keys()):
            obj[key] = restore_history_buffers(obj[key])
        return obj
    if isinstance(obj, list):
        return [restore_history_buffers(v) for v in obj]
    return obj
