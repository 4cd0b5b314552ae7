"""CPU inference speed of a recognizer: ONNX Runtime against PyTorch eager.

Behind ``tools/analysis/benchmark_onnx.py``. Both run the same exported
predictor (test-time views averaged in the graph) on the same input, with
the same number of threads, one video per call. The machines this runs on
are often shared, so the two are timed in turns, round after round (PyTorch
first in even rounds, ONNX Runtime first in odd ones), and the median time
per video of each is reported.
"""

import os.path as osp
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, List, Optional, Tuple

import torch

from .onnx_export import build_predictor, export_onnx, predict_or_explain
from .onnx_runtime import (
    compare_predictions,
    create_ort_session,
    import_deploy_package,
    run_ort_session,
)

__all__ = ['SpeedComparison', 'benchmark_onnx', 'compare_onnx_speed']


@dataclass
class SpeedComparison:
    """Seconds per video of PyTorch eager and ONNX Runtime, timed in turns.

    Attributes:
        input_shape: The input of one call (one video with all its views).
        threads: Intra-op threads of both.
        torch_seconds: PyTorch's time of every timed call.
        ort_seconds: ONNX Runtime's time of every timed call.
        max_abs_diff: Largest difference of their predictions, as
            probabilities (a check that both ran the same model).
    """

    input_shape: Tuple[int, ...]
    threads: int
    torch_seconds: List[float] = field(default_factory=list)
    ort_seconds: List[float] = field(default_factory=list)
    max_abs_diff: float = 0.0

    @property
    def torch_videos_per_s(self) -> float:
        """float: Videos per second of PyTorch eager (from the median time)."""
        return self.input_shape[0] / statistics.median(self.torch_seconds)

    @property
    def ort_videos_per_s(self) -> float:
        """float: Videos per second of ONNX Runtime (from the median time)."""
        return self.input_shape[0] / statistics.median(self.ort_seconds)

    @property
    def speedup(self) -> float:
        """float: ONNX Runtime's videos/s over PyTorch's."""
        return self.ort_videos_per_s / self.torch_videos_per_s


def _timed(fn, imgs: torch.Tensor) -> Tuple[float, Any]:
    start = time.perf_counter()
    out = fn(imgs)
    return time.perf_counter() - start, out


def compare_onnx_speed(
    predictor: torch.nn.Module,
    onnx_file: str,
    imgs: torch.Tensor,
    rounds: int = 3,
    warmup: int = 1,
    threads: Optional[int] = None,
) -> SpeedComparison:
    """Time ``predictor`` in PyTorch and ``onnx_file`` in ONNX Runtime, in turns.

    Args:
        predictor: The PyTorch module exported to ``onnx_file``, in eval mode.
        onnx_file: Its ONNX export.
        imgs: The input of every call.
        rounds: Timed calls of each.
        warmup: Untimed calls of each first (allocations, ORT's first-run setup).
        threads: Intra-op threads of both; None keeps PyTorch's setting and
            gives ONNX Runtime the same number.

    Returns:
        SpeedComparison: The timings and the difference of the outputs.
    """
    if threads:
        torch.set_num_threads(threads)
    threads = torch.get_num_threads()
    session = create_ort_session(onnx_file, threads)
    result = SpeedComparison(tuple(imgs.shape), threads)

    def run_torch(x):
        return predict_or_explain(predictor, x).numpy()

    def run_ort(x):
        return run_ort_session(session, x)

    for _ in range(warmup):
        run_torch(imgs)
        run_ort(imgs)
    outputs = {}
    for i in range(rounds):
        order = (('torch', run_torch), ('ort', run_ort))
        for name, fn in order if i % 2 == 0 else order[::-1]:
            seconds, outputs[name] = _timed(fn, imgs)
            getattr(result, f'{name}_seconds').append(seconds)
    average_clips = (predictor.recognizer.test_cfg or {}).get('average_clips')
    result.max_abs_diff = compare_predictions(outputs['ort'], outputs['torch'], average_clips)
    return result


def benchmark_onnx(
    cfg: Any,
    checkpoint: Optional[str] = None,
    shape: Optional[Tuple[int, ...]] = None,
    onnx_file: Optional[str] = None,
    rounds: int = 3,
    warmup: int = 1,
    threads: Optional[int] = None,
    config_path: Optional[str] = None,
) -> Tuple[SpeedComparison, str]:
    """Export the config's recognizer to ONNX and time it against PyTorch eager.

    Args:
        cfg: A MMAction2 0.x config.
        checkpoint: Weights to load (strictly); None keeps random weights.
        shape: The input batch; None takes one video as the test pipeline makes it.
        onnx_file: Keep the export here; None exports to a temporary folder.
        rounds: Timed calls of each, in turns.
        warmup: Untimed calls of each first.
        threads: Intra-op threads of both; None keeps PyTorch's.
        config_path: The config file, for messages.

    Returns:
        The timings, and the recognizer's class name.
    """
    import_deploy_package('onnxruntime', 'The ONNX Runtime benchmark')
    with tempfile.TemporaryDirectory() as tmp:
        predictor, imgs = build_predictor(cfg, checkpoint, shape, config_path)
        onnx_file = onnx_file or osp.join(tmp, 'model.onnx')
        export_onnx(predictor, imgs, onnx_file)
        result = compare_onnx_speed(predictor, onnx_file, imgs, rounds, warmup, threads)
    return result, type(predictor.recognizer).__name__
