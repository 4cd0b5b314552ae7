"""Writes the per-class report of the best validation epoch into the work dir."""

from typing import Optional

from mmengine.hooks import CheckpointHook, Hook

from mmaction.registry import HOOKS

from ..console import show
from ..per_class_report import find_class_report, report_lines, write_class_report


def _best_key(runner) -> Optional[str]:
    """The message-hub key of the best checkpoint's path, or None when no best is kept."""
    for hook in runner.hooks:
        if isinstance(hook, CheckpointHook) and hook.save_best:
            indicators = hook.key_indicators
            return 'best_ckpt' if len(indicators) == 1 else f'best_ckpt_{indicators[0]}'
    return None


@HOOKS.register_module()
class ClassReportHook(Hook):
    """After each validation, write its per-class report if it is of the best epoch so far.

    The best epoch is the checkpoint hook's (``save_best``): the report is
    written when the best checkpoint changes, so the folder always describes
    the weights of ``best_*.pth``. Without ``save_best`` every validation
    writes it (the last one stays). At the end of training the console shows
    the weakest classes of that epoch.

    Args:
        out_dir (str): Where the report goes (``<work_dir>/class_report_val``).
    """

    # After the checkpoint hook (VERY_LOW), which decides the best epoch.
    priority = 'LOWEST'

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir
        self._best: Optional[str] = None
        self._written = None

    def after_val_epoch(self, runner, metrics=None) -> None:
        """Write the report when this epoch's weights became the best."""
        metric = find_class_report(runner.val_loop.evaluator)
        if metric is None or metric.latest is None:
            return  # another process, or a multi-label data set
        key = _best_key(runner)
        if key is not None:
            best = runner.message_hub.get_info(key)
            if best is None or best == self._best:
                return
            self._best = best
        notes = write_class_report(metric.latest, self.out_dir, 'val', dict(epoch=runner.epoch))
        self._written = (metric.latest, runner.epoch, notes)

    def after_train(self, runner) -> None:
        """Show the weakest classes of the reported epoch."""
        if self._written is None:
            return
        report, epoch, notes = self._written
        lines = [report_lines(report, self.out_dir, f'the validation of epoch {epoch}'), *notes]
        show('\n'.join(lines), runner.logger)
