"""Warm-up schedulers that count the warm-up length as mmcv did.

mmcv's linear warm-up reaches the regular learning rate at iteration
``warmup_iters`` (``lr = base * (1 - (1 - i / warmup_iters) * (1 - ratio))``)
and its constant warm-up lasts ``warmup_iters`` iterations. mmengine's
``LinearLR``/``ConstantLR`` over ``[begin, end)`` finish one step earlier
(they divide by ``end - begin - 1``). These subclasses extend the window by
one step, after any epoch-to-iteration conversion, so the numbers match mmcv.
"""

from mmengine.optim.scheduler import ConstantLR, LinearLR
from mmengine.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class LinearWarmupLR(LinearLR):
    """``LinearLR`` that reaches ``end_factor`` exactly at step ``end`` (mmcv warm-up)."""

    def __init__(self, optimizer, *args, begin: int = 0, end: int = 1, **kwargs) -> None:
        super().__init__(optimizer, *args, begin=begin, end=end + 1, **kwargs)


@PARAM_SCHEDULERS.register_module()
class ConstantWarmupLR(ConstantLR):
    """``ConstantLR`` whose factor holds for the steps ``begin .. end - 1`` (mmcv warm-up)."""

    def __init__(self, optimizer, *args, begin: int = 0, end: int = 1, **kwargs) -> None:
        super().__init__(optimizer, *args, begin=begin, end=end + 1, **kwargs)
