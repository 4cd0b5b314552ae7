"""get_flops.py and benchmark.py on tiny TPN configs, and the --shape argument of get_flops.py."""

from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from tool_loader import load_tool
from torch import nn

from mmaction.analysis.model_analysis import count_flops, flops_input_from_shape_arg
from mmaction.engine.config.convert import model_cfg_for_testing
from mmaction.engine.model_builder import build_model

ROOT = Path(__file__).resolve().parents[2]

CONFIG_3D = """
model = {model!r}
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

CONFIG_2D = """
model = {model!r}
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
def config_3d(tmp_path, slowonly_tpn_cfg):
    model = slowonly_tpn_cfg(dict(average_clips='prob'))
    # A pretrained name the tools must not download.
    model['backbone']['pretrained'] = 'torchvision://resnet18'
    path = tmp_path / 'tiny_tpn_3d.py'
    path.write_text(CONFIG_3D.format(model=model))
    return str(path)


@pytest.fixture
def config_2d(tmp_path, tsm_tpn_cfg):
    path = tmp_path / 'tiny_tpn_2d.py'
    path.write_text(CONFIG_2D.format(model=tsm_tpn_cfg(dict(average_clips='prob', fcn_test=True))))
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


def test_get_flops_3d_matches_independent_count(config_3d, capsys):
    result = _load_tool('get_flops').main([config_3d, '--shape', '2', '3', '4', '32', '32'])
    out = capsys.readouterr().out
    assert result['input_shape'] == (1, 2, 3, 4, 32, 32)
    assert 'GFLOPs' in out and 'GMACs' in out and 'Params' in out

    cfg = Config.fromfile(config_3d)
    model = build_model(model_cfg_for_testing(cfg))
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
    model = build_model(model_cfg_for_testing(Config.fromfile(config_2d)))
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
    model = build_model(model_cfg_for_testing(Config.fromfile(config_2d)))
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
    model = build_model(model_cfg_for_testing(Config.fromfile(config_2d)))
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
