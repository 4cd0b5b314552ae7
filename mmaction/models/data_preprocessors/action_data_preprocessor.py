"""Batch preprocessing on the model's device: cast, channel flip and normalization."""

from typing import Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from mmaction.registry import MODELS
from mmaction.utils.errors import ConfigError

# Both batched layouts (N, V, C, T, H, W) and (N, V*T, C, H, W) put channels here.
CHANNEL_DIM = 2

#: MMAction2 1.x's ``format_shape`` values and the batch dimensions each
#: means here (frames of 2D models, clips of 3D models, or either).
FORMAT_DIMS = {'NCHW': (5,), 'NCTHW': (6,), 'MIX2d3d': (5, 6)}


@MODELS.register_module()
class ActionDataPreprocessor(BaseDataPreprocessor):
    """Moves a collated batch to the model's device and normalizes it.

    The batch is the dict made by ``default_collate`` from 0.x-style samples:
    ``{'imgs': Tensor, 'label': Tensor}``. ``imgs`` is either 3D-shaped
    ``(N, V, C, T, H, W)`` or 2D-shaped ``(N, V*T, C, H, W)``; in both the
    channel axis is dim 2. Inputs may be uint8 (raw pixels, normalized here)
    or already float (the pipeline ran ``Normalize``).

    It takes MMAction2 1.x's arguments too (``to_rgb``, ``to_float32``,
    ``blending=None``, ``format_shape``) with 1.x's arithmetic: the channel
    order reversed, then ``(imgs - mean) / std`` in float32. 1.x pads
    samples of different sizes to a common one before stacking; here the
    samples of a batch must have one size (every TPN pipeline crops to one).

    Args:
        mean (Sequence[float], optional): Per-channel mean subtracted from the
            images. Needs ``std`` too. Defaults to None (no normalization).
        std (Sequence[float], optional): Per-channel standard deviation the
            images are divided by. Defaults to None.
        to_bgr (bool): Whether to reverse the channel order (RGB <-> BGR)
            before normalizing, like 0.x ``Normalize(to_bgr=True)``.
            Defaults to False.
        non_blocking (bool): Whether host-to-device copies are non-blocking.
            Defaults to False.
        channels_last (bool): Whether to lay the images out channels-last in
            memory (the values do not change), so that after the recognizer
            folds views into the batch they are ``channels_last_3d`` clips or
            ``channels_last`` frames, the layout of channels-last
            convolutions. Defaults to False.
        to_rgb (bool): 1.x's name for the same channel reversal as
            ``to_bgr`` (giving both is an error). Defaults to False.
        to_float32 (bool): Without ``mean``/``std``, whether to cast the
            images to float32 (1.x); normalized images are always float32.
            Defaults to True.
        blending (dict, optional): 1.x's batch blending (MixUp, CutMix);
            not supported, only None is accepted. Defaults to None.
        format_shape (str, optional): 1.x's layout of the batch: ``'NCHW'``
            (frames, ``(N, V*T, C, H, W)``), ``'NCTHW'`` (clips, ``(N, V, C,
            T, H, W)``) or ``'MIX2d3d'`` (either). The channels are at dim 2
            in both, so it only checks the batch; None accepts either.
            Defaults to None.
    """

    def __init__(
        self,
        mean: Optional[Sequence[float]] = None,
        std: Optional[Sequence[float]] = None,
        to_bgr: bool = False,
        non_blocking: bool = False,
        channels_last: bool = False,
        to_rgb: bool = False,
        to_float32: bool = True,
        blending: Optional[dict] = None,
        format_shape: Optional[str] = None,
    ) -> None:
        super().__init__(non_blocking=non_blocking)
        if blending is not None:
            raise ConfigError(
                f'ActionDataPreprocessor: blending={blending!r} (batch MixUp/CutMix) is not '
                'supported; remove it from data_preprocessor'
            )
        if format_shape is not None and format_shape not in FORMAT_DIMS:
            raise ConfigError(
                f'ActionDataPreprocessor: format_shape={format_shape!r} is not supported; '
                f'use one of {list(FORMAT_DIMS)} (the FormatShape input_format of the pipeline)'
            )
        if to_bgr and to_rgb:
            raise ConfigError(
                'ActionDataPreprocessor: to_bgr=True and to_rgb=True both reverse the channel '
                'order (they would cancel out); set only one'
            )
        self.format_shape = format_shape
        self.to_float32 = to_float32
        self.channels_last = channels_last
        if (mean is None) != (std is None):
            raise ValueError(
                'ActionDataPreprocessor: `mean` and `std` must be given together, '
                f'got mean={mean!r}, std={std!r}'
            )
        # 1.x's to_rgb and 0.x's to_bgr both reverse the channels.
        self.to_bgr = to_bgr or to_rgb
        self._enable_normalize = mean is not None
        if mean is not None:
            if len(mean) != len(std):
                raise ValueError(
                    'ActionDataPreprocessor: `mean` and `std` must have the same length, '
                    f'got {len(mean)} and {len(std)}'
                )
            if any(s == 0 for s in std):
                raise ValueError(f'ActionDataPreprocessor: `std` has a zero entry: {std!r}')
            # Non-persistent: the statistics come from the config, and keeping them
            # out of the state dict keeps checkpoints interchangeable with MMAction2.
            self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32), False)
            self.register_buffer('std', torch.tensor(std, dtype=torch.float32), False)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Preprocess one collated batch.

        Args:
            data (dict): Batch with key ``imgs`` (a tensor, or a list of
                equally shaped per-sample tensors) and optionally ``label``.
                Other keys are moved to the device and passed through.
            training (bool): Whether the batch is for training. Unused; kept
                for mmengine's interface.

        Returns:
            dict: The batch on the model's device with float32 ``imgs``.
        """
        if not isinstance(data, dict) or 'imgs' not in data:
            keys = list(data) if isinstance(data, dict) else type(data).__name__
            raise TypeError(f'ActionDataPreprocessor expects a dict with key "imgs", got {keys}')
        data = dict(data)
        for key in ('imgs', 'label'):
            if isinstance(data.get(key), (list, tuple)):
                data[key] = torch.stack(list(data[key]))
        data = self.cast_data(data)
        data['imgs'] = self.preprocess_imgs(data['imgs'])
        return data

    def preprocess_imgs(self, imgs: torch.Tensor) -> torch.Tensor:
        """Cast to float32, optionally flip channel order, then normalize.

        Args:
            imgs (torch.Tensor): Batched images with channels at dim 2.

        Returns:
            torch.Tensor: float32 images of the same shape (channels-last in
            memory with ``channels_last``).
        """
        if not isinstance(imgs, torch.Tensor):
            raise TypeError(f'ActionDataPreprocessor: "imgs" must be a tensor, got {type(imgs)}')
        if imgs.dim() < 3:
            raise ValueError(
                'ActionDataPreprocessor: "imgs" must be batched with channels at dim 2 '
                f'((N, V, C, T, H, W) or (N, V*T, C, H, W)), got shape {tuple(imgs.shape)}'
            )
        if self.format_shape is not None and imgs.dim() not in FORMAT_DIMS[self.format_shape]:
            raise ValueError(
                f'ActionDataPreprocessor: format_shape={self.format_shape!r} expects '
                f'{" or ".join(f"{d}-d" for d in FORMAT_DIMS[self.format_shape])} batches, got '
                f'"imgs" of shape {tuple(imgs.shape)}; does it match the pipeline\'s FormatShape?'
            )
        if self.channels_last:
            # Reorder while the pixels may still be uint8 (4x less to move);
            # the cast and the arithmetic below keep the layout.
            imgs = imgs.movedim(CHANNEL_DIM, -1).contiguous().movedim(-1, CHANNEL_DIM)
        if self._enable_normalize or self.to_float32:
            imgs = imgs.to(torch.float32)
        if self.to_bgr:
            imgs = imgs.flip(CHANNEL_DIM)
        if self._enable_normalize:
            num_channels = imgs.shape[CHANNEL_DIM]
            if num_channels != self.mean.numel():
                raise ValueError(
                    f'ActionDataPreprocessor: "imgs" has {num_channels} channels at dim 2 '
                    f'(shape {tuple(imgs.shape)}) but mean/std have {self.mean.numel()} entries'
                )
            stat_shape = (num_channels,) + (1,) * (imgs.dim() - CHANNEL_DIM - 1)
            imgs = (imgs - self.mean.view(stat_shape)) / self.std.view(stat_shape)
        return imgs
