"""Shared by the whole test suite: tiny TPN model configs, tiny synthetic data, one tiny run.

The model configs come from fixtures that return factory functions (a test
asks for ``slowonly_tpn_cfg`` and calls it): scaled-down TPN recognizers with
real ResNet backbones, TPN neck and TPNHead.

The helpers that run the tools live in ``tests/tools/tpn_run_helpers.py``;
this file puts that folder on ``sys.path`` so every test can import them.

Small videos as phones and cameras write them (containers, an audio track,
a rotation flag, variable frame rate) come from :func:`write_video`
(``tests/tools/video_files.py``).
"""

import glob
import math
import os.path as osp
import sys
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterator, List

import pytest
import torch
from torch import nn

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), 'tools'))

from tpn_run_helpers import (  # noqa: E402
    CONFIG,
    ROOT,
    TEST,
    data_options,
    make_data,
    run,
    train,
)
from video_files import marker_frames as _marker_frames  # noqa: E402
from video_files import write_video as _write_video  # noqa: E402

#: Classes of the tiny TPN models.
NUM_CLASSES = 5


def _tpn_neck(c3: int, c4: int, frames: int, num_classes: int = NUM_CLASSES) -> dict:
    """A TPN over two stages of ``c3`` and ``c4`` channels, clips of ``frames`` frames."""
    return dict(
        type='TPN',
        in_channels=(c3, c4),
        out_channels=c3,
        spatial_modulation_cfg=dict(in_channels=(c3, c4), out_channels=c4),
        temporal_modulation_cfg=dict(downsample_scales=(frames, frames)),
        upsample_cfg=dict(scale_factor=(1, 1, 1)),
        downsample_cfg=dict(downsample_scale=(1, 1, 1)),
        level_fusion_cfg=dict(
            in_channels=(c3, c3),
            mid_channels=(c3, c3),
            out_channels=c4,
            downsample_scales=((1, 1, 1), (1, 1, 1)),
        ),
        aux_head_cfg=dict(out_channels=num_classes, loss_weight=0.5),
    )


def _tpn_head(in_channels: int = 2048, num_classes: int = NUM_CLASSES) -> dict:
    """TPNHead; TPN's pyramid fusion always outputs 2048 channels (0.x), whatever the widths."""
    return dict(
        type='TPNHead',
        num_classes=num_classes,
        in_channels=in_channels,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.5,
        init_std=0.01,
    )


def _slowonly_tpn_cfg(test_cfg: dict) -> dict:
    """Recognizer3D: SlowOnly ResNet-18 with 8 base channels, clips of 4 frames."""
    return dict(
        type='Recognizer3D',
        backbone=dict(
            type='ResNet3dSlowOnly',
            depth=18,
            base_channels=8,
            pretrained=None,
            lateral=False,
            out_indices=(2, 3),
            conv1_kernel=(1, 7, 7),
            conv1_stride_t=1,
            pool1_stride_t=1,
            inflate=(0, 0, 1, 1),
        ),
        neck=_tpn_neck(32, 64, 4),
        cls_head=_tpn_head(),
        test_cfg=test_cfg,
    )


def _tsm_tpn_cfg(test_cfg: dict) -> dict:
    """Recognizer2D: TSM ResNet-18 (4 segments) with the TPN neck over its last two stages."""
    return dict(
        type='Recognizer2D',
        backbone=dict(
            type='ResNetTSM',
            depth=18,
            pretrained=None,
            num_segments=4,
            out_indices=(2, 3),
            shift_div=4,
        ),
        neck=_tpn_neck(256, 512, 4),
        cls_head=_tpn_head(),
        test_cfg=test_cfg,
    )


def _tiny_tsm_model() -> dict:
    """A tiny TSM + TPN recognizer: ResNet-18 TSM (8 segments) with the synthetic config's neck."""
    from mmengine.config import Config

    synthetic = Config.fromfile(CONFIG).model.to_dict()
    neck = synthetic['neck']
    neck['in_channels'] = neck['spatial_modulation_cfg']['in_channels'] = (256, 512)
    neck['spatial_modulation_cfg']['out_channels'] = 512  # the top stage's width
    return dict(
        type='Recognizer2D',
        backbone=dict(type='ResNetTSM', depth=18, num_segments=8, out_indices=(2, 3)),
        neck=neck,
        cls_head=dict(synthetic['cls_head'], dropout_ratio=0.0),
        test_cfg=dict(average_clips='prob'),
    )


@pytest.fixture(scope='session')
def tiny_num_classes() -> int:
    """The number of classes of the tiny TPN models."""
    return NUM_CLASSES


@pytest.fixture(scope='session')
def tpn_neck() -> Callable[..., dict]:
    """``tpn_neck(c3, c4, frames)``: the TPN neck config over two stages."""
    return _tpn_neck


@pytest.fixture(scope='session')
def tpn_head() -> Callable[..., dict]:
    """``tpn_head()``: the TPNHead config of the tiny models."""
    return _tpn_head


@pytest.fixture(scope='session')
def slowonly_tpn_cfg() -> Callable[[dict], dict]:
    """``slowonly_tpn_cfg(test_cfg)``: a tiny Recognizer3D config (SlowOnly R18, 4 frames)."""
    return _slowonly_tpn_cfg


@pytest.fixture(scope='session')
def tsm_tpn_cfg() -> Callable[[dict], dict]:
    """``tsm_tpn_cfg(test_cfg)``: a tiny Recognizer2D config (TSM R18, 4 segments)."""
    return _tsm_tpn_cfg


@pytest.fixture(scope='session')
def tiny_tsm_model() -> Callable[[], dict]:
    """``tiny_tsm_model()``: TSM R18 (8 segments) with the synthetic config's neck."""
    return _tiny_tsm_model


def _order_one_weights(model: nn.Module, seed: int = 1) -> nn.Module:
    """Seeded weights that give logits of order 1, no dropout; in place, returns the model."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if name.endswith('running_var'):
                tensor.copy_(torch.rand(tensor.shape, generator=g) + 0.5)
            elif name.endswith('running_mean'):
                tensor.copy_(torch.randn(tensor.shape, generator=g) * 0.1)
            elif tensor.dim() > 1:
                tensor.copy_(torch.randn(tensor.shape, generator=g) / tensor[0].numel() ** 0.5)
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = 0.0
    return model


@pytest.fixture(scope='session')
def order_one_weights() -> Callable[..., nn.Module]:
    """``order_one_weights(model, seed=1)``: seeded weights whose logits are of order 1.

    Random initialization gives near-uniform scores, which hide numeric
    differences (precision, memory format); these weights do not.
    """
    return _order_one_weights


def _scheduler_lrs(schedulers, max_epochs: int, iters_per_epoch: int, base_lr: float = 1.0):
    """The learning rate of every iteration under mmengine schedulers, stepped as the Runner does.

    ``convert_to_iter_based`` schedulers are built for ``iters_per_epoch``
    (the Runner's ``len(train_dataloader)``); iteration schedulers step
    after each iteration, epoch schedulers after each epoch
    (``ParamSchedulerHook``).
    """
    from mmengine.optim import OptimWrapper
    from mmengine.registry import PARAM_SCHEDULERS

    import mmaction.engine.config.schedule  # noqa: F401  (registers the toolkit's schedulers)

    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=base_lr)
    wrapper = OptimWrapper(optimizer)
    built = []
    for cfg in schedulers or []:
        cfg = dict(cfg)
        if cfg.pop('convert_to_iter_based', False):
            cls = PARAM_SCHEDULERS.get(cfg.pop('type'))
            built.append(cls.build_iter_from_epoch(wrapper, epoch_length=iters_per_epoch, **cfg))
        else:
            built.append(PARAM_SCHEDULERS.build(cfg, default_args=dict(optimizer=wrapper)))
    lrs = []
    with warnings.catch_warnings():
        # Stepping without optimizer steps is the point here, not a mistake.
        warnings.filterwarnings('ignore', 'Detected call of `scheduler.step', UserWarning)
        for _ in range(max_epochs):
            for _ in range(iters_per_epoch):
                lrs.append(optimizer.param_groups[0]['lr'])
                for scheduler in built:
                    if not scheduler.by_epoch:
                        scheduler.step()
            for scheduler in built:
                if scheduler.by_epoch:
                    scheduler.step()
    return lrs


def _mmcv_regular_lr(lr_config: dict, progress: int, max_progress: int, base_lr: float) -> float:
    """mmcv 1.x ``LrUpdaterHook.get_lr`` of the policies MMAction2 0.x configs use."""
    policy = lr_config.get('policy', 'fixed')
    if policy == 'step':
        step = lr_config['step']
        exp = progress // step if isinstance(step, int) else sum(progress >= s for s in step)
        return base_lr * lr_config.get('gamma', 0.1) ** exp
    if policy == 'exp':
        return base_lr * lr_config['gamma'] ** progress
    if policy == 'poly':
        min_lr = lr_config.get('min_lr', 0.0)
        coeff = (1 - progress / max_progress) ** lr_config.get('power', 1.0)
        return (base_lr - min_lr) * coeff + min_lr
    if policy == 'CosineAnnealing':
        ratio = lr_config.get('min_lr_ratio')
        target = base_lr * ratio if ratio is not None else lr_config['min_lr']
        return target + (base_lr - target) * (math.cos(math.pi * progress / max_progress) + 1) / 2
    assert policy == 'fixed', policy
    return base_lr


def _mmcv_lrs(lr_config: dict, max_epochs: int, iters_per_epoch: int, base_lr: float = 1.0):
    """The learning rate of every iteration under MMAction2 0.x's ``lr_config`` (mmcv 1.x).

    Written from mmcv's ``LrUpdaterHook`` (``before_train_epoch``,
    ``before_train_iter``, ``get_warmup_lr``): an independent reference for
    the translations, not the toolkit's code.
    """
    by_epoch = lr_config.get('by_epoch', True)
    warmup = lr_config.get('warmup')
    warmup_iters = lr_config.get('warmup_iters', 0)
    if lr_config.get('warmup_by_epoch'):
        warmup_iters *= iters_per_epoch
    ratio = lr_config.get('warmup_ratio', 0.1)
    total = max_epochs * iters_per_epoch
    lr, lrs = base_lr, []
    for epoch in range(max_epochs):
        if by_epoch:
            regular = lr = _mmcv_regular_lr(lr_config, epoch, max_epochs, base_lr)
        for i in range(iters_per_epoch):
            it = epoch * iters_per_epoch + i
            if not by_epoch:
                regular = lr = _mmcv_regular_lr(lr_config, it, total, base_lr)
            if warmup is not None and it < warmup_iters:
                k = (1 - it / warmup_iters) * (1 - ratio)
                lr = regular * (ratio if warmup == 'constant' else 1 - k)
            elif warmup is not None and it == warmup_iters:
                lr = regular
            lrs.append(lr)
    return lrs


@pytest.fixture(scope='session')
def scheduler_lrs() -> Callable[..., List[float]]:
    """``scheduler_lrs(schedulers, max_epochs, iters_per_epoch, base_lr=1.0)``: mmengine's rates."""
    return _scheduler_lrs


@pytest.fixture(scope='session')
def mmcv_lrs() -> Callable[..., List[float]]:
    """``mmcv_lrs(lr_config, max_epochs, iters_per_epoch, base_lr=1.0)``: mmcv 1.x's rates."""
    return _mmcv_lrs


#: Every TPN config of both dialects (a 1.x config added to its folder is picked up).
TPN_CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'recognition', 'tpn', '*.py'))) + sorted(
    glob.glob(osp.join(ROOT, 'configs', '1.x', 'recognition', 'tpn', '*.py'))
)


@dataclass
class ConvertedConfig:
    """A config and its conversion by ``tools/convert_config.py`` into the other dialect.

    Attributes:
        source: The config file.
        converted: The written file.
        source_cfg: ``source``, loaded.
        converted_cfg: ``converted``, loaded.
        dialects: ``(source dialect, converted dialect)``.
    """

    source: str
    converted: str
    source_cfg: Any
    converted_cfg: Any
    dialects: tuple


@pytest.fixture(scope='session', params=TPN_CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def tpn_conversion(request, tmp_path_factory) -> ConvertedConfig:
    """Each TPN config of both dialects, converted into the other one (once per session)."""
    from mmaction.engine.config.loader import load_config
    from mmaction.engine.config.writer import convert_config_file

    source = request.param
    out = str(tmp_path_factory.mktemp('converted') / osp.basename(source))
    target, dialect = convert_config_file(source, out)
    return ConvertedConfig(source, out, load_config(source), load_config(out), (dialect, target))


@pytest.fixture(scope='session')
def untrained_checkpoint(tmp_path_factory) -> str:
    """A checkpoint of the synthetic config's model at its seeded initialization (no training).

    For tests of what the tools do with inputs and outputs, where the
    scores need not mean anything.
    """
    from mmaction.apis import init_recognizer

    torch.manual_seed(0)
    model = init_recognizer(CONFIG, None, 'cpu')
    path = str(tmp_path_factory.mktemp('untrained') / 'untrained.pth')
    torch.save({'state_dict': model.state_dict()}, path)
    return path


@pytest.fixture(scope='session', autouse=True)
def onnx_cache_dir(tmp_path_factory) -> Iterator[str]:
    """The ONNX Runtime backend's export cache of this test session (``$TPN_ONNX_CACHE``).

    Every test and every tool a test runs exports into it, never into the
    user's cache folder.
    """
    from mmaction.deploy.onnx_cache import CACHE_ENV

    path = str(tmp_path_factory.mktemp('onnx_cache'))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, path)
        yield path


@dataclass
class TrainedRun:
    """A finished run of the synthetic TPN config on :func:`tiny_synthetic`.

    Attributes:
        data_root: The synthetic data set (``videos/``, lists, label map).
        config: The config file trained.
        cfg_options: ``--cfg-options`` pointing the config at ``data_root``.
        work_dir: The training work dir (logs, ``epoch_1.pth``, ``epoch_2.pth``).
        checkpoint: The final checkpoint.
        result_json: ``tools/test.py --out`` of the checkpoint on ``data.test``
            (8 videos, one score list each, ``average_clips='prob'``).
    """

    data_root: str
    config: str
    cfg_options: List[str]
    work_dir: str
    checkpoint: str
    result_json: str


@pytest.fixture(scope='session')
def tiny_synthetic(tmp_path_factory) -> str:
    """16 training and 8 validation videos: 8 classes, 16 frames of 64x64 each."""
    return make_data(str(tmp_path_factory.mktemp('tiny') / 'synthetic'), 2, 1, frames=16)


@pytest.fixture(scope='session')
def tiny_trained_run(tiny_synthetic, tmp_path_factory) -> TrainedRun:
    """Train the synthetic config 2 epochs (validating each), then test it with ``--out``.

    Read-only for the tests that use it: they share one run.
    """
    work_dir = str(tmp_path_factory.mktemp('tiny_run') / 'work')
    opts = data_options(tiny_synthetic) + ['total_epochs=2', 'evaluation.interval=1']
    train(work_dir, opts, '--validate', '--seed', '0', '--deterministic')
    checkpoint = osp.join(work_dir, 'epoch_2.pth')
    result_json = osp.join(work_dir, 'result.json')
    run([sys.executable, TEST, CONFIG, checkpoint, '--work-dir', work_dir,
         '--eval', 'top_k_accuracy', 'mean_class_accuracy', '--out', result_json,
         '--cfg-options', *opts])  # fmt: skip
    return TrainedRun(tiny_synthetic, CONFIG, opts, work_dir, checkpoint, result_json)


@pytest.fixture(scope='session')
def marker_frames() -> Callable[..., Any]:
    """``marker_frames(num_frames=12, height=48, width=64)``: frames that tell index and orientation."""
    return _marker_frames


@pytest.fixture(scope='session')
def write_video() -> Callable[..., str]:
    """``write_video(path, frames=None, fps=10, rotation=0, audio=False, times=None)``.

    Writes a small video as phones and cameras do: ``.mp4``/``.mov``/``.mkv``
    (H.264), ``.webm`` (VP9), ``.avi`` (MPEG-4), optionally with a silent
    audio track, a rotation flag or variable frame rate (``tests/tools/video_files.py``).
    """
    return _write_video


#: Fixtures that train a model or run the tools: a test using one is slow.
SLOW_FIXTURES = frozenset({'tiny_trained_run'})


def pytest_collection_modifyitems(config, items):
    """Refuse a test that uses a slow fixture without the ``slow`` mark.

    The fast tier (``-m "not slow"``) must not train anything.
    """
    for item in items:
        used = SLOW_FIXTURES.intersection(getattr(item, 'fixturenames', ()))
        if used and item.get_closest_marker('slow') is None:
            raise pytest.UsageError(
                f'{item.nodeid} uses {", ".join(sorted(used))}: mark it @pytest.mark.slow'
            )
