"""Shared by the whole test suite: tiny TPN model configs, tiny synthetic data, one tiny run.

The model configs come from fixtures that return factory functions (a test
asks for ``slowonly_tpn_cfg`` and calls it): scaled-down TPN recognizers with
real ResNet backbones, TPN neck and TPNHead.

The helpers that run the tools live in ``tests/tools/tpn_run_helpers.py``;
this file puts that folder on ``sys.path`` so every test can import them.
"""

import os.path as osp
import sys
from dataclasses import dataclass
from typing import Callable, Iterator, List

import pytest
import torch
from torch import nn

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), 'tools'))

from tpn_run_helpers import CONFIG, TEST, data_options, make_data, run, train  # noqa: E402

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
