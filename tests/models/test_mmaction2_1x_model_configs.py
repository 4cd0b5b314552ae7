"""MMAction2 1.2.0's TPN model configs build here into the 0.x twins' exact state dicts."""

import json
from pathlib import Path

import pytest
from mmengine import Config

from mmaction.models import Recognizer2D, Recognizer3D
from mmaction.registry import MODELS

ROOT = Path(__file__).resolve().parents[2]
# (state-dict manifest recorded from MMAction2, 1.x model config, its 0.x twin, recognizer)
CASES = {
    'tpn_slowonly_r50_k400': ('tpn_slowonly_r50.py', Recognizer3D),
    'tpn_tsm_r50_sthv1': ('tpn_tsm_r50.py', Recognizer2D),
}


def _build(config_dir: Path, config_file: str):
    model_cfg = Config.fromfile(str(config_dir / config_file)).model.to_dict()
    model_cfg['backbone']['pretrained'] = None  # no download: only the layout matters
    return model_cfg, MODELS.build(model_cfg)


@pytest.mark.parametrize('name', sorted(CASES))
def test_1x_model_config_has_the_0x_state_dict(name):
    config_file, cls = CASES[name]
    cfg_1x, model_1x = _build(ROOT / 'configs' / '1.x' / '_base_' / 'models', config_file)
    _, model_0x = _build(ROOT / 'configs' / '_base_' / 'models', config_file)
    # The 1.x forms are really there: the data preprocessor, average_clips on the head.
    assert cfg_1x['cls_head']['average_clips'] == 'prob'
    assert cfg_1x['data_preprocessor']['type'] == 'ActionDataPreprocessor'
    assert type(model_1x) is cls
    assert model_1x.test_cfg == dict(fcn_test=True, average_clips='prob')
    assert model_1x.data_preprocessor.mean.tolist() == pytest.approx([123.675, 116.28, 103.53])

    manifest = json.loads((ROOT / 'tests' / 'data' / 'reference' / f'{name}.keys.json').read_text())
    expected = [(key, list(shape)) for key, shape in manifest]
    for model in (model_1x, model_0x):
        keys = [(key, list(value.shape)) for key, value in model.state_dict().items()]
        assert keys == expected
