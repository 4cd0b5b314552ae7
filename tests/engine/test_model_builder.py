"""build_model: checkpoint strict or lenient, mode, speed plan, conv-BN fusion."""

import copy

import pytest
import torch

from mmaction.engine.model_builder import build_model
from mmaction.engine.speed.memory_format import is_channels_last
from mmaction.engine.speed.plan import SpeedPlan
from mmaction.utils.errors import CheckpointError


@pytest.fixture(scope='module')
def model_cfg(slowonly_tpn_cfg):
    return slowonly_tpn_cfg(dict(average_clips='prob'))


@pytest.fixture(scope='module')
def checkpoint(model_cfg, tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp('builder') / 'tiny.pth'
    torch.save({'state_dict': build_model(model_cfg).state_dict(), 'meta': {}}, path)
    return str(path)


def test_checkpoint_strict_or_lenient(model_cfg, checkpoint):
    model = build_model(model_cfg, checkpoint)
    saved = torch.load(checkpoint, weights_only=True)['state_dict']
    torch.testing.assert_close(model.state_dict(), saved)
    other = dict(model_cfg, cls_head=dict(model_cfg['cls_head'], num_classes=7))
    with pytest.raises(CheckpointError, match=r'cls_head\.fc_cls\.weight'):
        build_model(other, checkpoint, strict=True)
    lenient = build_model(other, checkpoint, strict=False)
    torch.testing.assert_close(
        lenient.backbone.conv1.conv.weight, saved['backbone.conv1.conv.weight']
    )


def test_mode_plan_and_fusion(model_cfg):
    before = copy.deepcopy(model_cfg)
    assert not build_model(model_cfg).training and build_model(model_cfg, training=True).training
    fast = build_model(model_cfg, speed=SpeedPlan(channels_last=True))
    assert is_channels_last(fast) and fast.data_preprocessor.channels_last
    assert model_cfg == before  # the caller's config is not changed
    fused = build_model(model_cfg, fuse_conv_bn=True)
    assert not any(isinstance(m, torch.nn.BatchNorm3d) for m in fused.backbone.modules())
    with pytest.raises(ValueError, match='not for training'):
        build_model(model_cfg, training=True, fuse_conv_bn=True)
