"""Pretrained loading: torchvision / MMAction2 checkpoints, TSM shift keys, 2D->3D inflation.

Every checkpoint is made here from a randomly initialised torchvision network,
so nothing is downloaded.
"""

import pytest
import torch
from torch import nn

from mmaction.models.backbones import ResNet, ResNet3d, ResNet3dSlowOnly, ResNetTSM
from mmaction.models.backbones.resnet_weights import load_resnet_weights

tv_resnet = pytest.importorskip('torchvision.models.resnet')


def _randomize_bn(model):
    # Non-trivial BN statistics, so a wrong BN mapping cannot go unnoticed.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.1)
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    return model.eval()


def _tv_net(block, layers, seed=0):
    torch.manual_seed(seed)
    return _randomize_bn(tv_resnet.ResNet(block, layers))


def _tv_features(net, x):
    x = net.maxpool(net.relu(net.bn1(net.conv1(x))))
    feats = []
    for layer in (net.layer1, net.layer2, net.layer3, net.layer4):
        x = layer(x)
        feats.append(x)
    return feats


def _save(obj, path):
    torch.save(obj, path)
    return str(path)


@pytest.fixture(scope='module')
def resnet18_ckpt(tmp_path_factory):
    net = _tv_net(tv_resnet.BasicBlock, [2, 2, 2, 2])
    path = _save(net.state_dict(), tmp_path_factory.mktemp('tv') / 'r18.pth')
    return net, path


def test_resnet2d_loads_torchvision_and_gives_its_features(resnet18_ckpt):
    net, path = resnet18_ckpt
    model = ResNet(18, pretrained=path, out_indices=(0, 1, 2, 3))
    model.init_weights()
    model.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        ours = model(x)
        theirs = _tv_features(net, x)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_unmatched_entries_are_reported(resnet18_ckpt):
    _, path = resnet18_ckpt
    model = ResNet(18, in_channels=4)
    unused, problems = load_resnet_weights(model, path, allow_inflate=False)
    assert {'fc.weight', 'fc.bias', 'conv1.weight'} <= set(unused)
    assert (
        len(problems) == 1
        and problems[0].startswith('conv1.conv')
        and 'conv1.weight' in problems[0]
    )


def test_missing_checkpoint_is_an_error(tmp_path):
    model = ResNet(18, pretrained=str(tmp_path / 'absent.pth'))
    with pytest.raises(FileNotFoundError, match='absent.pth'):
        model.init_weights()


@pytest.mark.parametrize('shift_place', ['blockres', 'block'])
def test_tsm_loads_torchvision_into_shifted_convs(resnet18_ckpt, shift_place):
    net, path = resnet18_ckpt
    model = ResNetTSM(
        18, pretrained=path, num_segments=4, shift_place=shift_place, temporal_pool=True
    )
    unused, problems = load_resnet_weights(model, path, allow_inflate=False)
    assert problems == [] and set(unused) == {'fc.weight', 'fc.bias'}
    tv_sd = net.state_dict()
    for key, value in model.state_dict().items():
        plain = key.replace('.net', '').replace('.conv.weight', '.weight')
        plain = plain.replace('downsample.weight', 'downsample.0.weight')
        plain = plain.replace('downsample.bn.', 'downsample.1.')
        for i in (1, 2):
            plain = plain.replace(f'conv{i}.bn.', f'bn{i}.')
        torch.testing.assert_close(value, tv_sd[plain], msg=key)


def test_tsm_init_weights_loads_mmaction_checkpoint_both_ways(tmp_path, resnet18_ckpt):
    _, tv_path = resnet18_ckpt
    plain = ResNet(18, pretrained=tv_path)
    plain.init_weights()
    plain_sd = plain.state_dict()
    wrapped = {'state_dict': {f'backbone.{k}': v for k, v in plain_sd.items()}}
    path = _save(wrapped, tmp_path / 'mm2d.pth')
    tsm = ResNetTSM(18, pretrained=path, torchvision_pretrain=False, num_segments=4)
    tsm.init_weights()
    for key, value in tsm.state_dict().items():
        torch.testing.assert_close(value, plain_sd[key.replace('.net', '')])

    path = _save(tsm.state_dict(), tmp_path / 'tsm.pth')
    back = ResNet(18, pretrained=path)
    back.init_weights()
    for key, value in back.state_dict().items():
        torch.testing.assert_close(value, plain_sd[key])


def _check_static_clip(model, net, num_frames, compare_stages):
    model.init_weights()
    model.eval()
    image = torch.randn(1, 3, 32, 32)
    clip = image.unsqueeze(2).expand(-1, -1, num_frames, -1, -1).contiguous()
    with torch.no_grad():
        feats3d = model(clip)
        feats2d = _tv_features(net, image)
    feats3d = feats3d if isinstance(feats3d, tuple) else (feats3d,)
    # Frames near the clip ends see the temporal zero padding; the centre
    # frame is out of its reach by construction of num_frames.
    centre = num_frames // 2
    for stage, feat in zip(compare_stages, feats3d):
        assert feat.shape[2] == num_frames
        torch.testing.assert_close(feat[:, :, centre], feats2d[stage], rtol=1e-4, atol=1e-5)


def test_inflated_basic_blocks_give_2d_features_on_static_clip(tmp_path):
    net = _tv_net(tv_resnet.BasicBlock, [1, 1, 1, 1], seed=1)
    path = _save(net.state_dict(), tmp_path / 'r18s.pth')
    model = ResNet3d(
        18,
        path,
        stage_blocks=(1, 1, 1, 1),
        conv1_kernel=(3, 7, 7),
        inflate=(1, 1, 1, 1),
        with_pool2=False,
        out_indices=(0, 1, 2, 3),
    )
    # 3-tap stem + 2 inflated convs per block: 9 frames of padding reach.
    _check_static_clip(model, net, num_frames=19, compare_stages=(0, 1, 2, 3))
    w2d = net.conv1.weight
    torch.testing.assert_close(
        model.conv1.conv.weight, w2d.unsqueeze(2).expand(-1, -1, 3, -1, -1) / 3
    )


@pytest.mark.parametrize('inflate_style', ['3x1x1', '3x3x3'])
def test_inflated_bottlenecks_give_2d_features_on_static_clip(tmp_path, inflate_style):
    net = _tv_net(tv_resnet.Bottleneck, [1, 1, 1, 1], seed=2)
    path = _save(net.state_dict(), tmp_path / 'r50s.pth')
    model = ResNet3d(
        50,
        path,
        stage_blocks=(1, 1, 1, 1),
        conv1_kernel=(5, 7, 7),
        inflate=(1, 0, 1, 1),
        inflate_style=inflate_style,
        with_pool2=False,
        out_indices=(1, 3),
    )
    # 5-tap stem (reach 2) + one 3-tap conv in 3 blocks (reach 3).
    _check_static_clip(model, net, num_frames=11, compare_stages=(1, 3))


def test_slowonly_inflates_torchvision_resnet50_layout(tmp_path):
    net = _tv_net(tv_resnet.Bottleneck, [1, 1, 1, 1], seed=3)
    path = _save({'state_dict': net.state_dict()}, tmp_path / 'r50.pth')
    model = ResNet3dSlowOnly(
        depth=50,
        pretrained=path,
        stage_blocks=(1, 1, 1, 1),
        conv1_kernel=(3, 7, 7),
        out_indices=(2, 3),
    )
    _check_static_clip(model, net, num_frames=9, compare_stages=(2, 3))


def test_inflation_from_mmaction_2d_checkpoint_and_3d_direct_load(tmp_path):
    net = _tv_net(tv_resnet.BasicBlock, [1, 1, 1, 1], seed=4)
    tv_path = _save(net.state_dict(), tmp_path / 'tv.pth')
    plain = ResNet(18, pretrained=tv_path)
    # a 2-block-per-stage 2D model saved in MMAction2 naming
    plain.init_weights()
    mm_path = _save(
        {'state_dict': {f'backbone.{k}': v for k, v in plain.state_dict().items()}},
        tmp_path / 'mm.pth',
    )
    from_tv = ResNet3d(18, tv_path, stage_blocks=(1, 1, 1, 1), inflate=1)
    from_tv.init_weights()
    from_mm = ResNet3d(18, mm_path, stage_blocks=(1, 1, 1, 1), inflate=1)
    from_mm.init_weights()
    mm_sd = from_mm.state_dict()
    for key, value in from_tv.state_dict().items():
        torch.testing.assert_close(value, mm_sd[key], msg=key)

    path3d = _save(from_tv.state_dict(), tmp_path / 'r3d.pth')
    direct = ResNet3d(18, path3d, pretrained2d=False, stage_blocks=(1, 1, 1, 1), inflate=1)
    direct.init_weights()
    direct_sd = direct.state_dict()
    for key, value in from_tv.state_dict().items():
        torch.testing.assert_close(value, direct_sd[key], msg=key)
