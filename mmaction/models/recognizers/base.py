"""Shared logic of the recognizers: building parts, forward modes, view averaging."""

import difflib
from abc import abstractmethod
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel, initialize

from mmaction.models.heads.base import AVERAGE_CLIPS_UNSET
from mmaction.registry import MODELS
from mmaction.utils.errors import ConfigError

ModuleOrCfg = Union[dict, nn.Module]
Features = Union[torch.Tensor, Sequence[torch.Tensor]]

AVERAGE_CLIPS_CHOICES = ('score', 'prob', None)
FORWARD_MODES = ('loss', 'predict', 'tensor')


def _build_part(part: Optional[ModuleOrCfg], name: str) -> Optional[nn.Module]:
    """Build a sub-module from its config dict, or take an already built module."""
    if part is None or isinstance(part, nn.Module):
        return part
    if isinstance(part, dict):
        if 'type' not in part:
            raise KeyError(f'Recognizer: the `{name}` config has no "type" key: {dict(part)}')
        return MODELS.build(part)
    raise TypeError(f'Recognizer: `{name}` must be a config dict or an nn.Module, got {type(part)}')


def _cat_features(chunks: List[Features]) -> Features:
    """Concatenate per-chunk outputs along the batch axis, keeping tuple nesting."""
    first = chunks[0]
    if isinstance(first, torch.Tensor):
        return torch.cat(chunks, dim=0)
    return type(first)(_cat_features([c[i] for c in chunks]) for i in range(len(first)))


def pool_features(feat: Features) -> torch.Tensor:
    """Average every feature map over its positions, giving ``(B, C)`` per sample.

    A tuple of feature maps (e.g. one per backbone stage) is pooled map by map
    and concatenated along channels.
    """
    if not isinstance(feat, torch.Tensor):
        return torch.cat([pool_features(f) for f in feat], dim=1)
    if feat.dim() > 2:
        return feat.flatten(2).mean(dim=2)
    return feat


def format_labels(label: torch.Tensor) -> torch.Tensor:
    """Turn collated 0.x labels ``(N, 1)`` into ``(N,)``; multi-hot ``(N, C)`` stay."""
    if label.dim() == 2 and label.shape[1] == 1:
        return label[:, 0]
    if label.dim() == 0:
        return label.unsqueeze(0)
    return label


def per_video_results(scores: torch.Tensor, labels: Optional[torch.Tensor]) -> List[dict]:
    """Split a batch's predictions into the per-video dicts of ``val_step``/``test_step``.

    Shared with the recognizers of other backends (``mmaction.deploy``), so
    that the test loop and the metrics see the same results from each.

    Args:
        scores: ``(N, ...)`` predictions of the batch.
        labels: The batch's labels, or None.

    Returns:
        One dict per video: ``pred_score`` (float32, on the CPU) and, with
        labels, ``gt_label``.
    """
    scores = scores.detach().float().cpu()
    results = []
    for i in range(scores.shape[0]):
        result = {'pred_score': scores[i]}
        if labels is not None:
            result['gt_label'] = labels[i].detach().cpu()
        results.append(result)
    return results


class BaseRecognizer(BaseModel):
    """Base class of the recognizers (backbone, optional neck, classification head).

    Arguments keep MMAction2 0.x's names so that 0.x model configs build
    unchanged. Sub-modules may be config dicts (built with ``MODELS``) or
    already built ``nn.Module`` instances.

    Args:
        backbone (dict | nn.Module): The backbone.
        cls_head (dict | nn.Module, optional): The classification head.
        neck (dict | nn.Module, optional): The neck (e.g. ``TPN``), called as
            ``x, loss_aux = neck(x, labels)``.
        train_cfg (dict, optional): Training options. Unused by these
            recognizers; kept for 0.x configs.
        test_cfg (dict, optional): Test options: ``average_clips``
            (``'score'``, ``'prob'`` or None; required for ``predict``,
            here or, as in MMAction2 1.x, as ``cls_head.average_clips``),
            ``max_testing_views`` (int: inputs per backbone pass at test
            time), ``feature_extraction`` (bool: return pooled features
            instead of scores), and for 2D models ``fcn_test``, ``num_segs``
            and ``flip``.
        data_preprocessor (dict | nn.Module, optional): Batch preprocessor.
            Defaults to ``ActionDataPreprocessor()`` (no normalization).
        init_cfg (dict | list, optional): mmengine initialization config,
            applied after the sub-modules' own ``init_weights``.
    """

    #: The ``test_cfg`` keys this recognizer reads (others are refused).
    TEST_CFG_KEYS: Tuple[str, ...] = ('average_clips', 'max_testing_views', 'feature_extraction')

    def __init__(
        self,
        backbone: ModuleOrCfg,
        cls_head: Optional[ModuleOrCfg] = None,
        neck: Optional[ModuleOrCfg] = None,
        train_cfg: Optional[dict] = None,
        test_cfg: Optional[dict] = None,
        data_preprocessor: Optional[ModuleOrCfg] = None,
        init_cfg: Optional[Union[dict, List[dict]]] = None,
    ) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ActionDataPreprocessor')
        elif isinstance(data_preprocessor, dict) and 'type' not in data_preprocessor:
            data_preprocessor = dict(data_preprocessor, type='ActionDataPreprocessor')
        if isinstance(data_preprocessor, dict):
            # Build here with our registry: mmengine's root registry does not see
            # the `mmaction` scope unless a default scope is set.
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)

        if backbone is None:
            raise ValueError('Recognizer: `backbone` is required')
        self.backbone = _build_part(backbone, 'backbone')
        self.neck = _build_part(neck, 'neck')
        self.cls_head = _build_part(cls_head, 'cls_head')

        self.train_cfg = dict(train_cfg) if train_cfg is not None else None
        self.test_cfg = self._with_head_average_clips(
            dict(test_cfg) if test_cfg is not None else None
        )
        cfg = self.test_cfg or {}
        unknown = sorted(set(cfg) - set(self.TEST_CFG_KEYS))
        if unknown:
            close = difflib.get_close_matches(unknown[0], self.TEST_CFG_KEYS, n=1)
            hint = f' Did you mean {close[0]!r}?' if close else ''
            raise ConfigError(
                f'{type(self).__name__}: unknown test_cfg key {unknown[0]!r}.{hint} '
                f'Known: {", ".join(self.TEST_CFG_KEYS)}.'
            )
        if 'average_clips' in cfg and cfg['average_clips'] not in AVERAGE_CLIPS_CHOICES:
            raise ValueError(
                f'test_cfg["average_clips"]={cfg["average_clips"]!r} is not supported; '
                f'choose one of {list(AVERAGE_CLIPS_CHOICES)}'
            )
        self.max_testing_views = cfg.get('max_testing_views')
        if self.max_testing_views is not None and (
            not isinstance(self.max_testing_views, int) or self.max_testing_views < 1
        ):
            raise ValueError(
                'test_cfg["max_testing_views"] must be a positive int, '
                f'got {self.max_testing_views!r}'
            )
        self.feature_extraction = bool(cfg.get('feature_extraction', False))

    def _with_head_average_clips(self, test_cfg: Optional[dict]) -> Optional[dict]:
        """``test_cfg`` with the head's ``average_clips`` (1.x puts it on the head)."""
        head_value = getattr(self.cls_head, 'average_clips', AVERAGE_CLIPS_UNSET)
        if head_value is AVERAGE_CLIPS_UNSET:
            return test_cfg
        test_cfg = dict(test_cfg or {})
        if 'average_clips' in test_cfg and test_cfg['average_clips'] != head_value:
            raise ConfigError(
                f'{type(self).__name__}: cls_head.average_clips={head_value!r} (1.x) and '
                f'test_cfg.average_clips={test_cfg["average_clips"]!r} (0.x) differ; set it '
                'in one place'
            )
        test_cfg['average_clips'] = head_value
        return test_cfg

    @property
    def with_neck(self) -> bool:
        """bool: Whether the recognizer has a neck."""
        return self.neck is not None

    @property
    def with_cls_head(self) -> bool:
        """bool: Whether the recognizer has a classification head."""
        return self.cls_head is not None

    def init_weights(self) -> None:
        """Initialize backbone, neck and head (pretrained backbones load here)."""
        for part in (self.backbone, self.neck, self.cls_head):
            if part is not None and hasattr(part, 'init_weights'):
                part.init_weights()
        if self.init_cfg:
            initialize(self, self.init_cfg)
        self._is_init = True

    def extract_feat(self, imgs: torch.Tensor) -> Features:
        """Run the backbone on a batch of clips (3D) or frames (2D)."""
        return self.backbone(imgs)

    def average_clip(self, cls_score: torch.Tensor, num_segs: int = 1) -> torch.Tensor:
        """Combine the scores of the views of each video.

        Args:
            cls_score (torch.Tensor): Scores ``(N * num_segs, ...)``, views of
                a video adjacent.
            num_segs (int): Views per video.

        Returns:
            torch.Tensor: ``(N, num_classes)`` for ``average_clips`` ``'prob'``
            (mean of softmax) and ``'score'`` (mean of raw scores);
            ``(N, num_segs, num_classes)`` when it is None.
        """
        if self.test_cfg is None or 'average_clips' not in self.test_cfg:
            raise KeyError(
                'test_cfg must define "average_clips" (one of '
                f'{list(AVERAGE_CLIPS_CHOICES)}) to predict; got test_cfg={self.test_cfg}'
            )
        average_clips = self.test_cfg['average_clips']
        if cls_score.shape[0] % num_segs != 0:
            raise ValueError(
                f'Cannot split {cls_score.shape[0]} scores into groups of {num_segs} views'
            )
        cls_score = cls_score.reshape(cls_score.shape[0] // num_segs, num_segs, -1)
        if average_clips is None:
            return cls_score
        if average_clips == 'prob':
            cls_score = F.softmax(cls_score, dim=2)
        return cls_score.mean(dim=1)

    def run_chunked(
        self, fn: Callable[[torch.Tensor], Features], inputs: torch.Tensor, chunk: Optional[int]
    ) -> Features:
        """Apply ``fn`` to ``inputs`` in batches of at most ``chunk`` items.

        Only valid for computations that treat batch items independently
        (e.g. eval-mode batch-norm); outputs are concatenated along dim 0.
        """
        if chunk is None or inputs.shape[0] <= chunk:
            return fn(inputs)
        outs = [fn(inputs[start : start + chunk]) for start in range(0, inputs.shape[0], chunk)]
        return _cat_features(outs)

    def _require_head(self) -> None:
        if not self.with_cls_head:
            raise ValueError(
                f'{type(self).__name__} has no cls_head: set test_cfg["feature_extraction"]=True '
                'to get features, or give a cls_head'
            )

    @abstractmethod
    def forward_train(self, imgs: torch.Tensor, labels: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Compute the training losses (and accuracies) for one batch."""

    @abstractmethod
    def forward_test(self, imgs: torch.Tensor, average: bool = True) -> torch.Tensor:
        """Compute per-video scores (per-view when ``average`` is False) or features."""

    def forward(
        self,
        imgs: torch.Tensor,
        label: Optional[torch.Tensor] = None,
        mode: str = 'tensor',
        return_loss: Optional[bool] = None,
        **kwargs,
    ):
        """Run the model in one of mmengine's modes.

        Args:
            imgs (torch.Tensor): Preprocessed batch, ``(N, V, C, T, H, W)``
                for 3D models, ``(N, V*T, C, H, W)`` for 2D models.
            label (torch.Tensor, optional): Labels ``(N, 1)``, ``(N,)`` or
                multi-hot ``(N, num_classes)``; needed for ``'loss'``.
            mode (str): ``'loss'`` (dict of losses and accuracies),
                ``'predict'`` (per-video scores averaged over views, or pooled
                features with ``feature_extraction``) or ``'tensor'`` (head
                output per view, not averaged, or pooled features).
            return_loss (bool, optional): 0.x API. When given it overrides
                ``mode``: True gives the losses, False the per-video scores
                as a numpy array (0.x ``forward_test``).
            **kwargs: Other batch entries (e.g. metadata); ignored.

        Returns:
            dict | torch.Tensor | numpy.ndarray: Depends on the mode.
        """
        if return_loss is not None:
            if not return_loss:
                return self.forward_test(imgs).detach().cpu().numpy()
            mode = 'loss'
        if mode == 'loss':
            if label is None:
                raise ValueError('Recognizer: mode="loss" needs `label`')
            return self.forward_train(imgs, format_labels(label))
        if mode == 'predict':
            return self.forward_test(imgs)
        if mode == 'tensor':
            return self.forward_test(imgs, average=False)
        raise ValueError(f'Invalid forward mode {mode!r}; choose one of {list(FORWARD_MODES)}')

    def val_step(self, data: dict) -> List[dict]:
        """Predict one batch and split it into per-video results.

        Args:
            data (dict): Collated batch ``{'imgs': ..., 'label': ...}``.

        Returns:
            list[dict]: One dict per video: ``pred_score`` (float tensor on
            CPU, ``(num_classes,)`` with averaged views) and, when the batch
            has labels, ``gt_label`` (that video's label tensor, on CPU).
        """
        data = self.data_preprocessor(data, False)
        return per_video_results(self(imgs=data['imgs'], mode='predict'), data.get('label'))

    def test_step(self, data: dict) -> List[dict]:
        """Same as :meth:`val_step`."""
        return self.val_step(data)
