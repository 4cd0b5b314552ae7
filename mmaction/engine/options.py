"""The command-line options of a training or testing run, as one object each.

``tools/train.py`` and ``tools/test.py`` fill these from their arguments;
:func:`~mmaction.engine.train_model` / :func:`~mmaction.engine.test_model`
and the config converters read them, so an option is declared once here
instead of being relayed as a keyword through every layer.
"""

from dataclasses import dataclass, field
from typing import Any, List, Optional, Union

#: Default of ``TestOptions.average_clips``: keep the value of the config.
KEEP_AVERAGE_CLIPS = 'keep-config'


@dataclass
class RunOptions:
    """Options shared by training and testing.

    Attributes:
        work_dir: ``--work-dir``; else the config's ``work_dir``; else
            ``./work_dirs/<config name>``.
        launcher: ``--launcher``: ``'none'``, ``'pytorch'``, ``'slurm'`` or
            ``'mpi'``.
        verbose: ``--verbose``: also show the environment, the config and the
            hook table on the console (they always go to the log file).
        amp: ``--amp [bf16|fp16]``: mixed precision; True (``--amp`` alone)
            is float16 with loss scaling on CUDA, bfloat16 on the CPU. It
            wins over the config's ``precision``.
    """

    work_dir: Optional[str] = None
    launcher: str = 'none'
    verbose: bool = False
    amp: Union[bool, str] = False


@dataclass
class TrainOptions(RunOptions):
    """Options of ``tools/train.py`` (MMAction2 0.x's and 1.x's).

    Attributes:
        validate: ``--validate`` (True) / ``--no-validate`` (False): evaluate
            on the validation data during training and keep the best
            checkpoint; None follows the config's dialect (0.x: no, 1.x: yes).
        test_last: ``--test-last``: test the final weights on the test data.
        test_best: ``--test-best``: test the best weights on the test data.
        resume: ``--resume-from CKPT`` / ``--resume CKPT``: resume from that
            checkpoint; ``'auto'`` (``--auto-resume``, ``--resume`` alone):
            from the newest complete checkpoint of the work dir, if any.
        seed: ``--seed``.
        diff_seed: ``--diff-seed`` / ``--diff-rank-seed``: a different seed
            on every rank.
        deterministic: ``--deterministic``: deterministic algorithms.
        auto_scale_lr: ``--auto-scale-lr``: scale the learning rate to the
            total batch size (the config's ``auto_scale_lr.base_batch_size``).
    """

    validate: Optional[bool] = None
    test_last: bool = False
    test_best: bool = False
    resume: Optional[str] = None
    seed: Optional[int] = None
    diff_seed: bool = False
    deterministic: bool = False
    auto_scale_lr: bool = False

    @property
    def test(self) -> bool:
        """bool: Whether ``data.test`` is used after training."""
        return self.test_last or self.test_best


@dataclass
class TestOptions(RunOptions):
    """Options of ``tools/test.py`` (MMAction2 0.x's and 1.x's).

    Attributes:
        metrics: ``--eval`` names, e.g. ``['top_k_accuracy',
            'mean_class_accuracy']``; None uses the config's ``eval_config``.
        eval_options: ``--eval-options``.
        out: ``--out``: per-video scores (``.json``, ``.pkl``, ``.yaml``).
        dump: ``--dump``: per-video predictions in MMAction2 1.x's pickle.
        average_clips: ``--average-clips``: ``'score'``, ``'prob'`` or None;
            :data:`KEEP_AVERAGE_CLIPS` keeps the config's value.
        fuse_conv_bn: ``--fuse-conv-bn``: fold BatchNorm into convolutions.
        channels_last: ``--channels-last``: channels-last convolutions and
            input, as the config key ``channels_last``.
    """

    __test__ = False  # not a pytest test class, despite the name

    metrics: Optional[List[str]] = None
    eval_options: dict = field(default_factory=dict)
    out: Optional[str] = None
    dump: Optional[str] = None
    average_clips: Any = KEEP_AVERAGE_CLIPS
    fuse_conv_bn: bool = False
    channels_last: bool = False
