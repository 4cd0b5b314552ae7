"""Validation and test loops that run the model under autocast (bfloat16 or float16).

mmengine's ``ValLoop``/``TestLoop`` only know ``fp16=True``, which means
float16 on CUDA; a ``precision='bf16'`` run validates and tests in bfloat16.
"""

import torch
from mmengine.registry import LOOPS
from mmengine.runner import TestLoop, ValLoop

from .bf16_optim_wrapper import model_device_type

_DTYPES = {'bfloat16': torch.bfloat16, 'float16': torch.float16}


class _AutocastIterMixin:
    """Runs each iteration of a val/test loop under ``torch.autocast``."""

    def _set_dtype(self, dtype: str) -> None:
        if dtype not in _DTYPES:
            raise ValueError(f'{type(self).__name__}: dtype must be one of {list(_DTYPES)}')
        self.autocast_dtype = _DTYPES[dtype]

    def run_iter(self, idx, data_batch) -> None:
        """The parent's iteration under autocast on the model's device."""
        device_type = model_device_type(self.runner.model)
        with torch.autocast(device_type, dtype=self.autocast_dtype):
            super().run_iter(idx, data_batch)


@LOOPS.register_module()
class AutocastValLoop(_AutocastIterMixin, ValLoop):
    """mmengine's ``ValLoop`` under autocast.

    Args:
        runner: The runner.
        dataloader: The validation data loader (or its config).
        evaluator: The evaluator (or its config).
        dtype (str): ``'bfloat16'`` or ``'float16'``.
    """

    def __init__(self, runner, dataloader, evaluator, dtype: str = 'bfloat16') -> None:
        super().__init__(runner, dataloader, evaluator)
        self._set_dtype(dtype)


@LOOPS.register_module()
class AutocastTestLoop(_AutocastIterMixin, TestLoop):
    """mmengine's ``TestLoop`` under autocast.

    Args:
        runner: The runner.
        dataloader: The test data loader (or its config).
        evaluator: The evaluator (or its config).
        dtype (str): ``'bfloat16'`` or ``'float16'``.
    """

    def __init__(self, runner, dataloader, evaluator, dtype: str = 'bfloat16') -> None:
        super().__init__(runner, dataloader, evaluator)
        self._set_dtype(dtype)
