"""A progress bar over the test set, drawn by the first process only."""

from typing import Optional

from mmengine.dist import get_dist_info
from mmengine.hooks import Hook

from mmaction.registry import HOOKS

from ..progress import ProgressDisplay


@HOOKS.register_module()
class TestProgressHook(Hook):
    """Shows how many of the test videos are done, with the time left.

    A bar that redraws in place on a terminal, a few plain lines in a file.
    Every process handles a share of each global batch, so the count grows by
    batch size x world size per step, capped at the data set's length (the
    distributed sampler pads the last step).
    """

    priority = 'LOW'

    def __init__(self) -> None:
        self._bar: Optional[ProgressDisplay] = None
        self._done = 0

    def before_test_epoch(self, runner) -> None:
        """Start the bar on rank 0."""
        rank, _ = get_dist_info()
        self._done = 0
        total = len(runner.test_dataloader.dataset)
        self._bar = ProgressDisplay(total, 'Testing') if rank == 0 else None

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        """Advance by the number of videos this step handled across processes."""
        if self._bar is None:
            return
        _, world_size = get_dist_info()
        batch = len(outputs) if outputs is not None else 1
        self._done = min(self._done + batch * world_size, self._bar.total)
        self._bar.update(self._done)

    def after_test_epoch(self, runner, metrics=None) -> None:
        """Close the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
