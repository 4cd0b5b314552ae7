"""The epoch-based train loop of the toolkit: stops on signals, resumes mid-epoch, guards the loss."""

from typing import Sequence

import torch
from mmengine.dist import barrier, is_main_process
from mmengine.registry import LOOPS
from mmengine.runner import EpochBasedTrainLoop

from .auto_resume import find_resumable_checkpoint
from .device_batches import decode_on_model_device
from .hooks import AtomicCheckpointHook
from .nonfinite import (
    NonFiniteLossError,
    NonFiniteLossGuard,
    nonfinite_loss_policy,
    nonfinite_terms,
)
from .preemption import StopSignals, TrainingInterrupted, signal_name


@LOOPS.register_module()
class ResumableTrainLoop(EpochBasedTrainLoop):
    """mmengine's ``EpochBasedTrainLoop`` that survives preemption and bad steps.

    - **Stop signals.** While it runs, SIGTERM and SIGINT are caught
      (:class:`~mmaction.engine.runtime.preemption.StopSignals`). After each
      iteration the processes agree whether to stop; if so, ``iter_N.pth`` is
      saved (epoch, iteration, batch within the epoch, sampler state, random
      states) and :class:`TrainingInterrupted` ends the run.
    - **Mid-epoch resume.** Resumed from such a checkpoint, the epoch goes
      on with the next batch: the sampler
      (:class:`~mmaction.engine.runtime.samplers.ResumableSampler`) skips the
      samples already trained on instead of replaying them.
    - **Non-finite losses.** A step whose loss is NaN or infinite on any
      process updates nothing; with ``nonfinite_loss='stop'`` the run ends
      with :class:`NonFiniteLossError` naming the epoch, iteration and loss
      term (the checkpoints on disk are all from before), with ``'skip'`` a
      warning is logged and training goes on.

    The training and validation data loaders get their own random generators
    for the seed they draw when a pass starts (used only to seed workers,
    which the sampler's per-sample seeds override), so the training step's
    random numbers do not depend on where a run was resumed, nor on
    ``--validate``.

    Args:
        runner: The runner.
        dataloader: The training data loader or its config.
        max_epochs: Number of epochs.
        val_begin: First epoch to validate after. Defaults to 1.
        val_interval: Validate every this many epochs. Defaults to 1.
        dynamic_intervals: As mmengine's. Defaults to None.
        nonfinite_loss: ``'stop'`` or ``'skip'`` (config key
            ``nonfinite_loss``). Defaults to ``'stop'``.
    """

    def __init__(
        self, runner, dataloader, max_epochs: int, val_begin: int = 1, val_interval: int = 1,
        dynamic_intervals=None, nonfinite_loss: str = 'stop',
    ) -> None:  # fmt: skip
        super().__init__(runner, dataloader, max_epochs, val_begin, val_interval, dynamic_intervals)
        self.nonfinite_loss = nonfinite_loss_policy(nonfinite_loss)
        self.dataloader.generator = torch.Generator()
        self._batch_in_epoch = 0
        self._resume_batch = 0
        self._num_skipped = 0
        self._signals = StopSignals(announce=is_main_process())

    # --------------------------------------------------------------- state
    @property
    def sampler(self):
        """The training sampler (a :class:`ResumableSampler` when built from a 0.x config)."""
        return self.dataloader.sampler

    def state_dict(self) -> dict:
        """Where the run stands within the epoch, for a checkpoint.

        ``batch_in_epoch`` counts the batches of the checkpoint's epoch
        (``meta['epoch']``) already trained on: 0 for the checkpoints saved at
        the end of an epoch, whose ``meta['epoch']`` is the next one.
        """
        state = dict(batch_in_epoch=self._batch_in_epoch)
        if hasattr(self.sampler, 'state_dict'):
            state['sampler'] = self.sampler.state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        """Continue from :meth:`state_dict`: the next epoch starts at that batch."""
        self._resume_batch = int(state.get('batch_in_epoch', 0))
        if 'sampler' in state and hasattr(self.sampler, 'load_state_dict'):
            self.sampler.load_state_dict(state['sampler'])

    # --------------------------------------------------------------- running
    def run(self) -> torch.nn.Module:
        """Train, with SIGTERM/SIGINT turned into a checkpoint and a clean stop."""
        val_loop = self.runner.val_loop
        if val_loop is not None:
            # Validating must not draw from the training's random numbers either:
            # a run resumed from a checkpoint saved before validation would differ.
            val_loop.dataloader.generator = torch.Generator()
        with self._signals:
            return super().run()

    def run_epoch(self) -> None:
        """One epoch, or what remains of it after a mid-epoch resume."""
        first, self._resume_batch = self._resume_batch, 0
        self._batch_in_epoch = first
        self._stop_if_asked()  # a signal during start-up or validation
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        if first:
            self.sampler.skip(first * self.dataloader.batch_size)
            self.runner.logger.info(
                f'Resuming epoch {self._epoch + 1} after batch {first} of {len(self.dataloader)}.'
            )
        for idx, data_batch in enumerate(self.dataloader, start=first):
            self.run_iter(idx, data_batch)
            self._batch_in_epoch = idx + 1
            self._stop_if_asked()
        self._batch_in_epoch = 0
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1

    def run_iter(self, idx: int, data_batch: Sequence[dict]) -> None:
        """One training step; a non-finite loss updates nothing (see the class)."""
        self.runner.call_hook('before_train_iter', batch_idx=idx, data_batch=data_batch)
        data_batch = decode_on_model_device(data_batch, self.runner.model)
        guard = NonFiniteLossGuard(self.runner.optim_wrapper)
        outputs = self.runner.model.train_step(data_batch, optim_wrapper=guard)
        if guard.tripped:
            self._nonfinite_loss(idx, outputs)
        self.runner.call_hook(
            'after_train_iter', batch_idx=idx, data_batch=data_batch, outputs=outputs
        )
        self._iter += 1

    def _where(self, idx: int) -> str:
        return (
            f'epoch {self._epoch + 1}, iteration {self._iter + 1} '
            f'(batch {idx + 1} of {len(self.dataloader)})'
        )

    def _nonfinite_loss(self, idx: int, outputs: dict) -> None:
        terms = ', '.join(nonfinite_terms(outputs))
        if self.nonfinite_loss == 'skip':
            self._num_skipped += 1
            self.runner.logger.warning(
                f'Non-finite loss at {self._where(idx)}: {terms}; step skipped '
                f"(nonfinite_loss='skip'), {self._num_skipped} so far."
            )
            return
        last = find_resumable_checkpoint(self.runner.work_dir)
        kept = f'the last checkpoint, {last}, is kept' if last else 'no checkpoint was saved yet'
        raise NonFiniteLossError(
            f'non-finite loss at {self._where(idx)}: {terms}. The weights were not updated and '
            f'{kept}. Lower the learning rate (optimizer.lr) or check the data and continue '
            "with --auto-resume, or set nonfinite_loss='skip' in the config to skip such steps"
        )

    def _stop_if_asked(self) -> None:
        """Save ``iter_N.pth`` and end the run when the processes agree to stop."""
        signum = self._signals.agreed()
        if not signum:
            return
        hook = self._checkpoint_hook()
        path = hook.save_resume_checkpoint(
            self.runner, meta=dict(epoch=self._epoch, iter=self._iter)
        )
        barrier()  # no process exits (and makes the launcher kill the others) before the save
        message = (
            f'Stopped by {signal_name(signum)} after iteration {self._iter} (epoch '
            f'{self._epoch + 1}: {self._batch_in_epoch} of {len(self.dataloader)} batches done); '
            f'saved {path}. Continue with the same command plus --auto-resume.'
        )
        raise TrainingInterrupted(signum, message if is_main_process() else '')

    def _checkpoint_hook(self) -> AtomicCheckpointHook:
        for hook in self.runner.hooks:
            if isinstance(hook, AtomicCheckpointHook):
                return hook
        raise RuntimeError('ResumableTrainLoop needs an AtomicCheckpointHook to save on a signal')
