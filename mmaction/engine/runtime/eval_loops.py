"""Validation and test loops that leave unreadable videos out instead of scoring them.

With ``skip_broken=True`` a test-mode dataset returns a ``BrokenSample`` for
a video it cannot read, and ``action_collate`` keeps it out of the batch
tensors. These loops run the model on the readable videos of a batch and
put a ``{'pred_score': None, 'broken': filename}`` placeholder where each
broken one was, so every metric still sees one entry per video in data-set
order (which distributed result gathering relies on) and can leave the
placeholders out.
"""

from typing import Callable, List, Optional

import torch
from mmengine.registry import LOOPS
from mmengine.runner import TestLoop, ValLoop
from mmengine.runner.amp import autocast

from ..speed.bf16_optim_wrapper import model_device_type
from ..speed.precision import DTYPES_BY_NAME
from .device_batches import decode_on_model_device


def predict_with_gaps(step: Callable[[dict], List[dict]], data_batch: dict) -> List[dict]:
    """Run ``step`` on the readable samples of ``data_batch``, with placeholders for the rest.

    Args:
        step: The model's ``val_step`` or ``test_step``.
        data_batch: A batch from ``action_collate``.

    Returns:
        One result per sample of the batch, in batch order.
    """
    broken = data_batch.get('broken')
    if not broken:
        return step(data_batch)
    readable = {k: v for k, v in data_batch.items() if k not in ('broken', 'num_samples')}
    outputs = iter(step(readable) if 'imgs' in readable else [])
    placeholders = {
        position: {'pred_score': None, 'broken': sample.filename} for position, sample in broken
    }
    return [placeholders.get(pos) or next(outputs) for pos in range(data_batch['num_samples'])]


class _PredictMixin:
    """One val/test iteration: predict with gaps, under the loop's autocast.

    Args:
        runner: The runner.
        dataloader: The data loader (or its config).
        evaluator: The evaluator (or its config).
        fp16 (bool): mmengine's float16 autocast.
        dtype (str, optional): ``'bfloat16'`` or ``'float16'``: autocast to it.
    """

    #: ``'val'`` or ``'test'``: the model step and the hooks of the loop.
    stage = ''

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False, dtype=None) -> None:
        super().__init__(runner, dataloader, evaluator, fp16=fp16)
        self._set_dtype(dtype)

    def _set_dtype(self, dtype: Optional[str]) -> None:
        if dtype is not None and dtype not in DTYPES_BY_NAME:
            raise ValueError(f'{type(self).__name__}: dtype must be one of {list(DTYPES_BY_NAME)}')
        self.autocast_dtype = DTYPES_BY_NAME.get(dtype)

    def _autocast(self):
        if self.autocast_dtype is None:
            return autocast(enabled=self.fp16)
        device_type = model_device_type(self.runner.model)
        return torch.autocast(device_type, dtype=self.autocast_dtype)

    @torch.no_grad()
    def run_iter(self, idx, data_batch: dict) -> None:
        """Predict one batch and hand the results to the metrics."""
        self.runner.call_hook(f'before_{self.stage}_iter', batch_idx=idx, data_batch=data_batch)
        step = getattr(self.runner.model, f'{self.stage}_step')
        data_batch = decode_on_model_device(data_batch, self.runner.model)
        with self._autocast():
            outputs = predict_with_gaps(step, data_batch)
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        self.runner.call_hook(
            f'after_{self.stage}_iter', batch_idx=idx, data_batch=data_batch, outputs=outputs
        )


@LOOPS.register_module()
class ActionValLoop(_PredictMixin, ValLoop):
    """mmengine's ``ValLoop``; broken videos are left out, optional autocast (module doc).

    Arguments are those of :class:`_PredictMixin`.
    """

    stage = 'val'


@LOOPS.register_module()
class ActionTestLoop(_PredictMixin, TestLoop):
    """mmengine's ``TestLoop``; broken videos are left out, optional autocast (module doc).

    Arguments are those of :class:`_PredictMixin`.
    """

    stage = 'test'
