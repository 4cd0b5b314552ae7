"""The inference API, with MMAction2 0.x's signatures.

:func:`init_recognizer` builds a recognizer from a config and a checkpoint;
:func:`inference_recognizer` scores one video (a file, a frame folder or
frames in memory) and :func:`inference_recognizers` many, through one data
loader. The model, the test pipeline, the collation and the forward pass are
those of ``tools/test.py``, so the scores are the same.

Example:
    >>> model = init_recognizer('configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.py',
    ...                         'work_dirs/tpn_slowonly_r18_synthetic_rgb/epoch_8.pth', 'cpu')
    >>> result = inference_recognizer(model, 'video.mp4', label_map='data/synthetic/label_map.txt')
    >>> result.top_k[0].name, result.top_k[0].score
    ('move_left_fast', 0.93)
"""

import copy
import logging
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import print_log
from torch import nn
from torch.utils.data import DataLoader

from mmaction.datasets import action_collate, load_label_map
from mmaction.engine.config.checks import explain_registry_errors, naming_config
from mmaction.engine.config.convert import convert_inference_config
from mmaction.engine.config.loader import load_config, merge_cfg_options
from mmaction.engine.model_builder import build_model
from mmaction.engine.speed.plan import SpeedPlan, plan_speed
from mmaction.utils.errors import AnnotationError, ConfigError

from .backends import (
    ONNXRUNTIME,
    PYTORCH,
    build_onnx_recognizer,
    check_backend,
    require_pytorch,
    test_input_spec,
)
from .feature_recorder import FeatureRecorder
from .inference_pipeline import InferenceDataset, Views
from .video_source import describe_input

#: How many (label, score) pairs iterating a result gives, as 0.x's top-5 list.
TOP5 = 5

LabelMap = Union[str, os.PathLike, Sequence[str], None]


class TopK(NamedTuple):
    """One of the best classes of a video.

    Attributes:
        index: The class index.
        score: Its score (a probability with ``average_clips='prob'``).
        name: Its name from the label map, or None without one.
    """

    index: int
    score: float
    name: Optional[str] = None


@dataclass
class RecognitionResult:
    """The scores of one video.

    Iterating it (or indexing it) gives the top-5 ``(class index, score)``
    pairs, best first, like the list MMAction2 0.x's ``inference_recognizer``
    returned.

    Attributes:
        video: The video's path, or ``<frames array #i>``.
        scores: One float32 score per class, the views of the video averaged
            as the config's ``test_cfg.average_clips`` says.
        top_k: The best classes, best first (ties: lower index first).
        features: ``{module name: output}`` for the modules named in
            ``outputs``: tensors (numpy arrays with ``as_tensor=False``),
            this video's part of the batch, on the CPU.
    """

    video: str
    scores: np.ndarray
    top_k: List[TopK]
    features: Dict[str, Any] = field(default_factory=dict)

    def _pairs(self) -> List[Tuple[int, float]]:
        order = np.argsort(-self.scores, kind='stable')[:TOP5]
        return [(int(i), float(self.scores[i])) for i in order]

    def __iter__(self) -> Iterator[Tuple[int, float]]:
        return iter(self._pairs())

    def __len__(self) -> int:
        return min(TOP5, len(self.scores))

    def __getitem__(self, index: int) -> Tuple[int, float]:
        return self._pairs()[index]


def _select_device(device: Union[str, torch.device]) -> torch.device:
    device = torch.device(device)
    if device.type == 'cuda' and not torch.cuda.is_available():
        print_log(
            f'CUDA is not available: running on the CPU instead of {device}',
            logger='current',
            level=logging.WARNING,
        )
        return torch.device('cpu')
    return device


def init_recognizer(
    config: Union[str, os.PathLike, Config],
    checkpoint: Optional[str] = None,
    device: Union[str, torch.device] = 'cuda:0',
    cfg_options: Optional[dict] = None,
    backend: str = PYTORCH,
) -> nn.Module:
    """Build a recognizer from a 0.x config and load its checkpoint.

    The model is the one ``tools/test.py`` builds: backbone ``pretrained``
    cleared, a trailing ``Normalize`` of the test pipeline moved into the
    data preprocessor, and the config's ``precision``, ``channels_last`` and
    ``compile`` applied (a mixed precision runs every forward pass under
    autocast; a fallback, such as bf16 on hardware without it, is logged).

    With ``backend='onnxruntime'`` the model is exported to ONNX once (into
    the user's cache folder, ``$XDG_CACHE_HOME/tpn-action/onnx``, keyed by the
    checkpoint's SHA-256, the export settings and the toolkit version) and
    run by ONNX Runtime on the CPU, with as many threads as the process has
    cores; ``inference_recognizer(s)`` use it as the PyTorch model and give
    the same scores (within 1e-4). ``outputs=`` needs the PyTorch backend.

    Args:
        config: Config file path or ``mmengine.Config``.
        checkpoint: Checkpoint path or URL, loaded with ``weights_only=True``;
            it must fit the model (a :class:`CheckpointError` lists the keys
            that do not). None leaves the weights at their initialization.
        device: Where to run; ``'cuda...'`` without CUDA says so in one line
            and uses the CPU.
        cfg_options: Overrides, as ``--cfg-options`` of the tools, e.g.
            ``{'model.test_cfg.average_clips': 'score'}``.
        backend: ``'pytorch'``, or ``'onnxruntime'`` (CPU only; the
            checkpoint may also be an ``.onnx`` export of the config's model).

    Returns:
        nn.Module: The recognizer in eval mode (an ``OnnxRecognizer`` with
        ``backend='onnxruntime'``), with the config it runs (``model.cfg``:
        its ``model`` and ``data.test`` as used) attached.

    Raises:
        ConfigError: No such config file, a syntax error, misspelled keys or
            options, unknown types, no ``data.test.pipeline``; an unknown
            backend, or ``onnxruntime`` with a device other than the CPU.
        FileNotFoundError: No such checkpoint file.
        CheckpointError: The checkpoint is damaged, unsafe or does not fit.
    """
    if isinstance(config, (str, os.PathLike)):
        config_path: Optional[str] = os.fspath(config)
        cfg = load_config(config_path, cfg_options)
    elif isinstance(config, Config):
        config_path, cfg = config.filename, copy.deepcopy(config)
        merge_cfg_options(cfg, cfg_options, config_path)
    else:
        raise TypeError(f'config must be a file path or a mmengine Config, got {type(config)}')
    import mmaction.datasets  # noqa: F401  (registers the transforms)

    check_backend(backend, device, checkpoint)
    device = _select_device(device)
    with naming_config(config_path):
        cfg = convert_inference_config(cfg, config_path)
        speed = plan_speed(
            precision=cfg.get('precision'),
            fp16=cfg.get('fp16'),
            channels_last=cfg.get('channels_last', False),
            compile=cfg.get('compile'),
            device_type=device.type,
        )
    for note in speed.precision.notes:
        print_log(note, logger='current', level=logging.WARNING)
    with explain_registry_errors(cfg, config_path):
        model = _build(cfg, checkpoint, device, speed, backend)
    model.cfg = cfg
    return model


def _build(
    cfg: Config, checkpoint: Optional[str], device: torch.device, speed: SpeedPlan, backend: str
) -> nn.Module:
    if backend == ONNXRUNTIME:
        return build_onnx_recognizer(cfg.model, checkpoint, test_input_spec(cfg), speed)
    return build_model(
        cfg.model,
        checkpoint,
        strict=True,
        speed=speed,
        device=device,
        init_weights=checkpoint is None,
        autocast=True,
    )


def _check_predicts_scores(model: nn.Module) -> Config:
    cfg = getattr(model, 'cfg', None)
    if cfg is None:
        raise ValueError('The model has no config attached: build it with init_recognizer')
    test_cfg = getattr(model, 'test_cfg', None) or {}
    if test_cfg.get('feature_extraction'):
        raise ConfigError(
            'model.test_cfg.feature_extraction is set, so the model gives features, not class '
            "scores: drop it and ask for features with outputs=('backbone', ...)"
        )
    if test_cfg.get('average_clips') not in ('prob', 'score'):
        raise ConfigError(
            f'model.test_cfg.average_clips is {test_cfg.get("average_clips")!r}: inference needs '
            "one score per class, so set it to 'prob' or 'score' (e.g. cfg_options="
            "{'model.test_cfg.average_clips': 'prob'})"
        )
    return cfg


def class_names(model: nn.Module, label_map: LabelMap) -> Optional[List[str]]:
    """The class names of a label map file or list, checked against the model's ``num_classes``.

    Without a label map, the ``label_file`` of the config's test data set
    names the classes (the configs of ``tools/new_config.py`` have one).

    Returns:
        The names, or None without a label map (classes known by index).

    Raises:
        AnnotationError: Not ``num_classes`` names (or a malformed file).
    """
    num_classes = getattr(model, 'num_classes', None)  # an OnnxRecognizer's
    if num_classes is None:
        num_classes = getattr(getattr(model, 'cls_head', None), 'num_classes', None)
    if label_map is None:
        cfg = getattr(model, 'cfg', None) or {}
        label_map = ((cfg.get('data') or {}).get('test') or {}).get('label_file')
    if label_map is None:
        return None
    if isinstance(label_map, (str, os.PathLike)):
        return load_label_map(os.fspath(label_map), num_classes)
    names = [str(name) for name in label_map]
    if num_classes is not None and len(names) != num_classes:
        raise AnnotationError(
            f'label_map has {len(names)} names but the model has num_classes={num_classes}'
        )
    return names


def _result(
    video: str, score: torch.Tensor, features: dict, names: Optional[List[str]], top_k: int
) -> RecognitionResult:
    scores = score.numpy().astype(np.float32, copy=False)
    order = np.argsort(-scores, kind='stable')[:top_k]
    best = [TopK(int(i), float(scores[i]), names[i] if names else None) for i in order]
    return RecognitionResult(video, scores, best, features)


def iter_recognitions(
    model: nn.Module,
    videos: Sequence[Any],
    outputs: Union[str, Sequence[str], None] = None,
    as_tensor: bool = True,
    *,
    views: Optional[Views] = None,
    label_map: LabelMap = None,
    top_k: int = TOP5,
    batch_size: int = 1,
    num_workers: int = 0,
) -> Iterator[RecognitionResult]:
    """Score many videos through one data loader, yielding each result as its batch is done.

    What :func:`inference_recognizers` returns as a list, without holding
    more than one batch of results (``tools/misc/extract_features.py``
    writes each video's features as it comes). The arguments and errors are
    those of :func:`inference_recognizers`.

    Yields:
        One :class:`RecognitionResult` per video, in order.
    """
    cfg = _check_predicts_scores(model)
    if outputs:
        require_pytorch(model, f'outputs={outputs!r}')
    names = class_names(model, label_map)
    inputs = [describe_input(video, position) for position, video in enumerate(videos)]
    if not inputs:
        return
    loader = DataLoader(
        InferenceDataset(inputs, cfg, views),
        batch_size=batch_size,
        num_workers=num_workers,
        collate_fn=action_collate,  # what the test data loader of tools/test.py uses
    )
    done = 0
    with FeatureRecorder(model, outputs, as_tensor) as recorder:
        for batch in loader:
            with torch.no_grad():
                predictions = model.test_step(batch)
            for prediction, features in zip(predictions, recorder.take(len(predictions))):
                name = inputs[done].name
                done += 1
                yield _result(name, prediction['pred_score'], features, names, top_k)


def inference_recognizers(
    model: nn.Module,
    videos: Sequence[Any],
    outputs: Union[str, Sequence[str], None] = None,
    as_tensor: bool = True,
    *,
    views: Optional[Views] = None,
    label_map: LabelMap = None,
    top_k: int = TOP5,
    batch_size: int = 1,
    num_workers: int = 0,
) -> List[RecognitionResult]:
    """Score many videos, through one data loader.

    Args:
        model: A recognizer from :func:`init_recognizer`.
        videos: Video files, frame folders and/or RGB uint8 frames
            ``(T, H, W, 3)`` (numpy arrays or torch tensors), in any mix.
        outputs: Names of modules whose outputs to return, e.g.
            ``('backbone', 'neck')`` (the PyTorch backend only).
        as_tensor: Return those outputs as torch tensors (else numpy).
        views: Fewer (or more) clips or crops than the config's test
            pipeline; see :class:`Views`.
        label_map: A label map file (one class name per line) or the names;
            it must name ``num_classes`` classes.
        top_k: How many of the best classes ``top_k`` lists.
        batch_size: Videos per forward pass; their inputs must have the
            same shape (the test pipelines of the configs crop or resize to
            one size).
        num_workers: Data loading processes (0: in this process).

    Returns:
        One :class:`RecognitionResult` per video, in order.

    Raises:
        BrokenVideoError: A video cannot be read, a frame folder has no
            frames, or frames of another shape or dtype (names the video).
        AnnotationError: The label map does not fit the model.
        ConfigError: The model gives no class scores
            (``average_clips=None`` or ``feature_extraction``), or the views
            do not fit the test pipeline; ``outputs`` with the onnxruntime
            backend.
    """
    return list(
        iter_recognitions(
            model, videos, outputs, as_tensor, views=views, label_map=label_map, top_k=top_k,
            batch_size=batch_size, num_workers=num_workers,
        )
    )  # fmt: skip


def inference_recognizer(
    model: nn.Module,
    video: Any,
    outputs: Union[str, Sequence[str], None] = None,
    as_tensor: bool = True,
    *,
    views: Optional[Views] = None,
    label_map: LabelMap = None,
    top_k: int = TOP5,
) -> RecognitionResult:
    """Score one video with the config's test pipeline.

    Args:
        model: A recognizer from :func:`init_recognizer`.
        video: A video file, a frame folder, or RGB uint8 frames
            ``(T, H, W, 3)`` as a numpy array or torch tensor.
        outputs: Names of modules whose outputs to return, e.g.
            ``('backbone', 'neck')``: they land in ``result.features``.
        as_tensor: Return those outputs as torch tensors (else numpy).
        views: Fewer clips or crops, for speed; see :class:`Views`.
        label_map: A label map file or the class names, for ``top_k`` names.
        top_k: How many of the best classes ``top_k`` lists.

    Returns:
        RecognitionResult: ``scores``, ``top_k``, ``features``; iterating it
        gives the top-5 ``(class index, score)`` pairs as 0.x did.

    Raises:
        See :func:`inference_recognizers`.
    """
    return inference_recognizers(
        model, [video], outputs, as_tensor, views=views, label_map=label_map, top_k=top_k
    )[0]
