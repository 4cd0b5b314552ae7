"""``CheckpointHook`` whose files survive a kill at any moment."""

import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from mmaction.registry import HOOKS

from ..atomic_io import atomic_local_writes, atomic_write_text, remove_partial_files


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with crash-safe saving.

    Differences from the parent, all about a process killed while saving:

    - checkpoint files and the ``last_checkpoint`` pointer are written to a
      temporary file and renamed into place, so neither is ever half-written;
    - the pointer moves to the new checkpoint only after it is complete;
    - with ``max_keep_ckpts``, old checkpoints are deleted after the new one
      is saved (the parent deletes first, which can leave the pointer naming a
      deleted file).

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
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        with atomic_local_writes():
            runner.save_checkpoint(
                self.out_dir,
                ckpt_filename,
                self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler,
                meta=meta,
                by_epoch=self.by_epoch,
                backend_args=self.backend_args,
                **self.args,
            )
        if not is_main_process():
            return
        atomic_write_text(osp.join(runner.work_dir, 'last_checkpoint'), str(self.last_ckpt))
        for old_step in stale:
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(old_step))
            if osp.isfile(path):
                os.remove(path)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        with atomic_local_writes():
            super()._save_best_checkpoint(runner, metrics)
