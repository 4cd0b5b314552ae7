"""``CheckpointHook`` whose files survive a kill at any moment."""

import os
import os.path as osp
from contextlib import contextmanager
from typing import Iterator, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from mmaction.registry import HOOKS
from mmaction.utils.errors import CheckpointError

from ..atomic_io import atomic_local_writes, atomic_write_text, remove_partial_files
from ..auto_resume import find_resumable_checkpoint

#: Message-hub key listing the ``iter_N.pth`` files saved on a stop signal.
RESUME_CKPTS_KEY = 'resume_ckpts'


def failed_save_message(what: str, error: OSError, previous: Optional[str]) -> str:
    """The one-line explanation of a checkpoint that could not be written.

    Args:
        what: The checkpoint, e.g. ``'checkpoint work/epoch_3.pth'``.
        error: The error of the write.
        previous: The checkpoint ``--auto-resume`` would take now, if any.
    """
    cause = error.strerror or str(error)
    if previous:
        kept = (
            f'the previous checkpoint {previous} is intact and last_checkpoint still points '
            'to it; free disk space (or raise the file-size limit) and continue with --auto-resume'
        )
    else:
        kept = 'no earlier checkpoint exists; free disk space and start again'
    return f'could not save {what}: {cause}; {kept}'


@contextmanager
def explain_failed_save(work_dir: str, what: str) -> Iterator[None]:
    """Turn an ``OSError`` while saving (disk full, file too large) into a CheckpointError.

    The atomic write has removed its temporary file, so the previous
    checkpoint and the ``last_checkpoint`` pointer are untouched.
    """
    try:
        yield
    except OSError as error:
        previous = find_resumable_checkpoint(work_dir)
        raise CheckpointError(failed_save_message(what, error, previous)) from error


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with crash-safe saving.

    Differences from the parent, all about saving safely:

    - checkpoint files and the ``last_checkpoint`` pointer are written to a
      temporary file and renamed into place, so neither is ever half-written;
    - the pointer moves to the new checkpoint only after it is complete;
    - with ``max_keep_ckpts``, old checkpoints are deleted after the new one
      is saved (the parent deletes first, which can leave the pointer naming a
      deleted file);
    - a save that fails (disk full, file too large) raises a
      ``CheckpointError`` that names the file, the cause and the previous
      checkpoint, which is intact and still named by the pointer.

    :meth:`save_resume_checkpoint` writes the ``iter_N.pth`` of a run
    stopped by a signal.

    Arguments are those of ``mmengine.hooks.CheckpointHook``.
    """

    def before_train(self, runner) -> None:
        """Set up as the parent does, then drop leftovers of interrupted writes."""
        super().before_train(runner)
        if is_main_process():
            remove_partial_files(self.out_dir)

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        stale = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                stale.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self._write(runner, ckpt_filename, meta, self.by_epoch)
        if not is_main_process():
            return
        for old_step in stale:
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(old_step))
            if osp.isfile(path):
                os.remove(path)
        # The iter_N.pth of an earlier stop are superseded by this checkpoint.
        for path in runner.message_hub.get_info(RESUME_CKPTS_KEY) or []:
            if path != self.last_ckpt and osp.isfile(path):
                os.remove(path)
        runner.message_hub.update_info(RESUME_CKPTS_KEY, [])

    def save_resume_checkpoint(self, runner, meta: dict) -> str:
        """Save ``iter_<iteration>.pth`` to resume from after a stop signal.

        Written like the periodic checkpoints (atomically, then the
        ``last_checkpoint`` pointer moves to it), but outside of their
        schedule and of ``max_keep_ckpts``; the next periodic checkpoint
        deletes it.

        Args:
            runner: The runner.
            meta: The checkpoint's ``meta`` (epoch, iteration).

        Returns:
            The path of the checkpoint.
        """
        filename = f'iter_{runner.iter}.pth'
        path = self.file_backend.join_path(self.out_dir, filename)
        earlier = list(runner.message_hub.get_info(RESUME_CKPTS_KEY) or [])
        runner.message_hub.update_info(RESUME_CKPTS_KEY, earlier + [path])
        self.last_ckpt = self._write(runner, filename, meta, by_epoch=False)
        return self.last_ckpt

    def _write(self, runner, filename: str, meta: dict, by_epoch: bool) -> str:
        """Save a checkpoint atomically, then point ``last_checkpoint`` at it; returns its path."""
        path = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', path)
        with explain_failed_save(runner.work_dir, f'checkpoint {path}'), atomic_local_writes():
            runner.save_checkpoint(
                self.out_dir,
                filename,
                self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler,
                meta=meta,
                by_epoch=by_epoch,
                backend_args=self.backend_args,
                **self.args,
            )
            if is_main_process():
                atomic_write_text(osp.join(runner.work_dir, 'last_checkpoint'), str(path))
        return path

    def _save_best_checkpoint(self, runner, metrics) -> None:
        with explain_failed_save(runner.work_dir, f'the best checkpoint in {self.out_dir}'):
            with atomic_local_writes():
                super()._save_best_checkpoint(runner, metrics)
