"""get_flops.py and benchmark.py on tiny TPN configs, and their config helpers."""

from pathlib import Path

import pytest
import torch
from conftest import slowonly_tpn_cfg, tsm_tpn_cfg
from mmengine.config import Config
from tool_loader import load_tool
from torch import nn

from mmaction.analysis.model_analysis import (
    build_recognizer_from_config,
    count_flops,
    flops_input_from_shape_arg,
    read_input_spec,
    read_test_input_spec,
)

ROOT = Path(__file__).resolve().parents[2]

MODEL_3D = slowonly_tpn_cfg(dict(average_clips='prob'))
# A pretrained name the tools must not download.
MODEL_3D['backbone']['pretrained'] = 'torchvision://resnet18'

CONFIG_3D = f"""
model = {MODEL_3D!r}
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=4, frame_interval=2, num_clips=2, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 40)),
    dict(type='ThreeCrop', crop_size=32),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs']),
]
data = dict(videos_per_gpu=1, workers_per_gpu=0,
            test=dict(type='VideoDataset', ann_file='x.txt', data_prefix='', pipeline=test_pipeline))
"""

MODEL_2D = tsm_tpn_cfg(dict(average_clips='prob', fcn_test=True))

CONFIG_2D = f"""
model = {MODEL_2D!r}
test_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=4,
         twice_sample=True, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 36)),
    dict(type='CenterCrop', crop_size=32),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs']),
]
data = dict(test=dict(type='RawframeDataset', ann_file='x.txt', data_prefix='',
                      pipeline=test_pipeline))
"""


def _load_tool(name):
    return load_tool(f'tools/analysis/{name}.py', name=f'analysis_tool_{name}')


@pytest.fixture
def config_3d(tmp_path):
    path = tmp_path / 'tiny_tpn_3d.py'
    path.write_text(CONFIG_3D)
    return str(path)


@pytest.fixture
def config_2d(tmp_path):
    path = tmp_path / 'tiny_tpn_2d.py'
    path.write_text(CONFIG_2D)
    return str(path)


def _macs_by_hooks(model, imgs):
    """Independent count: multiply-accumulates of every conv and linear layer."""
    total = []

    def hook(module, inputs, output):
        if isinstance(module, nn.Linear):
            total.append(output.numel() * module.in_features)
        else:
            kernel = module.weight[0].numel()  # in_channels / groups * prod(kernel)
            total.append(output.numel() * kernel)

    handles = [
        m.register_forward_hook(hook)
        for m in model.modules()
        if isinstance(m, (nn.Conv2d, nn.Conv3d, nn.Linear))
    ]
    with torch.no_grad():
        model(imgs, mode='tensor')
    for handle in handles:
        handle.remove()
    return sum(total)


def test_test_input_spec_of_seed_configs():
    k400 = Config.fromfile(
        str(ROOT / 'configs/recognition/tpn/tpn_slowonly_r50_8x8x1_150e_kinetics_rgb.py')
    )
    spec = read_test_input_spec(k400)
    assert spec.num_views == 30  # 10 clips x ThreeCrop
    assert spec.batch_shape(1) == (1, 30, 3, 8, 256, 256)

    sthv1 = Config.fromfile(
        str(ROOT / 'configs/recognition/tpn/tpn_tsm_r50_1x1x8_150e_sthv1_rgb.py')
    )
    spec = read_test_input_spec(sthv1)
    assert spec.num_views == 6  # 8 segments sampled twice x ThreeCrop
    assert spec.batch_shape(1) == (1, 48, 3, 256, 256)


def test_training_input_of_seed_configs():
    k400 = Config.fromfile(
        str(ROOT / 'configs/recognition/tpn/tpn_slowonly_r50_8x8x1_150e_kinetics_rgb.py')
    )
    # RandomResizedCrop, then Resize to (224, 224): one 8-frame clip per video.
    assert read_input_spec(k400, 'train').batch_shape(32) == (32, 1, 3, 8, 224, 224)
    sthv1 = Config.fromfile(
        str(ROOT / 'configs/recognition/tpn/tpn_tsm_r50_1x1x8_150e_sthv1_rgb.py')
    )
    assert read_input_spec(sthv1, 'train').batch_shape(32) == (32, 8, 3, 224, 224)


def test_test_input_spec_fixed_resize_and_errors():
    cfg = dict(
        test_pipeline=[
            dict(type='SampleFrames', clip_len=8, num_clips=1, test_mode=True),
            dict(type='Resize', scale=(48, 40), keep_ratio=False),
            dict(type='FormatShape', input_format='NCTHW'),
        ]
    )
    assert read_test_input_spec(cfg).batch_shape(2) == (2, 1, 3, 8, 40, 48)
    cfg['test_pipeline'][1] = dict(type='Resize', scale=(-1, 40))
    with pytest.raises(ValueError, match='height and width'):
        read_test_input_spec(cfg)
    with pytest.raises(KeyError, match='pipeline'):
        read_test_input_spec(dict(model=dict()))


def test_get_flops_3d_matches_independent_count(config_3d, capsys):
    result = _load_tool('get_flops').main([config_3d, '--shape', '2', '3', '4', '32', '32'])
    out = capsys.readouterr().out
    assert result['input_shape'] == (1, 2, 3, 4, 32, 32)
    assert 'GFLOPs' in out and 'GMACs' in out and 'Params' in out

    cfg = Config.fromfile(config_3d)
    model = build_recognizer_from_config(cfg)
    assert model.backbone.pretrained is None  # never downloads weights
    imgs = torch.randn(1, 2, 3, 4, 32, 32)
    macs = _macs_by_hooks(model, imgs)
    assert result['flops'] == 2 * macs
    assert result['macs'] == macs
    assert result['params'] == sum(p.numel() for p in model.parameters())
    # Two views cost twice one view.
    one_view, _ = count_flops(model, torch.randn(1, 1, 3, 4, 32, 32))
    assert result['flops'] == 2 * one_view


def test_get_flops_defaults_and_2d(config_2d, config_3d, capsys):
    result = _load_tool('get_flops').main([config_2d, '--shape', '32'])
    assert result['input_shape'] == (1, 4, 3, 32, 32)  # num_segments frames
    model = build_recognizer_from_config(Config.fromfile(config_2d))
    # With fcn_test the head applies its fc weights as a functional 1x1x1
    # convolution (2048 -> 5 classes, once per clip), which module hooks miss.
    fcn_classifier = 2048 * 5
    macs = _macs_by_hooks(model, torch.randn(1, 4, 3, 32, 32))
    assert result['flops'] == 2 * (macs + fcn_classifier)

    # Without --shape: one view of the test pipeline (clip_len frames of the crop size).
    default = _load_tool('get_flops').main([config_3d])
    assert default['input_shape'] == (1, 1, 3, 4, 32, 32)
    default = _load_tool('get_flops').main([config_2d])
    assert default['input_shape'] == (1, 4, 3, 32, 32)


def test_flops_shape_argument_is_checked(config_2d):
    model = build_recognizer_from_config(Config.fromfile(config_2d))
    assert flops_input_from_shape_arg([8, 3, 32, 32], model) == (1, 8, 3, 32, 32)
    with pytest.raises(ValueError, match=r'\(V\*T, C, H, W\)'):
        flops_input_from_shape_arg([1, 3, 8, 32, 32], model)


def test_benchmark_uses_test_views(config_3d, config_2d, tmp_path, capsys):
    benchmark = _load_tool('benchmark')
    result = benchmark.main([config_3d, '--device', 'cpu', '--num-iters', '2', '--warmup', '1'])
    assert result['input_shape'] == (1, 6, 3, 4, 32, 32)  # 2 clips x ThreeCrop
    assert result['num_views'] == 6
    assert result['videos_per_s'] > 0
    assert 'video/s' in capsys.readouterr().out

    # 2D with twice_sample and a checkpoint of the same model.
    model = build_recognizer_from_config(Config.fromfile(config_2d))
    ckpt = tmp_path / 'tiny2d.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    result = benchmark.main(
        [
            config_2d,
            '--device',
            'cpu',
            '--num-iters',
            '1',
            '--warmup',
            '0',
            '--checkpoint',
            str(ckpt),
        ]
    )
    assert result['input_shape'] == (1, 8, 3, 32, 32)
    assert result['num_views'] == 2
