"""Running an exported recognizer with ONNX Runtime, and comparing it with PyTorch.

The optional packages (onnx, onnxscript, onnxruntime) come with the
``deploy`` extra; :func:`import_deploy_package` says how to install a
missing one.
"""

import importlib
import os
from typing import Any, Optional

import numpy as np
import torch

from mmaction.utils import missing_package

__all__ = [
    'DEPLOY_INSTALL',
    'OnnxMismatchError',
    'VERIFY_ATOL',
    'available_cores',
    'compare_predictions',
    'create_ort_session',
    'import_deploy_package',
    'run_ort_session',
    'verify_onnx',
]

#: How the optional packages of this package are installed.
DEPLOY_INSTALL = 'pip install -e ".[deploy]"'
#: ``--verify`` fails when a probability differs from PyTorch's by more than this.
VERIFY_ATOL = 1e-4


class OnnxMismatchError(RuntimeError):
    """ONNX Runtime's outputs differ from PyTorch's by more than the tolerance."""


def import_deploy_package(name: str, feature: str) -> Any:
    """Import an optional package of the ``deploy`` extra.

    Args:
        name: Import name: ``'onnx'``, ``'onnxscript'`` or ``'onnxruntime'``.
        feature: What needs it, for the error message.

    Returns:
        module: The imported package.

    Raises:
        MissingPackageError: It is not installed; the message says how to install it.
    """
    try:
        return importlib.import_module(name)
    except ImportError:
        raise missing_package(name, feature, DEPLOY_INSTALL) from None


def available_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, where the OS has one)."""
    if hasattr(os, 'sched_getaffinity'):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def create_ort_session(onnx_file: str, threads: Optional[int] = None) -> Any:
    """An ONNX Runtime CPU session with all graph optimizations.

    Args:
        onnx_file: The ``.onnx`` file.
        threads: Intra-op threads; None uses as many as PyTorch does
            (``torch.get_num_threads()``), so that the two compare on equal terms.

    Returns:
        onnxruntime.InferenceSession: The session. Operators run one after
        another (one inter-op thread): the recognizers are a chain of layers,
        and every thread is given to the parallelism inside each operator.
    """
    ort = import_deploy_package('onnxruntime', 'Running an ONNX file')
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads or torch.get_num_threads()
    options.inter_op_num_threads = 1
    return ort.InferenceSession(onnx_file, options, providers=['CPUExecutionProvider'])


def run_ort_session(session: Any, imgs: torch.Tensor) -> np.ndarray:
    """Run an exported recognizer on a preprocessed batch; returns its output."""
    return session.run(None, {session.get_inputs()[0].name: imgs.detach().cpu().numpy()})[0]


def _as_probabilities(scores: np.ndarray, already: bool) -> np.ndarray:
    scores = scores.astype(np.float64)
    if already:
        return scores
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def compare_predictions(onnx_out: np.ndarray, torch_out: np.ndarray, average_clips: Any) -> float:
    """Largest absolute difference between two predictions, as probabilities.

    Args:
        onnx_out: ONNX Runtime's output.
        torch_out: PyTorch's output for the same input.
        average_clips: The model's ``test_cfg['average_clips']``: with
            ``'prob'`` the outputs are probabilities already; otherwise they
            are scores, turned into probabilities with a softmax over classes.

    Returns:
        float: ``max |p_onnx - p_torch|``.
    """
    if onnx_out.shape != torch_out.shape:
        raise OnnxMismatchError(
            f'ONNX Runtime gives an output of shape {onnx_out.shape}, PyTorch {torch_out.shape}'
        )
    already = average_clips == 'prob'
    diff = _as_probabilities(onnx_out, already) - _as_probabilities(torch_out, already)
    return float(np.abs(diff).max()) if diff.size else 0.0


def verify_onnx(
    onnx_file: str,
    imgs: torch.Tensor,
    expected: torch.Tensor,
    average_clips: Any,
    atol: float = VERIFY_ATOL,
) -> float:
    """Check an ONNX file, run it with ONNX Runtime and compare with PyTorch's output.

    Args:
        onnx_file: The exported file.
        imgs: The input PyTorch ran on.
        expected: PyTorch's output on ``imgs``.
        average_clips: The model's ``test_cfg['average_clips']`` (see
            :func:`compare_predictions`).
        atol: Largest difference allowed, in probability.

    Returns:
        float: The largest difference, in probability.

    Raises:
        OnnxMismatchError: The outputs differ by more than ``atol``.
    """
    onnx = import_deploy_package('onnx', 'ONNX export --verify')
    session = create_ort_session(onnx_file)  # checks for onnxruntime first
    onnx.checker.check_model(onnx_file)
    got = run_ort_session(session, imgs)
    diff = compare_predictions(got, expected.detach().cpu().numpy(), average_clips)
    if not diff <= atol:
        raise OnnxMismatchError(
            f'{onnx_file}: ONNX Runtime and PyTorch differ by up to {diff:.3g} in '
            f'probability (tolerance {atol:g})'
        )
    return diff
