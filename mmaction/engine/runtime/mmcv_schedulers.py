"""Annealing schedulers that give mmcv's learning rates, also next to a warm-up.

mmcv's ``poly`` and ``CosineAnnealing`` policies compute the regular rate
in closed form and multiply it by the warm-up factor. mmengine chains
schedulers: each updates the current rate, and its ``PolyLR`` and
``CosineAnnealingLR`` do so affinely (``(lr - eta_min) * f + eta_min``),
so with a non-zero minimum they are not multiplied by a warm-up that
overlaps them; and ``PolyLR`` reaches ``eta_min`` one step before ``end``,
where mmcv's poly reaches it at the end of the run. The subclasses here
step the rate by the ratio of two consecutive closed-form values, which
chains multiplicatively with a warm-up exactly as mmcv's hook does.
"""

import math

from mmengine.optim.scheduler import CosineAnnealingLR, PolyLR
from mmengine.registry import PARAM_SCHEDULERS


class _ClosedFormRatio:
    """Step the value by ``regular(t) / regular(t - 1)`` of a closed-form schedule."""

    def _regular(self, base: float, step: int) -> float:
        raise NotImplementedError

    def _get_value(self):
        groups = self.optimizer.param_groups
        if self.last_step == 0:
            return [group[self.param_name] for group in groups]
        values = []
        for base, group in zip(self.base_values, groups):
            before = self._regular(base, self.last_step - 1)
            now = self._regular(base, self.last_step)
            # A zero rate cannot be scaled back up: start from the regular value.
            values.append(group[self.param_name] * now / before if before else now)
        return values


@PARAM_SCHEDULERS.register_module()
class MmcvPolyLR(_ClosedFormRatio, PolyLR):
    """mmcv's ``poly`` policy: ``(base - eta_min) * (1 - t / T) ** power + eta_min``.

    ``T = end - begin`` (mmcv's ``max_epochs`` or ``max_iters``), so the rate
    reaches ``eta_min`` when the run ends, as in mmcv.
    """

    def __init__(self, optimizer, *args, begin: int = 0, end: int = 1, **kwargs) -> None:
        self.total_steps = end - begin
        super().__init__(optimizer, *args, begin=begin, end=end, **kwargs)

    def _regular(self, base: float, step: int) -> float:
        return (base - self.eta_min) * (1 - step / self.total_steps) ** self.power + self.eta_min


@PARAM_SCHEDULERS.register_module()
class MmcvCosineAnnealingLR(_ClosedFormRatio, CosineAnnealingLR):
    """mmcv's ``CosineAnnealing`` policy, chained with a warm-up as mmcv chains it."""

    def _regular(self, base: float, step: int) -> float:
        target = self.eta_min if self.eta_min_ratio is None else base * self.eta_min_ratio
        return target + (base - target) * (1 + math.cos(math.pi * step / self.T_max)) / 2
