"""The input of one video, read from the seed configs' pipelines and from small ones."""

from pathlib import Path

import pytest
from mmengine.config import Config

from mmaction.engine.input_spec import read_input_spec, read_test_input_spec
from mmaction.utils.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


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
    with pytest.raises(ConfigError, match='no test pipeline'):
        read_test_input_spec(dict(model=dict()))
