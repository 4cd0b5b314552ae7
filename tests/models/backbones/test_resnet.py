"""2D ResNet backbone: shapes, freezing, checkpointing, registry."""

import pytest
import torch
from torch import nn

from mmaction.models.backbones import ResNet
from mmaction.registry import MODELS


def test_resnet18_output_shapes_all_stages():
    model = ResNet(18, out_indices=(0, 1, 2, 3)).eval()
    with torch.no_grad():
        feats = model(torch.randn(2, 3, 64, 64))
    assert isinstance(feats, tuple)
    assert [tuple(f.shape) for f in feats] == [
        (2, 64, 16, 16),
        (2, 128, 8, 8),
        (2, 256, 4, 4),
        (2, 512, 2, 2),
    ]
    assert model.feat_dim == 512


def test_resnet_single_out_index_returns_tensor():
    model = ResNet(18).eval()
    with torch.no_grad():
        out = model(torch.randn(1, 3, 32, 32))
    assert isinstance(out, torch.Tensor)
    assert out.shape == (1, 512, 1, 1)


def test_resnet_strides_dilations_and_bottleneck():
    model = ResNet(
        50, num_stages=4, strides=(1, 2, 2, 1), dilations=(1, 1, 1, 2), out_indices=(2, 3)
    ).eval()
    with torch.no_grad():
        c4, c5 = model(torch.randn(1, 3, 32, 32))
    assert c4.shape == (1, 1024, 2, 2)
    assert c5.shape == (1, 2048, 2, 2)
    assert model.layer4[0].conv2.conv.dilation == (2, 2)
    assert model.layer1[0].downsample.conv.weight.shape == (256, 64, 1, 1)


def test_resnet_caffe_style_puts_stride_on_first_conv():
    model = ResNet(50, style='caffe')
    assert model.layer2[0].conv1.conv.stride == (2, 2)
    assert model.layer2[0].conv2.conv.stride == (1, 1)
    model = ResNet(50)
    assert model.layer2[0].conv1.conv.stride == (1, 1)
    assert model.layer2[0].conv2.conv.stride == (2, 2)


def test_resnet_key_names_follow_mmaction():
    keys = set(ResNet(18).state_dict())
    for key in (
        'conv1.conv.weight',
        'conv1.bn.running_var',
        'layer1.0.conv1.conv.weight',
        'layer1.1.conv2.bn.weight',
        'layer2.0.downsample.conv.weight',
        'layer2.0.downsample.bn.bias',
    ):
        assert key in keys


def test_resnet_frozen_stages_and_norm_eval():
    model = ResNet(18, frozen_stages=1, norm_eval=False)
    model.train()
    for p in list(model.conv1.parameters()) + list(model.layer1.parameters()):
        assert not p.requires_grad
    assert not model.conv1.bn.training and not model.layer1[0].conv1.bn.training
    assert all(p.requires_grad for p in model.layer2.parameters())
    assert model.layer2[0].conv1.bn.training

    model = ResNet(18, norm_eval=True)
    model.train()
    assert all(not m.training for m in model.modules() if isinstance(m, nn.BatchNorm2d))
    assert model.training


def test_resnet_partial_bn_keeps_only_first_bn_trainable():
    model = ResNet(18, partial_bn=True)
    model.train()
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert bns[0].training and bns[0].weight.requires_grad
    for bn in bns[1:]:
        assert not bn.training
        assert not bn.weight.requires_grad and not bn.bias.requires_grad


@pytest.mark.parametrize('depth', [18, 50])
def test_resnet_with_cp_gives_same_gradients(depth):
    torch.manual_seed(0)
    kwargs = dict(num_stages=2, strides=(1, 2), dilations=(1, 1), out_indices=(0, 1))
    ref = ResNet(depth, **kwargs)
    ref.init_weights()
    ckp = ResNet(depth, with_cp=True, **kwargs)
    ckp.load_state_dict(ref.state_dict())
    x = torch.randn(2, 3, 32, 32)
    grads, calls = [], []
    for model in (ref, ckp):
        model.train()
        count = []
        model.layer2[0].conv1.register_forward_hook(lambda *args, count=count: count.append(1))
        loss = sum(f.square().mean() for f in model(x))
        loss.backward()
        grads.append({n: p.grad.clone() for n, p in model.named_parameters()})
        calls.append(len(count))
    # The checkpointed block runs again during backward.
    assert calls == [1, 2]
    assert grads[0].keys() == grads[1].keys()
    for name in grads[0]:
        torch.testing.assert_close(grads[0][name], grads[1][name], rtol=1e-4, atol=1e-6)


def test_resnet_random_init_matches_0x():
    model = ResNet(18)
    model.init_weights()
    assert torch.all(model.conv1.bn.weight == 1) and torch.all(model.conv1.bn.bias == 0)
    # Kaiming normal, fan-out mode: std = sqrt(2 / (out_channels * k * k)).
    w = model.layer3[0].conv2.conv.weight
    expected = (2.0 / (256 * 9)) ** 0.5
    assert abs(w.std().item() - expected) / expected < 0.05


def test_resnet_bad_arguments():
    with pytest.raises(KeyError, match='depth 20'):
        ResNet(20)
    with pytest.raises(ValueError, match='out_indices'):
        ResNet(18, out_indices=(4,))
    with pytest.raises(ValueError, match='strides'):
        ResNet(18, num_stages=3, out_indices=(2,))
    with pytest.raises(ValueError, match='style'):
        ResNet(18, style='tf')
    with pytest.raises(TypeError, match='pretrained'):
        ResNet(18, pretrained=1)


def test_backbones_registered():
    for name in ('ResNet', 'ResNetTSM', 'ResNet3d', 'ResNet3dSlowOnly'):
        assert MODELS.get(name) is not None
    model = MODELS.build(dict(type='ResNet', depth=18))
    assert isinstance(model, ResNet)
