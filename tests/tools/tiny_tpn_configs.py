"""Model configs of scaled-down TPN recognizers (real ResNet backbones, TPN neck, TPNHead).

Shared by the recognizer and export tests; this folder is on ``sys.path``
for the whole suite (see ``tests/conftest.py``).
"""

NUM_CLASSES = 5


def tpn_neck(c3: int, c4: int, frames: int, num_classes: int = NUM_CLASSES) -> dict:
    """A TPN over two stages of ``c3`` and ``c4`` channels, clips of ``frames`` frames."""
    return dict(
        type='TPN',
        in_channels=(c3, c4),
        out_channels=c3,
        spatial_modulation_cfg=dict(in_channels=(c3, c4), out_channels=c4),
        temporal_modulation_cfg=dict(downsample_scales=(frames, frames)),
        upsample_cfg=dict(scale_factor=(1, 1, 1)),
        downsample_cfg=dict(downsample_scale=(1, 1, 1)),
        level_fusion_cfg=dict(
            in_channels=(c3, c3),
            mid_channels=(c3, c3),
            out_channels=c4,
            downsample_scales=((1, 1, 1), (1, 1, 1)),
        ),
        aux_head_cfg=dict(out_channels=num_classes, loss_weight=0.5),
    )


def tpn_head(in_channels: int = 2048, num_classes: int = NUM_CLASSES) -> dict:
    """TPNHead; TPN's pyramid fusion always outputs 2048 channels (0.x), whatever the widths."""
    return dict(
        type='TPNHead',
        num_classes=num_classes,
        in_channels=in_channels,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.5,
        init_std=0.01,
    )


def slowonly_tpn_cfg(test_cfg: dict) -> dict:
    """Recognizer3D: SlowOnly ResNet-18 with 8 base channels, clips of 4 frames."""
    return dict(
        type='Recognizer3D',
        backbone=dict(
            type='ResNet3dSlowOnly',
            depth=18,
            base_channels=8,
            pretrained=None,
            lateral=False,
            out_indices=(2, 3),
            conv1_kernel=(1, 7, 7),
            conv1_stride_t=1,
            pool1_stride_t=1,
            inflate=(0, 0, 1, 1),
        ),
        neck=tpn_neck(32, 64, 4),
        cls_head=tpn_head(),
        test_cfg=test_cfg,
    )
