"""--fuse-conv-bn: folding BatchNorm into the preceding convolution."""

import os.path as osp

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule

from mmaction.engine import fuse_conv_bn


def _randomize_bn(model):
    g = torch.Generator().manual_seed(0)
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g))
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.randn(m.num_features, generator=g))
            m.bias.data.copy_(torch.randn(m.num_features, generator=g))


def test_fused_model_gives_same_output():
    model = nn.Sequential(
        nn.Conv3d(3, 8, 3, padding=1, bias=True),
        nn.BatchNorm3d(8),
        nn.ReLU(),
        ConvModule(8, 4, 1, conv_cfg=dict(type='Conv3d'), norm_cfg=dict(type='BN3d')),
    )
    _randomize_bn(model)
    model.eval()
    x = torch.randn(2, 3, 4, 8, 8)
    expected = model(x)
    fused = fuse_conv_bn(model)
    assert not any(isinstance(m, nn.BatchNorm3d) for m in fused.modules())
    torch.testing.assert_close(fused(x), expected, rtol=1e-4, atol=1e-5)


def test_bn_not_after_conv_is_kept():
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
    fuse_conv_bn(model)
    assert isinstance(model[1], nn.BatchNorm1d)


def test_fuse_small_tpn_model():
    from mmengine.config import Config

    import mmaction.models  # noqa: F401
    from mmaction.registry import MODELS

    root = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    cfg = Config.fromfile(
        osp.join(root, 'configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.py')
    )
    model = MODELS.build(cfg.model)
    _randomize_bn(model)
    model.eval()
    x = torch.randn(2, 1, 3, 8, 32, 32)
    with torch.no_grad():
        expected = model(x, mode='predict')
        fused = fuse_conv_bn(model)
        got = fused(x, mode='predict')
    torch.testing.assert_close(got, expected, rtol=1e-3, atol=1e-5)
