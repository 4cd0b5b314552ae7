"""Training progress on the console: per-epoch progress, validation metrics, final paths."""

import time
from typing import Dict, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from mmaction.registry import HOOKS

from ..console import show
from ..progress import ProgressDisplay, format_duration


def format_metrics(metrics: Dict[str, float]) -> str:
    """``name: value`` pairs on one line, as the tools print metrics."""
    return '  '.join(f'{name}: {value:.4f}' for name, value in metrics.items())


def format_metric_lines(metrics: Dict[str, float]) -> str:
    """One ``name: value`` line per metric (the tools' final result lines)."""
    return '\n'.join(f'{name}: {value:.4f}' for name, value in metrics.items())


@HOOKS.register_module()
class ConsoleProgressHook(Hook):
    """Shows a training run on the console of rank 0 (the log file keeps mmengine's lines).

    - each epoch: a bar that redraws in place on a terminal, or a few plain
      lines in a file, with the loss, the learning rate and the time left
      for the whole run;
    - each validation: one line ``Epoch N val: top1_acc: ...``;
    - at the end: how long it took and where the checkpoints and the log are.
    """

    priority = 'LOW'  # after RuntimeInfoHook has put this iteration's loss and lr in the hub

    def __init__(self) -> None:
        self._bar: Optional[ProgressDisplay] = None
        self._start = 0.0
        self._start_iter = 0

    def before_train(self, runner) -> None:
        """Start the run's clock (after a resume, from the resumed iteration)."""
        self._start = time.perf_counter()
        self._start_iter = runner.iter

    def before_train_epoch(self, runner) -> None:
        """Open this epoch's bar."""
        if is_main_process():
            title = f'Epoch {runner.epoch + 1}/{runner.max_epochs}'
            self._bar = ProgressDisplay(len(runner.train_dataloader), title)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        """Advance the bar; show loss, learning rate and the run's time left."""
        if self._bar is None:
            return
        scalars = runner.message_hub.log_scalars
        parts = []
        if 'train/loss' in scalars:  # the mean over the epoch so far: one batch is noisy
            parts.append(f'loss {scalars["train/loss"].mean(batch_idx + 1):.4f}')
        if 'train/lr' in scalars:
            parts.append(f'lr {scalars["train/lr"].current():.3g}')
        done = runner.iter + 1 - self._start_iter
        elapsed = time.perf_counter() - self._start
        left = elapsed / max(done, 1) * (runner.max_iters - runner.iter - 1)
        self._bar.update(batch_idx + 1, '  '.join(parts), eta=left)

    def after_train_epoch(self, runner) -> None:
        """Close this epoch's bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def before_val_epoch(self, runner) -> None:
        """A transient bar on a terminal; nothing in a file."""
        if is_main_process():
            bar = ProgressDisplay(len(runner.val_dataloader), 'Validating', transient=True)
            self._bar = bar if bar.interactive else None
            if not bar.interactive:
                bar.close()

    def after_val_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        """Advance the validation bar."""
        if self._bar is not None:
            self._bar.update(batch_idx + 1)

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        """One line with the validation metrics."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if is_main_process() and metrics:
            show(f'Epoch {runner.epoch} val: {format_metrics(metrics)}')

    def after_train(self, runner) -> None:
        """Say how long it took and where the checkpoints and the log are."""
        if not is_main_process():
            return
        lines = [f'Training done in {format_duration(time.perf_counter() - self._start)}.']
        last = runner.message_hub.get_info('last_ckpt')
        if last:
            lines.append(f'  last checkpoint: {last}')
        best = runner.message_hub.get_info('best_ckpt')
        if best:
            lines.append(f'  best checkpoint: {best}')
        lines.append(f'  log: {runner.logger.log_file}')
        show('\n'.join(lines))
