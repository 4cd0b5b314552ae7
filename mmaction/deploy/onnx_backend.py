"""The ``onnxruntime`` backend: an :class:`~.onnx_recognizer.OnnxRecognizer` for a run.

:func:`onnx_recognizer` exports a checkpoint once into the cache
(:mod:`.onnx_cache`) and opens the export; :func:`load_onnx_recognizer`
opens an export made by ``tools/deployment/pytorch2onnx.py`` (``tools/test.py
--onnx``). Both take the model config the PyTorch backend would build, and
build it with the engine's model builder: the export needs its weights, the
recognizer its data preprocessor and ``test_cfg``.

The backend's export has a dynamic batch axis and a dynamic view axis, so
one file serves ``inference_recognizers(batch_size=...)``, ``Views(...)``
and every test loader; only the frames of a view, their size and the
channels are fixed. It is checked against PyTorch (one video of one view)
before it goes into the cache.
"""

import os.path as osp
import tempfile
from dataclasses import dataclass
from typing import Any, Optional, Tuple

import torch
from torch import nn

from mmaction.engine.input_spec import VideoInputSpec
from mmaction.engine.model_builder import build_model
from mmaction.utils import ConfigError, local_checkpoint_path

from .onnx_cache import ExportKey, OnnxCache, file_sha256
from .onnx_export import (
    MIN_OPSET,
    example_input,
    export_onnx,
    predict_or_explain,
    predictor_of,
    read_export_metadata,
)
from .onnx_recognizer import OnnxRecognizer
from .onnx_runtime import available_cores, create_ort_session, import_deploy_package, verify_onnx

__all__ = ['OnnxBackendOptions', 'load_onnx_recognizer', 'onnx_recognizer']


@dataclass
class OnnxBackendOptions:
    """How the ``onnxruntime`` backend exports and runs a recognizer.

    Attributes:
        opset: ONNX opset of the export.
        fuse_conv_bn: Fold BatchNorm into the convolutions before the export
            (ONNX Runtime's graph optimization folds them anyway).
        threads: Intra-op threads of the session; None: the cores this
            process may use.
        cache_dir: The export cache; None: :func:`.onnx_cache.default_cache_dir`.
    """

    opset: int = MIN_OPSET
    fuse_conv_bn: bool = False
    threads: Optional[int] = None
    cache_dir: Optional[str] = None


def _session(onnx_file: str, options: OnnxBackendOptions) -> Any:
    return create_ort_session(onnx_file, options.threads or available_cores())


def _recognizer(model: nn.Module, onnx_file: str, options: OnnxBackendOptions) -> OnnxRecognizer:
    num_classes = getattr(getattr(model, 'cls_head', None), 'num_classes', None)
    return OnnxRecognizer(
        _session(onnx_file, options),
        model.data_preprocessor,
        model.test_cfg,
        num_classes,
        onnx_file,
    )


def _view_frames(spec: VideoInputSpec) -> int:
    """Entries of input axis 1 per view: one clip (3D) or a view's frames (2D)."""
    return 1 if spec.input_format == 'NCTHW' else spec.frames_per_view


def _batch_of_views(spec: VideoInputSpec, views: int) -> Tuple[int, ...]:
    """The input shape of one video of ``views`` views of ``spec``'s frames and size."""
    return VideoInputSpec(
        spec.frames_per_view, views, 1, spec.height, spec.width, spec.input_format
    ).batch_shape(1)


def export_settings(model_cfg: dict, spec: VideoInputSpec, options: OnnxBackendOptions) -> dict:
    """What the graph depends on besides the weights (the cache key's settings).

    The data preprocessor runs in PyTorch, outside the graph, and the number
    of views is a dynamic axis: neither is part of it.
    """
    return dict(
        model={key: value for key, value in model_cfg.items() if key != 'data_preprocessor'},
        view_shape=list(_batch_of_views(spec, 1)[1:]),
        opset=options.opset,
        fuse_conv_bn=options.fuse_conv_bn,
        dynamic_axes=['batch', 'views'],
    )


def _versions() -> dict:
    from mmaction import __version__

    return dict(toolkit=__version__, torch=torch.__version__)


def export_for_backend(model: nn.Module, spec: VideoInputSpec, onnx_file: str, opset: int) -> None:
    """Export ``model`` with dynamic batch and view axes; check one view against PyTorch.

    Raises:
        OnnxMismatchError: ONNX Runtime's probabilities differ from PyTorch's
            by more than :data:`~.onnx_runtime.VERIFY_ATOL`.
    """
    predictor = predictor_of(model)
    # Traced on two views: torch.export would take one view for a constant of the graph.
    imgs = example_input(_batch_of_views(spec, 2))
    export_onnx(
        predictor, imgs, onnx_file, opset, dynamic_batch=True, view_frames=_view_frames(spec)
    )
    check = imgs[:, : _view_frames(spec)]
    average_clips = (model.test_cfg or {}).get('average_clips')
    verify_onnx(onnx_file, check, predict_or_explain(predictor, check), average_clips)


def _build(model_cfg: dict, checkpoint: Optional[str], options: OnnxBackendOptions) -> nn.Module:
    return build_model(model_cfg, checkpoint, strict=True, fuse_conv_bn=options.fuse_conv_bn)


def _check_packages() -> None:
    for name in ('onnx', 'onnxscript', 'onnxruntime'):
        import_deploy_package(name, "The 'onnxruntime' backend")


def onnx_recognizer(
    model_cfg: dict,
    checkpoint: Optional[str],
    spec: VideoInputSpec,
    options: Optional[OnnxBackendOptions] = None,
) -> Tuple[OnnxRecognizer, str]:
    """The recognizer of ``model_cfg`` with ``checkpoint``, run by ONNX Runtime.

    The export comes from the cache, or is made and put there. Without a
    checkpoint the weights are the model's initialization, which no key
    can name: the export goes to a temporary folder, not the cache.

    Args:
        model_cfg: The test-time model config (what the PyTorch backend builds).
        checkpoint: Checkpoint path or URL, loaded strictly; or None.
        spec: The input of one video (the frames of a view and their size
            are fixed in the export; the views and the batch are not).
        options: See :class:`OnnxBackendOptions`.

    Returns:
        The recognizer, and ``'cached'``, ``'exported'`` or ``'temporary'``:
        where its export came from.

    Raises:
        MissingPackageError: onnx, onnxscript or onnxruntime is missing.
        CheckpointError: The checkpoint does not fit the model.
        OnnxMismatchError: The export does not reproduce PyTorch.
    """
    options = options or OnnxBackendOptions()
    _check_packages()
    if checkpoint is None:
        model = _build(model_cfg, None, options)
        with tempfile.TemporaryDirectory() as tmp:
            onnx_file = osp.join(tmp, 'model.onnx')
            export_for_backend(model, spec, onnx_file, options.opset)
            # The session holds the graph in memory: the file may go.
            return _recognizer(model, onnx_file, options), 'temporary'
    local = local_checkpoint_path(checkpoint)
    if not osp.isfile(local):
        raise FileNotFoundError(f'Checkpoint file not found: {checkpoint}')
    key = ExportKey(file_sha256(local), export_settings(model_cfg, spec, options), _versions())
    cache = OnnxCache(options.cache_dir)
    onnx_file = cache.lookup(key)
    if onnx_file is not None:
        # The cached graph has the weights; the model gives the preprocessor and test_cfg.
        return _recognizer(_build(model_cfg, None, options), onnx_file, options), 'cached'
    model = _build(model_cfg, local, options)
    onnx_file = cache.store(key, lambda path: export_for_backend(model, spec, path, options.opset))
    return _recognizer(model, onnx_file, options), 'exported'


def load_onnx_recognizer(
    model_cfg: dict, onnx_file: str, options: Optional[OnnxBackendOptions] = None
) -> OnnxRecognizer:
    """The recognizer of ``model_cfg`` running an exported file (``tools/test.py --onnx``).

    Args:
        model_cfg: The test-time model config: its data preprocessor and
            ``test_cfg`` go with the file.
        onnx_file: An export of ``tools/deployment/pytorch2onnx.py`` (or of
            this backend).
        options: Its ``threads``; the export settings do not apply.

    Raises:
        FileNotFoundError: No such file.
        ConfigError: The file combines the views otherwise than the
            config's ``average_clips`` says.
    """
    options = options or OnnxBackendOptions()
    import_deploy_package('onnxruntime', "The 'onnxruntime' backend")
    if not osp.isfile(onnx_file):
        raise FileNotFoundError(f'ONNX file not found: {onnx_file}')
    model = _build(model_cfg, None, options)
    recognizer = _recognizer(model, onnx_file, options)
    exported = read_export_metadata(recognizer.session).get('average_clips')
    wanted = str((model.test_cfg or {}).get('average_clips'))
    if exported is not None and exported != wanted:
        raise ConfigError(
            f'{onnx_file} was exported with average_clips={exported!r} but the config asks for '
            f'{wanted!r}: export it again with this setting, or pass --average-clips {exported}'
        )
    return recognizer
