"""Validation and test loops under autocast (precision bf16 / fp16)."""

import pytest
import torch
from mmengine.registry import LOOPS
from mmengine.runner import TestLoop as MMEngineTestLoop
from mmengine.runner import ValLoop

from mmaction.engine.autocast_loops import AutocastTestLoop, AutocastValLoop, _AutocastIterMixin


class _RecordingLoop:
    """Stands in for mmengine's loop: records the autocast state of its iteration."""

    def run_iter(self, idx, data_batch):
        self.seen = (torch.is_autocast_enabled('cpu'), torch.get_autocast_dtype('cpu'))


class _Loop(_AutocastIterMixin, _RecordingLoop):
    def __init__(self, model, dtype):
        self.runner = type('Runner', (), {'model': model})()
        self._set_dtype(dtype)


@pytest.mark.parametrize(
    'dtype, torch_dtype', [('bfloat16', torch.bfloat16), ('float16', torch.float16)]
)
def test_iterations_run_under_autocast_on_the_model_device(dtype, torch_dtype):
    loop = _Loop(torch.nn.Linear(2, 2), dtype)
    loop.run_iter(0, {})
    assert loop.seen == (True, torch_dtype)
    assert not torch.is_autocast_enabled('cpu')
    with pytest.raises(ValueError, match='dtype must be one of'):
        _Loop(torch.nn.Linear(2, 2), 'float8')


def test_loops_are_registered_for_the_runner():
    assert LOOPS.get('AutocastValLoop') is AutocastValLoop and issubclass(AutocastValLoop, ValLoop)
    assert LOOPS.get('AutocastTestLoop') is AutocastTestLoop
    assert issubclass(AutocastTestLoop, MMEngineTestLoop)
