"""mmengine ``Runner`` that also runs distributed on CPU-only machines."""

import copy
import os
from typing import Optional

import torch
import torch.distributed as torch_dist
from mmengine.model import MMDistributedDataParallel, is_model_wrapper, revert_sync_batchnorm
from mmengine.runner import Runner
from torch.utils.data import Dataset

from mmaction.utils import apply_checkpoint, load_checkpoint_file

from .. import model_builder
from ..speed.plan import SpeedPlan
from .console import setup_console, show
from .fine_tune_load import load_for_fine_tuning

#: The top-level 0.x config keys this module handles (read from ``runner.cfg``).
TOP_LEVEL_KEYS = ('find_unused_parameters',)


def init_cpu_process_group(launcher: str) -> bool:
    """Start a gloo process group for a CPU run; return whether one was started.

    mmengine's own start-up selects a CUDA device first, which fails without
    one. With ``--launcher pytorch`` (``torchrun``) the rank, world size and
    rendezvous address come from the environment.
    """
    if torch.cuda.is_available() or torch_dist.is_initialized():
        return False
    if launcher != 'pytorch':
        raise RuntimeError(
            f'--launcher {launcher} needs GPUs; on a CPU-only machine start the '
            'processes with torchrun (tools/dist_train.sh) and --launcher pytorch'
        )
    torch_dist.init_process_group(backend='gloo')
    return True


class ActionRunner(Runner):
    """``Runner`` with a short console, pre-built datasets and CPU-aware distributed set-up.

    - The console shows what :mod:`mmaction.engine.runtime.console` lets through; the
      log file keeps everything (``verbose=True`` shows everything).
    - A dataloader config may hold a dataset that is already built (the
      tools build and check them before the run starts); it is used as is.
    - ``load_checkpoint`` (``load_from``, ``--test-best``) loads what fits
      and says on the console how many tensors were loaded, skipped and
      missing. With ``load_class_rows='by_name'`` (configs written by
      ``tools/new_config.py``) ``load_from`` must fit but for the heads'
      class layers, whose rows are matched by class name
      (:func:`~.fine_tune_load.load_for_fine_tuning`).
    - Without CUDA, a distributed run uses a gloo process group and a
      ``DistributedDataParallel`` without ``device_ids``.
    - SyncBN layers cannot synchronise CPU tensors, so on a CPU-only
      distributed run they become ordinary BatchNorm layers (with a log line).
    - A model config is built by :func:`~mmaction.engine.model_builder.build_model`
      with the run's :class:`~mmaction.engine.speed.plan.SpeedPlan`
      (``speed=``, from the config converters): memory format,
      ``torch.compile`` and TF32 as every tool applies them. It is built
      where mmengine builds it, after the process group and the random
      seed are set up, so that ``--seed`` fixes the initial weights. A model
      passed already built is used as it is. mmengine's own ``cfg.compile``
      (of ``train_step``) is not used.

    Args:
        *args: Arguments of mmengine's ``Runner``.
        verbose (bool): Show the whole log on the console.
        speed (SpeedPlan, optional): The run's speed plan.
        load_class_rows (str): ``'by_position'`` (MMAction2's loading of
            ``load_from``) or ``'by_name'``.
        **kwargs: Keyword arguments of mmengine's ``Runner``.
    """

    def __init__(
        self,
        *args,
        verbose: bool = False,
        speed: Optional[SpeedPlan] = None,
        load_class_rows: str = 'by_position',
        **kwargs,
    ) -> None:
        # Set first: mmengine's __init__ calls build_logger, setup_env and build_model.
        self._verbose = verbose
        self._speed = speed
        self._load_class_rows = load_class_rows
        super().__init__(*args, **kwargs)

    def build_logger(self, *args, **kwargs):
        """mmengine's logger, with the short console of the tools."""
        logger = super().build_logger(*args, **kwargs)
        setup_console(logger, self._verbose)
        return logger

    def build_dataloader(self, dataloader, seed=None, diff_rank_seed: bool = False):
        """mmengine's ``build_dataloader``, using a built ``dataset`` as it is (not a copy)."""
        if isinstance(dataloader, dict) and isinstance(dataloader.get('dataset'), Dataset):
            dataloader = copy.copy(dataloader)
            dataset = dataloader.pop('dataset')
            dataloader = copy.deepcopy(dataloader)
            dataloader['dataset'] = dataset
        return Runner.build_dataloader(dataloader, seed=seed, diff_rank_seed=diff_rank_seed)

    def load_checkpoint(
        self, filename: str, map_location='cpu', strict: bool = False, revise_keys=None
    ) -> dict:
        """Load the weights of ``filename`` that fit the model; one summary line on the console.

        Fine-tuning from a checkpoint with another head is normal, so with
        ``strict=False`` a partial load is allowed; the line says how many
        tensors were loaded, skipped (another shape) and missing.
        """
        checkpoint = load_checkpoint_file(filename, map_location=map_location)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        revise = revise_keys if revise_keys is not None else [(r'^module\.', '')]
        fit = apply_checkpoint(model, checkpoint, strict, revise, name=filename)
        self._has_loaded = True
        details = '' if fit.complete else f'; not loaded: {fit.describe_mismatch()}'
        show(f'Loaded {filename}: {fit.summary()}{details}', self.logger)
        return checkpoint

    def load_or_resume(self) -> None:
        """mmengine's, but ``load_from`` by class name when fine-tuning (``load_class_rows``)."""
        if self._has_loaded or self._resume or self._load_from is None:
            return super().load_or_resume()
        if self._load_class_rows != 'by_name':
            return super().load_or_resume()
        checkpoint = load_checkpoint_file(self._load_from, map_location='cpu')
        model = self.model.module if is_model_wrapper(self.model) else self.model
        classes = getattr(self.train_dataloader.dataset, 'metainfo', {}).get('classes')
        show(load_for_fine_tuning(model, checkpoint, classes, self._load_from), self.logger)
        self._has_loaded = True
        return None

    def setup_env(self, env_cfg: dict) -> None:
        """Start gloo for CPU-only distributed runs, then mmengine's set-up."""
        if self.distributed:
            init_cpu_process_group(self.launcher)
        super().setup_env(env_cfg)

    def build_model(self, model):
        """A model config goes through the toolkit's model builder, with the run's speed plan."""
        if isinstance(model, dict):
            return model_builder.build_model(model, speed=self._speed, training=True)
        return super().build_model(model)

    def _maybe_compile(self, target: str) -> None:
        """Nothing: the model builder compiles the model's parts with the speed plan.

        mmengine would compile ``train_step`` as a whole when the config has
        a ``compile`` key, which is this toolkit's key for the model.
        """

    def wrap_model(self, model_wrapper_cfg, model):
        """Wrap for distributed training; CPU runs get a device-less DDP."""
        if not self.distributed or torch.cuda.is_available():
            wrapped = super().wrap_model(model_wrapper_cfg, model)
            if self.distributed and self.cfg.get('sync_bn'):
                count = sum(isinstance(m, torch.nn.SyncBatchNorm) for m in wrapped.modules())
                self.logger.info(
                    f'SyncBN: {count} SyncBatchNorm layers synchronise across processes.'
                )
            return wrapped
        reverted = revert_sync_batchnorm(model)
        if self.cfg.get('sync_bn'):
            self.logger.info('SyncBN is not available on the CPU; using per-process BatchNorm.')
        find_unused = bool(self.cfg.get('find_unused_parameters', False))
        return MMDistributedDataParallel(
            module=reverted,
            device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=find_unused,
        )

    def set_randomness(self, seed=None, diff_rank_seed: bool = False, deterministic: bool = False):
        """Seed as mmengine does; with ``deterministic``, ops without a deterministic kernel warn.

        0.x only set cuDNN flags, so such ops did not stop a run there either.
        """
        if deterministic:
            # cuBLAS needs a fixed workspace for reproducible results (read at CUDA init).
            os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')
        super().set_randomness(seed, diff_rank_seed, deterministic)
        if deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)

    def mark_checkpoint_loaded(self) -> None:
        """Stop ``test()`` from loading or resuming again after ``train()``."""
        self._has_loaded = True


def local_rank() -> int:
    """This process's local rank (0 when not launched by torchrun/slurm)."""
    return int(os.environ.get('LOCAL_RANK', 0))
