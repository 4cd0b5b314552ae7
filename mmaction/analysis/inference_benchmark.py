"""Inference speed of a recognizer in videos per second (``tools/analysis/benchmark.py``).

As in MMAction2 0.x, one video per batch carries all test-time views of the
config's test pipeline, and only the model is timed: the input is a random
tensor already on the device (preprocessed, in the model's memory format),
the clock is read after ``torch.cuda.synchronize()``, and no data is loaded
or decoded. The timed call is ``model(imgs, mode='predict')`` under
``torch.no_grad()``.

The model is the one ``tools/test.py`` runs, from the engine's model
builder: the config's ``precision``, ``channels_last`` and ``compile``
apply, ``--amp`` and ``--channels-last`` override them as in ``tools/test.py``.
"""

import time
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

import torch

from mmaction.engine.config.convert import cudnn_benchmark_of, model_cfg_for_testing, speed_plan_of
from mmaction.engine.input_spec import VideoInputSpec, read_test_input_spec
from mmaction.engine.model_builder import build_model
from mmaction.engine.speed.precision import default_device_type

__all__ = ['InferenceBenchOptions', 'benchmark_inference']


@dataclass
class InferenceBenchOptions:
    """What ``tools/analysis/benchmark.py`` measures.

    Attributes:
        checkpoint: Weights to load (what fits); None keeps random weights.
        num_iters: Timed videos.
        warmup: Untimed videos first (compilation happens here).
        device: ``'cpu'`` or ``'cuda[:N]'``; default: CUDA when available.
        amp: ``--amp``: False, True (the device's usual dtype), ``'bf16'``
            or ``'fp16'``; it wins over the config's ``precision``.
        channels_last: ``--channels-last``, on even where the config says no.
        fuse_conv_bn: Fold BatchNorm into the convolutions first.
        log_interval: A progress line every this many videos.
    """

    checkpoint: Optional[str] = None
    num_iters: int = 50
    warmup: int = 5
    device: Optional[str] = None
    amp: Union[bool, str] = False
    channels_last: bool = False
    fuse_conv_bn: bool = False
    log_interval: int = 10


def _synchronize(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def _describe(model, spec: VideoInputSpec, device, speed) -> str:
    return (
        f'{type(model).__name__}: {spec.num_views} views per video '
        f'({spec.num_clips} clips x {spec.num_crops} crops, {spec.frames_per_view} frames each, '
        f'{spec.height}x{spec.width}), input {tuple(spec.batch_shape(1))}, device {device}, '
        f'{speed.describe()}'
    )


def _time_videos(model, imgs, options: InferenceBenchOptions, device, log) -> float:
    """Seconds the timed videos took, after the warm-up ones."""
    elapsed_total = 0.0
    with torch.no_grad():
        for i in range(options.warmup + options.num_iters):
            _synchronize(device)
            start = time.perf_counter()
            model(imgs, mode='predict')
            _synchronize(device)
            elapsed = time.perf_counter() - start
            if i < options.warmup:
                continue
            elapsed_total += elapsed
            done = i + 1 - options.warmup
            if done % options.log_interval == 0 and done < options.num_iters:
                log(
                    f'Done video [{done:>4}/{options.num_iters}], {done / elapsed_total:.2f} video/s'
                )
    return elapsed_total


def benchmark_inference(
    cfg: Any, options: InferenceBenchOptions, log: Callable[[str], None] = print
) -> dict:
    """Time the config's recognizer on the test-time views of one video.

    Args:
        cfg: A MMAction2 0.x config with a test pipeline.
        options: What to measure.
        log: Where the lines go as they come (fallbacks, the setting,
            progress, the result).

    Returns:
        ``input_shape``, ``num_views``, ``videos_per_s`` and ``s_per_video``.
    """
    device = torch.device(options.device or default_device_type())
    if cudnn_benchmark_of(cfg):
        torch.backends.cudnn.benchmark = True
    spec = read_test_input_spec(cfg)
    speed = speed_plan_of(cfg, options.amp, options.channels_last, device.type)
    for note in speed.precision.notes:
        log(note)
    model = build_model(
        model_cfg_for_testing(cfg),
        options.checkpoint,
        strict=False,
        speed=speed,
        device=device,
        fuse_conv_bn=options.fuse_conv_bn,
        autocast=True,
    )
    input_shape = spec.batch_shape(1)
    imgs = model.data_preprocessor(dict(imgs=torch.randn(input_shape, device=device)))['imgs']
    log(_describe(model, spec, device, speed))
    elapsed_total = _time_videos(model, imgs, options, device, log)
    videos_per_s = options.num_iters / elapsed_total
    log(
        f'Overall: {videos_per_s:.3f} video/s ({elapsed_total / options.num_iters:.3f} s per video '
        f'of {spec.num_views} views, batch size 1, {options.num_iters} timed after '
        f'{options.warmup} warm-up)'
    )
    return dict(
        input_shape=tuple(input_shape),
        num_views=spec.num_views,
        videos_per_s=videos_per_s,
        s_per_video=elapsed_total / options.num_iters,
    )
