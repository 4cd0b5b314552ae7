"""ResNet with the Temporal Shift Module (TSM), MMAction2 0.x layout."""

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from mmaction.registry import MODELS

from .resnet import ResNet
from .resnet_common import flatten


def temporal_shift(x: torch.Tensor, num_segments: int, shift_div: int = 3) -> torch.Tensor:
    """Shift a fraction of the channels by one segment along time.

    ``x`` stacks ``num_segments`` frames per clip: ``(N * num_segments, C, H, W)``.
    With ``fold = C // shift_div``, channels ``[0, fold)`` of frame ``t`` take
    the values of frame ``t + 1`` (zeros for the last frame), channels
    ``[fold, 2 * fold)`` take those of frame ``t - 1`` (zeros for the first
    frame), and the remaining channels are unchanged: the MMAction2 0.x shift.

    Args:
        x (torch.Tensor): Features ``(N * num_segments, C, H, W)``.
        num_segments (int): Frames per clip.
        shift_div (int): Inverse of the fraction of channels shifted each way.

    Returns:
        torch.Tensor: Shifted features, same shape as ``x``.
    """
    n, c, h, w = x.shape
    if n % num_segments:
        raise ValueError(
            f'temporal shift: batch dimension {n} is not a multiple of num_segments={num_segments}'
        )
    clips = x.view(n // num_segments, num_segments, c, h * w)
    fold = c // shift_div
    # Slices, zero padding along time and one concatenation rather than writes
    # into a zero tensor: the same numbers, and an ONNX export of Slice/Pad/Concat
    # nodes instead of dozens of ScatterND.
    from_next = F.pad(clips[:, 1:, :fold], (0, 0, 0, 0, 0, 1))
    from_prev = F.pad(clips[:, :-1, fold : 2 * fold], (0, 0, 0, 0, 1, 0))
    out = torch.cat((from_next, from_prev, clips[:, :, 2 * fold :]), dim=2)
    return out.view(n, c, h, w)


class TemporalShift(nn.Module):
    """Apply :func:`temporal_shift` to the input, then ``net``.

    Args:
        net (nn.Module): The wrapped module (a conv or a whole block).
        num_segments (int): Frames per clip. Default: 3.
        shift_div (int): Inverse of the fraction of channels shifted each way.
            Default: 8.
    """

    def __init__(self, net: nn.Module, num_segments: int = 3, shift_div: int = 8):
        super().__init__()
        self.net = net
        self.num_segments = num_segments
        self.shift_div = shift_div

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Shift ``x`` along time, then run the wrapped module."""
        return self.net(temporal_shift(x, self.num_segments, self.shift_div))


class TemporalPool(nn.Module):
    """Halve the number of segments (max over 3 frames, stride 2), then run ``net``.

    Args:
        net (nn.Module): The wrapped stage.
        num_segments (int): Frames per clip at the input.
    """

    def __init__(self, net: nn.Module, num_segments: int):
        super().__init__()
        self.net = net
        self.num_segments = num_segments
        self.max_pool3d = nn.MaxPool3d(kernel_size=(3, 1, 1), stride=(2, 1, 1), padding=(1, 0, 0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pool ``(N * T, C, H, W)`` to ``(N * T', C, H, W)`` along time, then run ``net``."""
        n, c, h, w = x.shape
        clips = x.view(n // self.num_segments, self.num_segments, c, h, w).transpose(1, 2)
        pooled = self.max_pool3d(clips).transpose(1, 2).contiguous()
        return self.net(pooled.view(-1, c, h, w))


@MODELS.register_module()
class ResNetTSM(ResNet):
    """ResNet backbone for TSM: temporal shifts inside the residual stages.

    The shift modules are inserted at construction, so the state-dict keys are
    those of a trained MMAction2 TSM model (``layer1.0.conv1.conv.net.weight``
    for ``shift_place='blockres'``); :meth:`init_weights` still loads plain
    torchvision or MMAction2 ResNet checkpoints into them.

    Args:
        depth (int): ResNet depth.
        num_segments (int): Frames per clip; the input is ``(N * num_segments, C, H, W)``.
            Default: 8.
        is_shift (bool): Insert the temporal shifts. Default: True.
        non_local (Sequence[int]): Must be all zeros: non-local blocks are not
            implemented. Default: ``(0, 0, 0, 0)``.
        non_local_cfg (dict): Must be empty (see ``non_local``).
        shift_div (int): Shift ``1 / shift_div`` of the channels each way. Default: 8.
        shift_place (str): ``'blockres'`` shifts before the first conv of
            each block (inside the residual branch); ``'block'`` shifts the
            input of each whole block. Default: ``'blockres'``.
        temporal_pool (bool): Halve the segments before stage 2. Default: False.
        **kwargs: Arguments of :class:`ResNet`.
    """

    def __init__(
        self,
        depth: int,
        num_segments: int = 8,
        is_shift: bool = True,
        non_local: Sequence = (0, 0, 0, 0),
        non_local_cfg: dict = dict(),  # noqa: B006
        shift_div: int = 8,
        shift_place: str = 'blockres',
        temporal_pool: bool = False,
        **kwargs,
    ):
        super().__init__(depth, **kwargs)
        if any(flatten(non_local)) or non_local_cfg:
            raise ValueError(
                f'ResNetTSM: non-local blocks are not supported (non_local={non_local}, '
                f'non_local_cfg={non_local_cfg})'
            )
        if shift_place not in ('block', 'blockres'):
            raise ValueError(f"shift_place must be 'block' or 'blockres', got {shift_place!r}")
        self.num_segments = num_segments
        self.is_shift = is_shift
        self.shift_div = shift_div
        self.shift_place = shift_place
        self.temporal_pool = temporal_pool
        self.non_local = non_local
        self.non_local_cfg = non_local_cfg
        if is_shift:
            self.make_temporal_shift()
        if temporal_pool:
            self.make_temporal_pool()

    def _segments_per_stage(self) -> list:
        if self.temporal_pool:
            segments = [self.num_segments] + [self.num_segments // 2] * 3
        else:
            segments = [self.num_segments] * 4
        if segments[-1] <= 0:
            raise ValueError(f'num_segments={self.num_segments} is too small for temporal_pool')
        return segments

    def make_temporal_shift(self) -> None:
        """Wrap the blocks (or their first convs) of every stage in :class:`TemporalShift`."""
        segments = self._segments_per_stage()
        # The deep variants shift every other block only, as in 0.x.
        every = 2 if len(self.stage_blocks) > 2 and self.stage_blocks[2] >= 23 else 1
        for stage_idx, layer_name in enumerate(self.res_layers):
            stage = getattr(self, layer_name)
            blocks = list(stage.children())
            for i, block in enumerate(blocks):
                if self.shift_place == 'block':
                    blocks[i] = TemporalShift(block, segments[stage_idx], self.shift_div)
                elif i % every == 0:
                    block.conv1.conv = TemporalShift(
                        block.conv1.conv, segments[stage_idx], self.shift_div
                    )
            setattr(self, layer_name, nn.Sequential(*blocks))

    def make_temporal_pool(self) -> None:
        """Wrap stage 2 in :class:`TemporalPool`."""
        self._segments_per_stage()
        if self.num_stages < 2:
            raise ValueError('temporal_pool needs at least 2 stages (it wraps layer2)')
        self.layer2 = TemporalPool(self.layer2, self.num_segments)
