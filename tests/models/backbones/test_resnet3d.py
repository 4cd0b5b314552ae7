"""ResNet3d and ResNet3dSlowOnly: shapes, kernels, freezing, init, keys."""

import json
from pathlib import Path

import pytest
import torch
from torch import nn

from mmaction.models.backbones import ResNet3d, ResNet3dSlowOnly

REFERENCE = Path(__file__).parents[2] / 'data' / 'reference'


def test_resnet3d_r18_shapes_with_pool2():
    model = ResNet3d(18, None, base_channels=8, out_indices=(0, 1, 2, 3)).eval()
    with torch.no_grad():
        feats = model(torch.randn(1, 3, 8, 32, 32))
    # pool2 halves time right after stage 1, before its output is taken.
    assert [tuple(f.shape) for f in feats] == [
        (1, 8, 4, 8, 8),
        (1, 16, 4, 4, 4),
        (1, 32, 4, 2, 2),
        (1, 64, 4, 1, 1),
    ]
    assert model.feat_dim == 64


def test_resnet3d_single_output_is_tensor_and_strides():
    model = ResNet3d(
        18,
        None,
        base_channels=8,
        conv1_stride_t=2,
        pool1_stride_t=2,
        with_pool2=False,
        temporal_strides=(1, 2, 1, 1),
        spatial_strides=(1, 2, 2, 1),
    ).eval()
    with torch.no_grad():
        out = model(torch.randn(2, 3, 16, 32, 32))
    assert isinstance(out, torch.Tensor)
    assert out.shape == (2, 64, 2, 2, 2)
    assert model.layer2[0].downsample.conv.stride == (2, 2, 2)


@pytest.mark.parametrize(
    'inflate_style,conv1_kernel,conv2_kernel',
    [('3x1x1', (3, 1, 1), (1, 3, 3)), ('3x3x3', (1, 1, 1), (3, 3, 3))],
)
def test_bottleneck3d_inflate_styles(inflate_style, conv1_kernel, conv2_kernel):
    model = ResNet3d(
        50,
        None,
        base_channels=8,
        inflate=(1, 0, 1, 0),
        inflate_style=inflate_style,
        out_indices=(2, 3),
    ).eval()
    assert model.layer1[0].conv1.conv.kernel_size == conv1_kernel
    assert model.layer1[0].conv2.conv.kernel_size == conv2_kernel
    assert model.layer2[0].conv1.conv.kernel_size == (1, 1, 1)
    assert model.layer2[0].conv2.conv.kernel_size == (1, 3, 3)
    assert model.layer1[0].downsample.conv.kernel_size == (1, 1, 1)
    with torch.no_grad():
        c4, c5 = model(torch.randn(1, 3, 4, 32, 32))
    assert c4.shape == (1, 128, 2, 2, 2)
    assert c5.shape == (1, 256, 2, 1, 1)


def test_per_block_inflate_and_basic_block_inflation():
    model = ResNet3d(18, None, base_channels=8, inflate=((1, 0), 0, (0, 1), 1))
    assert model.layer1[0].conv1.conv.kernel_size == (3, 3, 3)
    assert model.layer1[1].conv1.conv.kernel_size == (1, 3, 3)
    assert model.layer2[0].conv2.conv.kernel_size == (1, 3, 3)
    assert model.layer3[1].conv2.conv.kernel_size == (3, 3, 3)
    with pytest.raises(ValueError, match='one entry per block'):
        ResNet3d(18, None, base_channels=8, inflate=((1, 0, 1), 0, 0, 0))


def test_resnet3d_stage_blocks_and_dilation():
    model = ResNet3d(50, None, base_channels=8, stage_blocks=(1, 2, 1, 1), dilations=(1, 1, 2, 2))
    assert [len(getattr(model, f'layer{i}')) for i in range(1, 5)] == [1, 2, 1, 1]
    assert model.layer3[0].conv2.conv.dilation == (1, 2, 2)


def test_resnet3d_frozen_stages_and_norm_eval():
    model = ResNet3d(18, None, base_channels=8, frozen_stages=2)
    model.train()
    for module in (model.conv1, model.layer1, model.layer2):
        assert not module.training
        assert all(not p.requires_grad for p in module.parameters())
    assert model.layer3.training
    assert all(p.requires_grad for p in model.layer3.parameters())

    model = ResNet3d(18, None, base_channels=8, norm_eval=True)
    model.train()
    assert all(not m.training for m in model.modules() if isinstance(m, nn.BatchNorm3d))
    assert model.layer1[0].conv1.conv.training


@pytest.mark.parametrize('depth', [18, 50])
def test_resnet3d_with_cp_gives_same_gradients(depth):
    torch.manual_seed(0)
    kwargs = dict(base_channels=8, out_indices=(2, 3), zero_init_residual=False)
    ref = ResNet3d(depth, None, **kwargs)
    ref.init_weights()
    ckp = ResNet3d(depth, None, with_cp=True, **kwargs)
    ckp.load_state_dict(ref.state_dict())
    x = torch.randn(2, 3, 2, 16, 16)
    grads, calls = [], []
    for model in (ref, ckp):
        model.train()
        count = []
        model.layer3[0].conv1.register_forward_hook(lambda *args, count=count: count.append(1))
        loss = sum(f.square().mean() for f in model(x))
        loss.backward()
        grads.append({n: p.grad.clone() for n, p in model.named_parameters()})
        calls.append(len(count))
    # The checkpointed block runs again during backward.
    assert calls == [1, 2]
    for name in grads[0]:
        torch.testing.assert_close(grads[0][name], grads[1][name], rtol=1e-4, atol=1e-6)


def test_zero_init_residual():
    model = ResNet3d(50, None, base_channels=8)
    model.init_weights()
    for layer in (model.layer1, model.layer4):
        for block in layer:
            assert torch.all(block.conv3.bn.weight == 0)
            assert torch.all(block.conv1.bn.weight == 1)
    assert torch.all(model.layer1[0].downsample.bn.weight == 1)

    model = ResNet3d(18, None, base_channels=8)
    model.init_weights()
    assert all(torch.all(b.conv2.bn.weight == 0) for b in model.layer2)

    model = ResNet3d(18, None, base_channels=8, zero_init_residual=False)
    model.init_weights()
    assert all(torch.all(b.conv2.bn.weight == 1) for b in model.layer2)


def test_slowonly_defaults_and_shapes():
    model = ResNet3dSlowOnly(depth=50, pretrained=None, base_channels=8, out_indices=(2, 3))
    assert model.conv1.conv.kernel_size == (1, 7, 7)
    assert not model.with_pool2
    assert model.layer2[0].conv1.conv.kernel_size == (1, 1, 1)
    assert model.layer3[0].conv1.conv.kernel_size == (3, 1, 1)
    model.eval()
    with torch.no_grad():
        c4, c5 = model(torch.randn(1, 3, 8, 32, 32))
    assert c4.shape == (1, 128, 8, 2, 2)
    assert c5.shape == (1, 256, 8, 1, 1)


def test_slowonly_r50_keys_match_manifest():
    manifest = json.loads((REFERENCE / 'tpn_slowonly_r50_k400.keys.json').read_text())
    expected = {
        key[len('backbone.') :]: tuple(shape)
        for key, shape in manifest
        if key.startswith('backbone.')
    }
    model = ResNet3dSlowOnly(
        depth=50,
        pretrained=None,
        lateral=False,
        out_indices=(2, 3),
        conv1_kernel=(1, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        inflate=(0, 0, 1, 1),
        norm_eval=False,
    )
    got = {key: tuple(t.shape) for key, t in model.state_dict().items()}
    assert got == expected
    model.eval()
    with torch.no_grad():
        c4, c5 = model(torch.randn(1, 3, 2, 32, 32))
    assert c4.shape == (1, 1024, 2, 2, 2) and c5.shape == (1, 2048, 2, 1, 1)


def test_resnet3d_bad_arguments():
    with pytest.raises(ValueError, match='lateral'):
        ResNet3dSlowOnly(depth=50, pretrained=None, lateral=True)
    with pytest.raises(ValueError, match='non-local'):
        ResNet3d(50, None, non_local=(0, 1, 0, 0))
    with pytest.raises(KeyError, match='depth 26'):
        ResNet3d(26, None)
    with pytest.raises(ValueError, match='inflate_style'):
        ResNet3d(50, None, inflate_style='2x2x2')
    with pytest.raises(ValueError, match='temporal_strides'):
        ResNet3d(50, None, temporal_strides=(1, 1))
    with pytest.raises(TypeError, match='pretrained'):
        ResNet3d(50, pretrained=dict(type='Pretrained'))
