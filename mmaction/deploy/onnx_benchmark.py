"""CPU inference speed of a recognizer: PyTorch eager, ``--fuse-conv-bn`` and ONNX Runtime.

Behind ``tools/analysis/benchmark_onnx.py``. The three run the same weights
(random unless a checkpoint is given) on the same input, one video with all
its test-time views per call, with the same number of threads:

* ``PyTorch eager``: the recognizer as ``tools/test.py`` runs it;
* ``PyTorch --fuse-conv-bn``: the same with BatchNorm folded into the
  convolutions (``tools/test.py --fuse-conv-bn``);
* ``ONNX Runtime``: the export and session of the ``onnxruntime`` backend
  (dynamic batch and view axes, all graph optimizations).

The machines this runs on are often shared, so the three are timed in turns,
round after round, each round starting one further along the list, and the
median time per video of each is reported.
"""

import copy
import os.path as osp
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from mmaction.engine.input_spec import read_test_input_spec
from mmaction.engine.speed.fuse_conv_bn import fuse_conv_bn

from .onnx_backend import export_for_backend
from .onnx_export import MIN_OPSET, build_predictor, export_onnx, predict_or_explain
from .onnx_runtime import (
    available_cores,
    compare_predictions,
    create_ort_session,
    import_deploy_package,
    run_ort_session,
)

__all__ = [
    'EAGER',
    'FUSED',
    'ORT',
    'SpeedComparison',
    'benchmark_backends',
    'markdown_table',
    'time_in_turns',
]

EAGER = 'PyTorch eager'
FUSED = 'PyTorch --fuse-conv-bn'
ORT = 'ONNX Runtime'

Runner = Callable[[torch.Tensor], np.ndarray]


@dataclass
class SpeedComparison:
    """Seconds per call of each way of running a recognizer, timed in turns.

    Attributes:
        model: The recognizer's class name (and the config file, when known).
        input_shape: The input of one call (one video with all its views).
        threads: Intra-op threads of each.
        seconds: Each way's time of every timed call, by name.
        max_abs_diff: Each way's largest difference from PyTorch eager's
            prediction, as probabilities (a check that all ran the same model).
    """

    model: str
    input_shape: Tuple[int, ...]
    threads: int
    seconds: Dict[str, List[float]] = field(default_factory=dict)
    max_abs_diff: Dict[str, float] = field(default_factory=dict)

    def videos_per_s(self, name: str) -> float:
        """Videos per second of ``name``, from its median time per call."""
        return self.input_shape[0] / statistics.median(self.seconds[name])

    def speedup(self, name: str) -> float:
        """``name``'s videos/s over PyTorch eager's."""
        return self.videos_per_s(name) / self.videos_per_s(EAGER)


def time_in_turns(
    runners: Dict[str, Runner], imgs: torch.Tensor, rounds: int, warmup: int
) -> Tuple[Dict[str, List[float]], Dict[str, np.ndarray]]:
    """Time every runner on ``imgs``, in turns: round ``i`` starts with runner ``i mod n``.

    Returns:
        The seconds of each timed call, and the last output, by runner name.
    """
    names = list(runners)
    outputs: Dict[str, np.ndarray] = {}
    for _ in range(warmup):
        for name in names:
            outputs[name] = runners[name](imgs)
    seconds: Dict[str, List[float]] = {name: [] for name in names}
    for i in range(rounds):
        start = i % len(names)
        for name in names[start:] + names[:start]:
            begin = time.perf_counter()
            outputs[name] = runners[name](imgs)
            seconds[name].append(time.perf_counter() - begin)
    return seconds, outputs


def _torch_runner(predictor: nn.Module) -> Runner:
    return lambda imgs: predict_or_explain(predictor, imgs).numpy()


def _export(predictor: nn.Module, cfg: Any, imgs: torch.Tensor, path: str, static: bool) -> None:
    """The backend's export (dynamic batch and views), or one of ``imgs``'s fixed shape."""
    model = predictor.recognizer
    if static:
        export_onnx(predictor, imgs, path)
        return
    spec = read_test_input_spec(cfg)
    if tuple(imgs.shape) == spec.batch_shape(1):
        export_for_backend(model, spec, path, MIN_OPSET)
        return
    view_frames = 1 if imgs.dim() == 6 else spec.frames_per_view
    export_onnx(predictor, imgs, path, dynamic_batch=True, view_frames=view_frames)


def benchmark_backends(
    cfg: Any,
    checkpoint: Optional[str] = None,
    shape: Optional[Sequence[int]] = None,
    rounds: int = 3,
    warmup: int = 1,
    threads: Optional[int] = None,
    config_path: Optional[str] = None,
    onnx_file: Optional[str] = None,
    static: bool = False,
) -> SpeedComparison:
    """Time the config's recognizer in PyTorch eager, with BatchNorm folded, and in ONNX Runtime.

    Args:
        cfg: A config of either dialect.
        checkpoint: Weights to load (strictly); None keeps random weights.
        shape: The input batch; None: one video as the test pipeline makes it.
        rounds: Timed calls of each, in turns.
        warmup: Untimed calls of each first (allocations, ORT's first-run setup).
        threads: Intra-op threads of all three; None: the cores this process may use.
        config_path: The config file, for messages and the table.
        onnx_file: Keep the export here; None: a temporary folder.
        static: Export with a fixed input shape instead of the backend's
            dynamic batch and view axes.

    Returns:
        SpeedComparison: The timings and the differences of the outputs.
    """
    import_deploy_package('onnxruntime', 'The ONNX Runtime benchmark')
    threads = threads or available_cores()
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    predictor, imgs = build_predictor(cfg, checkpoint, shape, config_path)
    fused = copy.deepcopy(predictor)
    fused.recognizer = fuse_conv_bn(fused.recognizer)
    with tempfile.TemporaryDirectory() as tmp:
        onnx_file = onnx_file or osp.join(tmp, 'model.onnx')
        _export(predictor, cfg, imgs, onnx_file, static)
        session = create_ort_session(onnx_file, threads)
    runners = {
        EAGER: _torch_runner(predictor),
        FUSED: _torch_runner(fused),
        ORT: lambda x: run_ort_session(session, x),
    }
    seconds, outputs = time_in_turns(runners, imgs, rounds, warmup)
    average_clips = (predictor.recognizer.test_cfg or {}).get('average_clips')
    name = type(predictor.recognizer).__name__
    result = SpeedComparison(
        f'{name} ({config_path})' if config_path else name, tuple(imgs.shape), threads, seconds
    )
    for way in (FUSED, ORT):
        result.max_abs_diff[way] = compare_predictions(outputs[way], outputs[EAGER], average_clips)
    return result


def markdown_table(results: Sequence[SpeedComparison]) -> str:
    """The videos/s of each way, one row per model, as a markdown table."""
    lines = [
        f'| Model | Input (one video) | {EAGER} | {FUSED} | {ORT} | ORT / eager |',
        '|---|---|---|---|---|---|',
    ]
    for result in results:
        speeds = ' | '.join(f'{result.videos_per_s(way):.4f}' for way in (EAGER, FUSED, ORT))
        lines.append(
            f'| {result.model} | {tuple(result.input_shape)} | {speeds} | '
            f'{result.speedup(ORT):.2f}x |'
        )
    return '\n'.join(lines)
