"""SlowOnly backbone: the slow pathway of SlowFast without lateral connections."""

from typing import Sequence

from mmaction.registry import MODELS

from .resnet3d import ResNet3d


@MODELS.register_module()
class ResNet3dSlowOnly(ResNet3d):
    """SlowOnly (MMAction2 0.x ``ResNet3dSlowOnly``).

    A :class:`ResNet3d` whose stem and first two stages are purely spatial
    and which has no ``pool2``: with ``lateral=False`` (the only supported
    value) MMAction2's SlowFast pathway builds exactly this network.

    Args:
        *args: Positional arguments of :class:`ResNet3d` (``depth``, ``pretrained``, ...).
        lateral (bool): Must be False; lateral connections belong to a
            two-pathway SlowFast backbone. Default: False.
        lateral_norm (bool): Unused without lateral connections. Default: False.
        speed_ratio (int): Unused without lateral connections. Default: 8.
        channel_ratio (int): Unused without lateral connections. Default: 8.
        fusion_kernel (int): Unused without lateral connections. Default: 5.
        conv1_kernel (Sequence[int]): Stem kernel. Default: ``(1, 7, 7)``.
        conv1_stride_t (int): Stem temporal stride. Default: 1.
        pool1_stride_t (int): Stem max-pool temporal stride. Default: 1.
        inflate (Sequence[int]): Per-stage inflation. Default: ``(0, 0, 1, 1)``.
        with_pool2 (bool): Default: False.
        **kwargs: Other arguments of :class:`ResNet3d`.
    """

    def __init__(
        self,
        *args,
        lateral: bool = False,
        lateral_norm: bool = False,
        speed_ratio: int = 8,
        channel_ratio: int = 8,
        fusion_kernel: int = 5,
        conv1_kernel: Sequence[int] = (1, 7, 7),
        conv1_stride_t: int = 1,
        pool1_stride_t: int = 1,
        inflate: Sequence[int] = (0, 0, 1, 1),
        with_pool2: bool = False,
        **kwargs,
    ):
        if lateral:
            raise ValueError(
                'ResNet3dSlowOnly: lateral=True is not supported; lateral connections '
                'belong to the two-pathway SlowFast backbone'
            )
        super().__init__(
            *args,
            conv1_kernel=conv1_kernel,
            conv1_stride_t=conv1_stride_t,
            pool1_stride_t=pool1_stride_t,
            inflate=inflate,
            with_pool2=with_pool2,
            **kwargs,
        )
        self.lateral = lateral
        self.lateral_norm = lateral_norm
        self.speed_ratio = speed_ratio
        self.channel_ratio = channel_ratio
        self.fusion_kernel = fusion_kernel
        self.lateral_connections = []
