"""Validation and test loops that leave unreadable videos out instead of scoring them.

With ``skip_broken=True`` a test-mode dataset returns a ``BrokenSample`` for
a video it cannot read, and ``action_collate`` keeps it out of the batch
tensors. These loops run the model on the readable videos of a batch and
put a ``{'pred_score': None, 'broken': filename}`` placeholder where each
broken one was, so every metric still sees one entry per video in data-set
order (which distributed result gathering relies on) and can leave the
placeholders out.
"""

from typing import Callable, List

import torch
from mmengine.registry import LOOPS
from mmengine.runner import TestLoop, ValLoop
from mmengine.runner.amp import autocast


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


@LOOPS.register_module()
class ActionValLoop(ValLoop):
    """mmengine's ``ValLoop``; broken videos of the batch are left out (see module doc)."""

    @torch.no_grad()
    def run_iter(self, idx, data_batch: dict) -> None:
        """Predict one batch and hand the results to the metrics."""
        self.runner.call_hook('before_val_iter', batch_idx=idx, data_batch=data_batch)
        with autocast(enabled=self.fp16):
            outputs = predict_with_gaps(self.runner.model.val_step, data_batch)
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        self.runner.call_hook(
            'after_val_iter', batch_idx=idx, data_batch=data_batch, outputs=outputs
        )


@LOOPS.register_module()
class ActionTestLoop(TestLoop):
    """mmengine's ``TestLoop``; broken videos of the batch are left out (see module doc)."""

    @torch.no_grad()
    def run_iter(self, idx, data_batch: dict) -> None:
        """Predict one batch and hand the results to the metrics."""
        self.runner.call_hook('before_test_iter', batch_idx=idx, data_batch=data_batch)
        with autocast(enabled=self.fp16):
            outputs = predict_with_gaps(self.runner.model.test_step, data_batch)
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        self.runner.call_hook(
            'after_test_iter', batch_idx=idx, data_batch=data_batch, outputs=outputs
        )
