"""Shared by the whole test suite: tiny TPN model configs, tiny synthetic data, one tiny run.

The model configs come from fixtures that return factory functions (a test
asks for ``slowonly_tpn_cfg`` and calls it): scaled-down TPN recognizers with
real ResNet backbones, TPN neck and TPNHead.

The helpers that run the tools live in ``tests/tools/tpn_run_helpers.py``;
this file puts that folder on ``sys.path`` so every test can import them.

Small videos as phones and cameras write them (containers, an audio track,
a rotation flag, variable frame rate) come from :func:`write_video`; one run
of ``tools/quickstart.sh`` is shared by the whole session
(:func:`quickstart_run`).
"""

import os
import os.path as osp
import re
import subprocess
import sys
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import pytest
import torch
from torch import nn

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), 'tools'))

from tpn_run_helpers import (  # noqa: E402
    CONFIG,
    ROOT,
    TEST,
    data_options,
    env,
    make_data,
    run,
    train,
)

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


#: The video codec written into each container (what phones, cameras and browsers use).
VIDEO_CODECS = {
    '.mp4': 'libx264', '.mov': 'libx264', '.mkv': 'libx264', '.webm': 'libvpx-vp9',
    '.avi': 'mpeg4',
}  # fmt: skip
#: The audio codec of each container.
AUDIO_CODECS = {'.mp4': 'aac', '.mov': 'aac', '.mkv': 'aac', '.webm': 'libopus', '.avi': 'mp2'}


def _marker_frames(num_frames: int = 12, height: int = 48, width: int = 64) -> np.ndarray:
    """``(T, H, W, 3)`` frames: frame t is gray ``(20 + 10 t) % 256`` with a white top-left block.

    The gray level tells the frame's index, the block its orientation.
    """
    frames = np.empty((num_frames, height, width, 3), np.uint8)
    for t in range(num_frames):
        frames[t] = (20 + 10 * t) % 256
    frames[:, : height // 4, : width // 4] = 255
    return frames


def _write_silence(container, stream, seconds: float) -> None:
    """``seconds`` of silence into an audio stream (48 kHz mono)."""
    import av

    chunk = stream.frame_size or 1024
    for start in range(0, int(48000 * seconds), chunk):
        frame = av.AudioFrame(format=stream.format.name, layout='mono', samples=chunk)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.sample_rate, frame.pts = 48000, start
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


def _write_video(
    path,
    frames: Optional[np.ndarray] = None,
    fps: float = 10.0,
    rotation: int = 0,
    audio: bool = False,
    times: Optional[Sequence[float]] = None,
    options: Optional[Dict[str, str]] = None,
) -> str:
    """Write RGB ``frames`` (default :func:`_marker_frames`) with PyAV; return the path.

    Args:
        path: The file; its extension picks the codecs (:data:`VIDEO_CODECS`).
        frames: ``(T, H, W, 3)`` uint8 RGB frames.
        fps: The nominal frame rate.
        rotation: A display rotation flag (degrees counter-clockwise, as
            phones write it for portrait videos): the frames are stored as
            given, players turn them.
        audio: Add a silent audio track.
        times: The time of each frame in seconds: variable frame rate.
        options: Encoder options (e.g. ``{'preset': 'ultrafast'}``).
    """
    import av

    frames = _marker_frames() if frames is None else frames
    ext = osp.splitext(str(path))[1].lower()
    with av.open(str(path), 'w') as container:
        stream = container.add_stream(VIDEO_CODECS[ext], rate=round(fps), options=options or {})
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt = 'yuv420p'
        if times is not None:
            stream.codec_context.time_base = stream.time_base = Fraction(1, 1000)
        if rotation:
            stream.set_display_rotation(rotation)
        # Every stream must exist before the first packet is written.
        sound = (
            container.add_stream(AUDIO_CODECS[ext], rate=48000, layout='mono') if audio else None
        )
        for t, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format='rgb24')
            if times is not None:
                frame.pts, frame.time_base = round(times[t] * 1000), Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if sound is not None:
            _write_silence(container, sound, len(frames) / fps)
    return str(path)


@pytest.fixture(scope='session')
def marker_frames() -> Callable[..., np.ndarray]:
    """``marker_frames(num_frames=12, height=48, width=64)``: frames that tell index and orientation."""
    return _marker_frames


@pytest.fixture(scope='session')
def write_video() -> Callable[..., str]:
    """``write_video(path, frames=None, fps=10, rotation=0, audio=False, times=None)``.

    Writes a small video as phones and cameras do: ``.mp4``/``.mov``/``.mkv``
    (H.264), ``.webm`` (VP9), ``.avi`` (MPEG-4), optionally with a silent
    audio track, a rotation flag or variable frame rate (see :func:`_write_video`).
    """
    return _write_video


@dataclass
class QuickstartRun:
    """The finished ``bash tools/quickstart.sh`` of the session.

    Attributes:
        checkout: The linked copy of the checkout it ran in.
        work_dir: Its work dir.
        stdout: What it printed on stdout.
        output: stdout and stderr.
        metrics: The ``name: value`` lines of its test (``top1_acc``, ...).
        checkpoint: The checkpoint it tested (``work_dir/last_checkpoint``).
    """

    checkout: str
    work_dir: str
    stdout: str
    output: str
    metrics: Dict[str, float]
    checkpoint: str


@pytest.fixture(scope='session')
def quickstart_run(tmp_path_factory) -> QuickstartRun:
    """``bash tools/quickstart.sh`` as the README has it, once per session.

    It runs in a copy of the checkout (``tools/`` and ``configs/`` linked)
    under a temp dir, so its data and work dir land there. Read-only for the
    tests that use it.
    """
    checkout = tmp_path_factory.mktemp('quickstart') / 'checkout'
    checkout.mkdir()
    for name in ('tools', 'configs'):
        os.symlink(osp.join(ROOT, name), checkout / name)
    proc = subprocess.run(
        ['bash', str(checkout / 'tools' / 'quickstart.sh')],
        cwd=checkout, env=env(), capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise AssertionError(f'tools/quickstart.sh exited with {proc.returncode}\n{output[-6000:]}')
    work_dir = str(checkout / 'work_dirs' / 'tpn_slowonly_r18_synthetic_rgb')
    with open(osp.join(work_dir, 'last_checkpoint')) as file:
        checkpoint = file.read().strip()
    metrics = {k: float(v) for k, v in re.findall(r'^(\w+): ([0-9.]+)$', proc.stdout, re.M)}
    return QuickstartRun(str(checkout), work_dir, proc.stdout, output, metrics, checkpoint)


#: Fixtures that train a model or run the tools: a test using one is slow.
SLOW_FIXTURES = frozenset({'tiny_trained_run', 'quickstart_run'})


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
