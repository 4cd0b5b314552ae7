"""Export a recognizer to ONNX, test-time view averaging included (``tools/deployment/pytorch2onnx.py``).

The graph's input is what the recognizer's ``forward`` takes: the
preprocessed float32 batch, i.e. the test pipeline's output after
``Normalize`` and ``FormatShape``, ``(N, V, C, T, H, W)`` for 3D models and
``(N, V*T, C, H, W)`` for 2D ones (MMAction2 0.x's ``pytorch2onnx.py`` input).
Its output is the test-time prediction of ``forward(imgs, mode='predict')``:
one row per video with the V views combined as ``test_cfg['average_clips']``
says (``'prob'``: mean of the softmax, ``'score'``: mean of the raw scores;
None: ``(N, V, num_classes)`` per-view scores).

The graph is written by PyTorch's ``torch.export``-based ONNX exporter
(``torch.onnx.export(..., dynamo=True)``, which needs onnxscript). Unlike the
deprecated TorchScript exporter it gives both seed models a graph of plain
operators (Conv, Pad, Slice, Concat, Resize, ReduceMean, Softmax, ...), also
with a dynamic batch axis, and it writes opset 18 or newer.
"""

import importlib
import os
import os.path as osp
import time
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from mmaction.analysis.model_analysis import (
    build_recognizer_from_config,
    is_3d_recognizer,
    read_test_input_spec,
)
from mmaction.engine.config.checks import explain_registry_errors
from mmaction.utils import ConfigError, load_checkpoint, missing_package

__all__ = [
    'DEPLOY_INSTALL',
    'ExportOptions',
    'ExportResult',
    'MIN_OPSET',
    'OnnxMismatchError',
    'RecognizerPredictor',
    'VERIFY_ATOL',
    'build_predictor',
    'check_export_shape',
    'check_opset',
    'compare_predictions',
    'create_ort_session',
    'export_onnx',
    'export_recognizer',
    'import_deploy_package',
    'predict_or_explain',
    'run_ort_session',
    'verify_onnx',
]

#: How the optional packages of this module are installed.
DEPLOY_INSTALL = 'pip install -e ".[deploy]"'
#: Oldest opset the ``torch.export``-based exporter writes (its operator library's).
MIN_OPSET = 18
#: ``--verify`` fails when a probability differs from PyTorch's by more than this.
VERIFY_ATOL = 1e-4
INPUT_NAME = 'input'
OUTPUT_NAME = 'output'


class OnnxMismatchError(RuntimeError):
    """ONNX Runtime's outputs differ from PyTorch's by more than the tolerance."""


@dataclass
class ExportOptions:
    """Options of ``tools/deployment/pytorch2onnx.py``.

    Attributes:
        output_file: ``--output-file``: where the ``.onnx`` file goes.
        shape: ``--shape``: the input batch, ``(N, V, C, T, H, W)`` for 3D
            models or ``(N, V*T, C, H, W)`` for 2D ones; None takes one video
            as the config's test pipeline makes it.
        opset: ``--opset``: ONNX opset version (at least :data:`MIN_OPSET`).
        dynamic_export: ``--dynamic-export``: make the batch axis N dynamic.
        verify: ``--verify``: run the file with ONNX Runtime on the same input
            and fail unless it matches PyTorch to :data:`VERIFY_ATOL`.
    """

    output_file: str = 'tmp.onnx'
    shape: Optional[Sequence[int]] = None
    opset: int = MIN_OPSET
    dynamic_export: bool = False
    verify: bool = False


@dataclass
class ExportResult:
    """What :func:`export_recognizer` did.

    Attributes:
        output_file: The ``.onnx`` file written.
        input_shape: Shape of the example input the graph was traced with.
        output_shape: Shape of the PyTorch output on that input.
        seconds: Time the export took.
        max_abs_diff: With ``verify``: the largest difference between
            ONNX Runtime's and PyTorch's probabilities; else None.
    """

    output_file: str
    input_shape: Tuple[int, ...]
    output_shape: Tuple[int, ...]
    seconds: float
    max_abs_diff: Optional[float] = None


class RecognizerPredictor(nn.Module):
    """A recognizer whose ``forward(imgs)`` is its test-time prediction.

    ``torch.onnx.export`` traces ``forward(imgs)``; this makes that the
    recognizer's ``forward(imgs, mode='predict')``, so the exported graph
    includes the combination of views (``test_cfg['average_clips']``).

    Args:
        recognizer (nn.Module): A ``Recognizer3D`` or ``Recognizer2D`` in eval mode.
    """

    def __init__(self, recognizer: nn.Module) -> None:
        super().__init__()
        self.recognizer = recognizer
        self.train(recognizer.training)  # a wrapper of an eval-mode model is in eval mode

    def forward(self, imgs: torch.Tensor) -> torch.Tensor:
        """Per-video scores of a preprocessed batch (see the module docstring)."""
        return self.recognizer(imgs, mode='predict')


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


def _shape_text(shape: Sequence[int]) -> str:
    return ' '.join(str(s) for s in shape)


def check_export_shape(model: nn.Module, shape: Sequence[int]) -> Tuple[int, ...]:
    """Check that ``shape`` is an input batch the recognizer can take.

    Args:
        model: A ``Recognizer3D`` or ``Recognizer2D``.
        shape: ``(N, V, C, T, H, W)`` for 3D models, ``(N, V*T, C, H, W)``
            for 2D ones.

    Returns:
        tuple[int, ...]: The shape.

    Raises:
        ConfigError: Wrong number of axes, a size below 1, a channel count
            other than the backbone's, or (2D models with ``num_segments``)
            a frame count that is not a whole number of segments.
    """
    shape = tuple(int(s) for s in shape)
    three_d = is_3d_recognizer(model)
    layout, axes = ('(N, V, C, T, H, W)', 6) if three_d else ('(N, V*T, C, H, W)', 5)
    where = f'--shape {_shape_text(shape)}: {type(model).__name__} takes {layout}'
    if len(shape) != axes:
        raise ConfigError(f'{where}, {axes} numbers; got {len(shape)}')
    if min(shape) < 1:
        raise ConfigError(f'{where}; every size must be at least 1')
    in_channels = getattr(model.backbone, 'in_channels', None)
    if in_channels is not None and shape[2] != in_channels:
        raise ConfigError(f'{where}, and its backbone has C={in_channels} input channels')
    num_segments = getattr(model.backbone, 'num_segments', None)
    if not three_d and num_segments and shape[1] % num_segments:
        raise ConfigError(
            f'{where}, and its backbone groups frames in clips of num_segments={num_segments}: '
            f'V*T={shape[1]} must be a multiple of {num_segments}'
        )
    return shape


def _default_shape(cfg: Any) -> Tuple[int, ...]:
    try:
        return read_test_input_spec(cfg).batch_shape(1)
    except (KeyError, ValueError) as err:
        raise ConfigError(
            f'Cannot read the test-time input from the config ({err}); give it with --shape'
        ) from err


def predict_or_explain(predictor: nn.Module, imgs: torch.Tensor) -> torch.Tensor:
    """PyTorch's output on ``imgs``; a shape the model cannot take is a ConfigError naming it."""
    try:
        with torch.no_grad():
            return predictor(imgs)
    except (RuntimeError, ValueError) as err:
        message = ' '.join(str(err).split())
        raise ConfigError(
            f'--shape {_shape_text(imgs.shape)} does not fit '
            f'{type(predictor.recognizer).__name__}: PyTorch fails on it ({message})'
        ) from err


def check_opset(opset: int) -> None:
    """Refuse an opset that the exporter cannot write (a ConfigError naming ``--opset``)."""
    if opset < MIN_OPSET:
        raise ConfigError(
            f'--opset {opset}: the torch.export-based ONNX exporter writes opset '
            f'{MIN_OPSET} or newer; use --opset {MIN_OPSET}'
        )


def export_onnx(
    predictor: nn.Module,
    imgs: torch.Tensor,
    output_file: str,
    opset: int = MIN_OPSET,
    dynamic_batch: bool = False,
) -> None:
    """Write ``predictor`` traced on ``imgs`` to ``output_file`` as one ONNX file.

    Args:
        predictor: The module to export (e.g. a :class:`RecognizerPredictor`), in eval mode.
        imgs: Example input.
        output_file: Path of the ``.onnx`` file. The weights are stored inside
            it (in a separate ``.data`` file only past ONNX's 2 GB limit).
        opset: ONNX opset version, at least :data:`MIN_OPSET`.
        dynamic_batch: Make axis 0 of the input and the output dynamic.
    """
    check_opset(opset)
    for name in ('onnx', 'onnxscript'):
        import_deploy_package(name, 'ONNX export')
    dynamic_shapes = ({0: torch.export.Dim('batch')},) if dynamic_batch else None
    out_dir = osp.dirname(osp.abspath(output_file))
    os.makedirs(out_dir, exist_ok=True)
    torch.onnx.export(
        predictor,
        (imgs,),
        output_file,
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        opset_version=opset,
        dynamo=True,
        dynamic_shapes=dynamic_shapes,
        external_data=False,
        verbose=False,
    )


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


def _required_packages(verify: bool) -> List[str]:
    return ['onnx', 'onnxscript'] + (['onnxruntime'] if verify else [])


def build_predictor(
    cfg: Any,
    checkpoint: Optional[str] = None,
    shape: Optional[Sequence[int]] = None,
    config_path: Optional[str] = None,
) -> Tuple[RecognizerPredictor, torch.Tensor]:
    """The config's recognizer as a :class:`RecognizerPredictor`, and an example input.

    Args:
        cfg: A MMAction2 0.x config (``model`` and, without ``shape``, a
            test pipeline).
        checkpoint: Checkpoint path or URL, loaded strictly (missing keys or
            other shapes are a :class:`CheckpointError` that lists them);
            None keeps random weights.
        shape: Input batch (see :func:`check_export_shape`); None takes one
            video as the config's test pipeline makes it.
        config_path: Path of the config, for error messages.

    Returns:
        tuple: The predictor in eval mode, and random numbers (seed 0) of
        the checked input shape.
    """
    with explain_registry_errors(cfg, config_path):
        model = build_recognizer_from_config(cfg)
    if checkpoint is not None:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    # Chunking the views is a Python loop over the batch; the graph takes them all at once.
    model.max_testing_views = None
    shape = check_export_shape(model, shape or _default_shape(cfg))
    imgs = torch.randn(shape, generator=torch.Generator().manual_seed(0))
    return RecognizerPredictor(model).eval(), imgs


def export_recognizer(
    cfg: Any,
    checkpoint: str,
    options: Optional[ExportOptions] = None,
    config_path: Optional[str] = None,
) -> ExportResult:
    """Build the config's recognizer, load a checkpoint and export it to ONNX.

    Everything that can be checked is checked before the export starts: the
    optional packages, the opset, the checkpoint (see :func:`build_predictor`),
    the input shape, and a PyTorch run on the example input, whose output
    ``verify`` compares with ONNX Runtime's.

    Args:
        cfg: A MMAction2 0.x config.
        checkpoint: Checkpoint path or URL, loaded with ``weights_only=True``.
        options: See :class:`ExportOptions`; defaults to ``ExportOptions()``.
        config_path: Path of the config, for error messages.

    Returns:
        ExportResult: The file, shapes, time and, with ``verify``, the difference.

    Raises:
        MissingPackageError: onnx, onnxscript or (``verify``) onnxruntime is missing.
        CheckpointError: The checkpoint does not fit the model.
        ConfigError: The shape does not fit the model, or the opset is too old.
        OnnxMismatchError: With ``verify``, the outputs differ by more than :data:`VERIFY_ATOL`.
    """
    options = options or ExportOptions()
    for name in _required_packages(options.verify):
        import_deploy_package(name, 'ONNX export' + (' --verify' if name == 'onnxruntime' else ''))
    check_opset(options.opset)
    predictor, imgs = build_predictor(cfg, checkpoint, options.shape, config_path)
    expected = predict_or_explain(predictor, imgs)

    start = time.perf_counter()
    export_onnx(predictor, imgs, options.output_file, options.opset, options.dynamic_export)
    result = ExportResult(
        options.output_file, tuple(imgs.shape), tuple(expected.shape), time.perf_counter() - start
    )
    if options.verify:
        average_clips = (predictor.recognizer.test_cfg or {}).get('average_clips')
        result.max_abs_diff = verify_onnx(result.output_file, imgs, expected, average_clips)
    return result
