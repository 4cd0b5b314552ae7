"""Adds MMAction2's meta data and the random state to checkpoints."""

import random
from typing import Optional

import numpy as np
import torch
from mmengine.hooks import Hook

from mmaction import __version__
from mmaction.registry import HOOKS

from ..plain_checkpoint import restore_history_buffers, to_plain


def capture_rng_state() -> dict:
    """Python, NumPy and torch random states as plain types and tensors.

    Only types that ``torch.load(weights_only=True)`` accepts are used, so
    resuming needs no unsafe unpickling.
    """
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    state = dict(
        python=random.getstate(),
        numpy=dict(
            kind=str(kind),
            keys=torch.from_numpy(np.asarray(keys, dtype=np.int64)),
            pos=int(pos),
            has_gauss=int(has_gauss),
            gauss=float(gauss),
        ),
        torch=torch.get_rng_state(),
    )
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict) -> None:
    """Inverse of :func:`capture_rng_state`."""
    version, internal, gauss_next = state['python']
    random.setstate((version, tuple(internal), gauss_next))
    np_state = state['numpy']
    np.random.set_state(
        (
            np_state['kind'],
            np_state['keys'].numpy().astype(np.uint32),
            np_state['pos'],
            np_state['has_gauss'],
            np_state['gauss'],
        )
    )
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        cuda_states = state['cuda']
        if len(cuda_states) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda_states)


@HOOKS.register_module()
class CheckpointMetaHook(Hook):
    """Makes checkpoints carry what MMAction2 0.x put there, and the RNG state.

    On save: ``meta['config']`` (the config text, as 0.x's train tool stored
    it), ``meta['mmaction_version']`` and ``rng_state`` are added, and NumPy
    values and mmengine's ``HistoryBuffer`` objects are stored as plain types,
    so that ``torch.load(path)`` works with PyTorch's default
    ``weights_only=True``, as for 0.x checkpoints. mmengine already
    stores ``meta['epoch']``, ``meta['iter']``, ``state_dict``,
    ``optimizer``, ``param_schedulers`` and ``message_hub``. A train loop
    with ``state_dict`` (:class:`~mmaction.engine.runtime.loops.ResumableTrainLoop`:
    the batch within the epoch and the sampler's seed) adds ``train_loop``.

    On resume: the random state saved with the checkpoint is restored just
    before training continues (after mmengine has re-seeded), so the resumed
    run draws the same random numbers an uninterrupted run would; the train
    loop gets its ``train_loop`` state back.
    """

    priority = 'VERY_LOW'

    def __init__(self) -> None:
        self._pending_rng: Optional[dict] = None
        self._config_text: Optional[str] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Add config text, version and random state."""
        meta = checkpoint.setdefault('meta', {})
        if self._config_text is None:  # formatting the config takes a moment
            self._config_text = runner.cfg.pretty_text
        meta['config'] = self._config_text
        meta['mmaction_version'] = __version__
        checkpoint['rng_state'] = capture_rng_state()
        loop_state = getattr(runner.train_loop, 'state_dict', None)
        if loop_state is not None:
            checkpoint['train_loop'] = loop_state()
        # Plain types only, so that torch.load(path) works with weights_only=True.
        for key in ('meta', 'message_hub', 'param_schedulers'):
            if key in checkpoint:
                checkpoint[key] = to_plain(checkpoint[key])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Rebuild message-hub buffers; keep the random state when the run resumes."""
        if 'message_hub' in checkpoint:
            checkpoint['message_hub'] = restore_history_buffers(checkpoint['message_hub'])
        if not getattr(runner, '_resume', False):
            return
        if 'rng_state' in checkpoint:
            self._pending_rng = checkpoint['rng_state']
        load_loop_state = getattr(runner.train_loop, 'load_state_dict', None)
        if load_loop_state is not None and 'train_loop' in checkpoint:
            load_loop_state(checkpoint['train_loop'])

    def before_train(self, runner) -> None:
        """Restore the remembered random state."""
        if self._pending_rng is not None:
            restore_rng_state(self._pending_rng)
            runner.logger.info('Restored the random state saved with the resumed checkpoint.')
            self._pending_rng = None
