"""Tests of the TPN neck: shapes, auxiliary loss, flows, state-dict keys."""

import json
from pathlib import Path

import pytest
import torch
from mmengine import Config

from mmaction.models.necks import TPN
from mmaction.models.necks.tpn_parts import SpatialModulation
from mmaction.registry import MODELS

REFERENCE = Path(__file__).parents[2] / 'data' / 'reference'
CONFIGS = Path(__file__).parents[3] / 'configs' / '_base_' / 'models'

# Channels must be multiples of 32: TPN's grouped convs use 32 groups.
TINY_CFG = dict(
    in_channels=(32, 64),
    out_channels=32,
    spatial_modulation_cfg=dict(in_channels=(32, 64), out_channels=64),
    temporal_modulation_cfg=dict(downsample_scales=(4, 4)),
    upsample_cfg=dict(scale_factor=(1, 1, 1)),
    downsample_cfg=dict(downsample_scale=(1, 1, 1)),
    level_fusion_cfg=dict(
        in_channels=(32, 32),
        mid_channels=(32, 32),
        out_channels=64,
        downsample_scales=((1, 1, 1), (1, 1, 1)),
    ),
    aux_head_cfg=dict(out_channels=5, loss_weight=0.5),
)


def seed_model_cfg(config_name):
    """Neck and head config of the project's copy of a 0.x model config."""
    return Config.fromfile(str(CONFIGS / config_name)).model


def tiny_feats(batch=2, frames=8):
    torch.manual_seed(0)
    return [torch.randn(batch, 32, frames, 8, 8), torch.randn(batch, 64, frames, 4, 4)]


@pytest.mark.parametrize(
    'manifest, config_name',
    [
        ('tpn_slowonly_r50_k400.keys.json', 'tpn_slowonly_r50.py'),
        ('tpn_tsm_r50_sthv1.keys.json', 'tpn_tsm_r50.py'),
    ],
)
def test_seed_config_keys_match_mmaction2(manifest, config_name):
    entries = json.loads((REFERENCE / manifest).read_text())
    model_cfg = seed_model_cfg(config_name)
    neck = MODELS.build(model_cfg.neck)
    head = MODELS.build(model_cfg.cls_head)
    got = [('neck.' + k, list(v.shape)) for k, v in neck.state_dict().items()]
    got += [('cls_head.' + k, list(v.shape)) for k, v in head.state_dict().items()]
    expected = [(k, s) for k, s in entries if k.startswith(('neck.', 'cls_head.'))]
    assert got == expected


@pytest.mark.parametrize('flow_type', ['cascade', 'parallel'])
def test_forward_shapes_train_and_eval(flow_type):
    neck = TPN(**TINY_CFG, flow_type=flow_type)
    feats = tiny_feats()
    labels = torch.tensor([1, 3])
    neck.train()
    out, loss_aux = neck(feats, labels)
    # Spatial size of the top level, time pooled by 4, 2048 fused channels.
    assert out.shape == (2, 2048, 2, 4, 4)
    assert set(loss_aux) == {'loss_aux'}
    assert loss_aux['loss_aux'].dim() == 0 and loss_aux['loss_aux'] > 0
    loss_aux['loss_aux'].backward()
    assert neck.aux_head.fc.weight.grad is not None
    neck.eval()
    with torch.no_grad():
        out, loss_aux = neck(feats)
    assert out.shape == (2, 2048, 2, 4, 4)
    assert loss_aux == {}


def test_aux_loss_only_with_target_and_scaled_by_loss_weight():
    feats = tiny_feats()
    labels = torch.tensor([0, 4])
    neck_half = TPN(**TINY_CFG)
    cfg = dict(TINY_CFG, aux_head_cfg=dict(out_channels=5, loss_weight=1.0))
    neck_full = TPN(**cfg)
    neck_full.load_state_dict(neck_half.state_dict())
    for neck in (neck_half, neck_full):
        neck.aux_head.dropout.p = 0.0
    assert neck_half(feats)[1] == {}
    half = neck_half(feats, labels)[1]['loss_aux']
    full = neck_full(feats, labels)[1]['loss_aux']
    torch.testing.assert_close(half, 0.5 * full)
    # The unweighted value is the cross-entropy of the aux classifier.
    aux = neck_full.aux_head
    scores = aux.fc(aux.avg_pool(aux.conv(feats[0])).flatten(1))
    torch.testing.assert_close(full, torch.nn.functional.cross_entropy(scores, labels))


def test_no_aux_head_gives_empty_loss():
    neck = TPN(**dict(TINY_CFG, aux_head_cfg=None))
    assert neck.aux_head is None
    out, loss_aux = neck(tiny_feats(), torch.tensor([0, 1]))
    assert loss_aux == {}
    assert out.shape[1] == 2048


def test_single_sample_scalar_target():
    # Recognizers pass ``labels.squeeze()``, a 0-d tensor for a batch of one.
    neck = TPN(**TINY_CFG)
    _, loss_aux = neck(tiny_feats(batch=1), torch.tensor([[2]]).squeeze())
    assert loss_aux['loss_aux'].dim() == 0


def test_tsm_features_reshaped_to_5d():
    # Recognizer2D turns (N * T, C, H, W) maps into (N, C, T, H, W) for the neck.
    batch, segs = 2, 8
    flat = [torch.randn(batch * segs, 32, 8, 8), torch.randn(batch * segs, 64, 4, 4)]
    feats = [f.reshape((-1, segs) + f.shape[1:]).transpose(1, 2).contiguous() for f in flat]
    neck = TPN(**dict(TINY_CFG, temporal_modulation_cfg=dict(downsample_scales=(8, 8))))
    out, _ = neck(feats)
    assert out.shape == (batch, 2048, 1, 4, 4)


def test_cascade_and_parallel_differ_only_in_bottom_up():
    cascade = TPN(**TINY_CFG, flow_type='cascade').eval()
    parallel = TPN(**TINY_CFG, flow_type='parallel').eval()
    parallel.load_state_dict(cascade.state_dict())
    feats = tiny_feats()
    with torch.no_grad():
        assert not torch.allclose(cascade(feats)[0], parallel(feats)[0])
        # Without a top-down pass both flows see the same levels.
        cascade.upsample_ops = torch.nn.ModuleList()
        parallel.upsample_ops = torch.nn.ModuleList()
        torch.testing.assert_close(cascade(feats)[0], parallel(feats)[0])


def test_init_weights():
    neck = TPN(**TINY_CFG)
    bn = neck.pyramid_fusion.bn
    assert torch.equal(bn.weight, torch.ones_like(bn.weight))
    assert torch.equal(bn.bias, torch.zeros_like(bn.bias))
    fc = neck.aux_head.fc
    assert torch.equal(fc.bias, torch.zeros_like(fc.bias))
    assert 0.005 < fc.weight.std().item() < 0.015
    # Xavier-uniform bound for a 1x1x1 conv with fan_in 128 and fan_out 2048.
    bound = (6.0 / (128 + 2048)) ** 0.5
    weight = neck.pyramid_fusion.conv.weight
    assert weight.abs().max().item() <= bound
    assert weight.abs().max().item() > 0.9 * bound


def test_spatial_modulation_structure():
    sm = SpatialModulation(in_channels=(32, 64, 128), out_channels=128)
    assert [
        len(op) if isinstance(op, torch.nn.ModuleList) else 0 for op in sm.spatial_modulation
    ] == [2, 1, 0]
    outs = sm(
        [torch.randn(1, 32, 2, 16, 16), torch.randn(1, 64, 2, 8, 8), torch.randn(1, 128, 2, 4, 4)]
    )
    assert [tuple(o.shape) for o in outs] == [(1, 128, 2, 4, 4)] * 3


def test_bad_config_errors():
    with pytest.raises(ValueError, match='flow_type'):
        TPN(**TINY_CFG, flow_type='sideways')
    with pytest.raises(ValueError, match='level_fusion_cfg'):
        TPN(**dict(TINY_CFG, level_fusion_cfg=None))
    with pytest.raises(ValueError, match='downsample_scales'):
        TPN(**dict(TINY_CFG, temporal_modulation_cfg=dict(downsample_scales=(8,))))
    neck = TPN(**TINY_CFG)
    with pytest.raises(ValueError, match='expected 2 feature maps'):
        neck(tiny_feats()[:1])
