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

import os
import os.path as osp
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
from torch import nn

from mmaction.engine.config.checks import explain_registry_errors
from mmaction.engine.config.convert import model_cfg_for_testing
from mmaction.engine.input_spec import is_3d_recognizer, read_test_input_spec
from mmaction.engine.model_builder import build_model
from mmaction.utils import ConfigError

from .onnx_runtime import import_deploy_package, verify_onnx

__all__ = [
    'ExportOptions',
    'ExportResult',
    'MIN_OPSET',
    'RecognizerPredictor',
    'build_predictor',
    'check_export_shape',
    'check_opset',
    'export_metadata',
    'export_onnx',
    'example_input',
    'export_recognizer',
    'predict_or_explain',
    'predictor_of',
    'read_export_metadata',
]

#: Oldest opset the ``torch.export``-based exporter writes (its operator library's).
MIN_OPSET = 18
INPUT_NAME = 'input'
#: Prefix of the keys this toolkit writes into an export's ``metadata_props``.
METADATA_PREFIX = 'tpn_action.'
OUTPUT_NAME = 'output'


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
            and fail unless it matches PyTorch to :data:`~.onnx_runtime.VERIFY_ATOL`.
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


def _dynamic_shapes(dynamic_batch: bool, view_frames: Optional[int]) -> Optional[tuple]:
    axes = {}
    if dynamic_batch:
        axes[0] = torch.export.Dim('batch')
    if view_frames:
        # 2D models stack the views' frames on axis 1: V*T, a whole number of views.
        views = torch.export.Dim('views')
        axes[1] = views if view_frames == 1 else view_frames * views
    return (axes,) if axes else None


def export_onnx(
    predictor: nn.Module,
    imgs: torch.Tensor,
    output_file: str,
    opset: int = MIN_OPSET,
    dynamic_batch: bool = False,
    view_frames: Optional[int] = None,
    metadata: Optional[Dict[str, str]] = None,
) -> None:
    """Write ``predictor`` traced on ``imgs`` to ``output_file`` as one ONNX file.

    Args:
        predictor: The module to export (e.g. a :class:`RecognizerPredictor`), in eval mode.
        imgs: Example input.
        output_file: Path of the ``.onnx`` file. The weights are stored inside
            it (in a separate ``.data`` file only past ONNX's 2 GB limit).
        opset: ONNX opset version, at least :data:`MIN_OPSET`.
        dynamic_batch: Make axis 0 of the input and the output dynamic.
        view_frames: Make axis 1 (the views) dynamic, in steps of this many
            entries: 1 for 3D models (a view is one clip), the frames of a
            view for 2D models (axis 1 is ``V*T``). None keeps it fixed.
        metadata: Strings to store in the file's ``metadata_props`` (the
            export settings, read back by :func:`read_export_metadata`).
    """
    check_opset(opset)
    for name in ('onnx', 'onnxscript'):
        import_deploy_package(name, 'ONNX export')
    out_dir = osp.dirname(osp.abspath(output_file))
    os.makedirs(out_dir, exist_ok=True)
    program = torch.onnx.export(
        predictor,
        (imgs,),
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        opset_version=opset,
        dynamo=True,
        dynamic_shapes=_dynamic_shapes(dynamic_batch, view_frames),
        verbose=False,
    )
    program.model.metadata_props.update(export_metadata(predictor, metadata))
    program.save(output_file, external_data=False)


def export_metadata(predictor: nn.Module, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """What an export stores about itself: the toolkit version and ``average_clips``."""
    from mmaction import __version__

    test_cfg = getattr(predictor, 'recognizer', predictor).test_cfg or {}
    props = {
        METADATA_PREFIX + 'version': __version__,
        METADATA_PREFIX + 'average_clips': str(test_cfg.get('average_clips')),
    }
    props.update({METADATA_PREFIX + key: str(value) for key, value in (extra or {}).items()})
    return props


def read_export_metadata(onnx_model: Any) -> Dict[str, str]:
    """The toolkit's ``metadata_props`` of a loaded ``onnx.ModelProto`` or session, prefix dropped."""
    if hasattr(onnx_model, 'get_modelmeta'):  # an onnxruntime.InferenceSession
        props = onnx_model.get_modelmeta().custom_metadata_map
    else:
        props = {entry.key: entry.value for entry in onnx_model.metadata_props}
    return {
        key[len(METADATA_PREFIX) :]: value
        for key, value in props.items()
        if key.startswith(METADATA_PREFIX)
    }


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
        model = build_model(model_cfg_for_testing(cfg), checkpoint, strict=True)
    shape = check_export_shape(model, shape or _default_shape(cfg))
    return predictor_of(model), example_input(shape)


def predictor_of(model: nn.Module) -> RecognizerPredictor:
    """The recognizer as the module to export, in eval mode, its views taken in one pass."""
    # Chunking the views is a Python loop over the batch; the graph takes them all at once.
    model.max_testing_views = None
    return RecognizerPredictor(model).eval()


def example_input(shape: Sequence[int]) -> torch.Tensor:
    """Random numbers (seed 0) of ``shape``: the input an export is traced and checked on."""
    return torch.randn(tuple(shape), generator=torch.Generator().manual_seed(0))


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
        OnnxMismatchError: With ``verify``, the outputs differ by more than
            :data:`~.onnx_runtime.VERIFY_ATOL`.
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
