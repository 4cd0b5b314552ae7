"""A progress bar over the test set, drawn by the first process only."""

from typing import Optional

from mmengine.dist import get_dist_info
from mmengine.hooks import Hook
from mmengine.utils import ProgressBar

from mmaction.registry import HOOKS


@HOOKS.register_module()
class TestProgressHook(Hook):
    """Shows how many of the test videos are done, with speed and ETA.

    Every process handles a share of each global batch, so the count grows by
    batch size x world size per step, capped at the data set's length (the
    distributed sampler pads the last step).
    """

    priority = 'LOW'

    def __init__(self) -> None:
        self._bar: Optional[ProgressBar] = None
        self._done = 0
        self._total = 0

    def before_test_epoch(self, runner) -> None:
        """Start the bar on rank 0."""
        rank, _ = get_dist_info()
        self._done = 0
        self._total = len(runner.test_dataloader.dataset)
        self._bar = ProgressBar(self._total) if rank == 0 else None

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        """Advance by the number of videos this step handled across processes."""
        if self._bar is None:
            return
        _, world_size = get_dist_info()
        batch = len(outputs) if outputs is not None else 1
        step = min(batch * world_size, self._total - self._done)
        if step > 0:
            self._bar.update(step)
            self._done += step

    def after_test_epoch(self, runner, metrics=None) -> None:
        """End the bar's line."""
        if self._bar is not None:
            print(flush=True)
            self._bar = None
