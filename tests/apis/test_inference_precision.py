"""The inference API runs in the config's precision, as tools/test.py does.

A config with ``precision='bf16'`` gives the scores of the fp32 model within
the stated bf16 tolerance (5e-2 of the scores, ``tests/engine/speed/test_plan.py``),
its forward pass sees bfloat16, and its scores are those of ``test_model``
(``tools/test.py``) with the same config. bfloat16 runs on this CPU whatever
its hardware (``bf16_supported`` patched), so the check runs everywhere.
"""

import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmaction.apis import inference_recognizer, init_recognizer
from mmaction.engine import TestOptions, test_model
from mmaction.engine.config.convert import model_cfg_for_testing
from mmaction.engine.model_builder import build_model
from mmaction.engine.speed import precision as precision_module
from mmaction.utils.synthetic_data import write_video

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'recognition', 'tpn', 'tpn_slowonly_r18_synthetic_rgb.py')
#: bf16 autocast against fp32 eager, on the scores (see the module docstring).
BF16_SCORE_ATOL = 5e-2


@pytest.fixture
def bf16_everywhere(monkeypatch):
    monkeypatch.setattr(precision_module, 'bf16_supported', lambda device_type: True)


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory, order_one_weights):
    """The synthetic config's model with weights whose scores are far from uniform."""
    model = order_one_weights(build_model(model_cfg_for_testing(Config.fromfile(CONFIG))))
    path = tmp_path_factory.mktemp('bf16') / 'tiny.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return str(path)


@pytest.fixture(scope='module')
def video(tmp_path_factory):
    """One 64x64 video of 16 frames, with the annotation list tools/test.py reads."""
    root = tmp_path_factory.mktemp('video')
    frames = np.random.default_rng(0).integers(0, 256, (16, 64, 64, 3), dtype=np.uint8)
    write_video(str(root / 'clip.mp4'), frames, 8)
    (root / 'list.txt').write_text('clip.mp4 3\n')
    return root


def _forward_dtypes(model):
    """The dtypes the first convolution sees, as the forward passes run."""
    seen = []
    conv = next(m for m in model.modules() if isinstance(m, torch.nn.Conv3d))
    conv.register_forward_hook(lambda module, args, output: seen.append(output.dtype))
    return seen


def test_bf16_config_runs_bf16_within_tolerance_of_fp32(bf16_everywhere, checkpoint, video):
    fp32 = init_recognizer(CONFIG, checkpoint, device='cpu')
    bf16 = init_recognizer(CONFIG, checkpoint, device='cpu', cfg_options={'precision': 'bf16'})
    dtypes = {name: _forward_dtypes(model) for name, model in (('fp32', fp32), ('bf16', bf16))}
    path = str(video / 'clip.mp4')
    reference = inference_recognizer(fp32, path)
    result = inference_recognizer(bf16, path)
    assert dtypes == {'fp32': [torch.float32], 'bf16': [torch.bfloat16]}
    assert result.scores.dtype == np.float32
    np.testing.assert_allclose(result.scores, reference.scores, rtol=0, atol=BF16_SCORE_ATOL)
    assert not np.array_equal(result.scores, reference.scores)  # bf16 did run
    assert reference.scores.max() > 1.5 / len(reference.scores)  # not near uniform


def test_bf16_scores_are_those_of_the_test_tool(bf16_everywhere, checkpoint, video, tmp_path):
    out = tmp_path / 'scores.json'
    cfg = Config.fromfile(CONFIG)
    cfg.merge_from_dict(
        {
            'precision': 'bf16',
            'data.test.ann_file': str(video / 'list.txt'),
            'data.test.data_prefix': str(video),
        }
    )
    options = TestOptions(work_dir=str(tmp_path / 'work'), out=str(out))
    test_model(cfg, checkpoint, CONFIG, options)
    with open(out) as file:
        expected = np.array(json.load(file), dtype=np.float32)
    model = init_recognizer(cfg, checkpoint, device='cpu')
    seen = _forward_dtypes(model)
    result = inference_recognizer(model, str(video / 'clip.mp4'))
    assert seen == [torch.bfloat16]
    np.testing.assert_allclose(result.scores, expected[0], rtol=0, atol=1e-5)
