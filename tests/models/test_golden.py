"""Golden tests: the two seed TPN models against outputs recorded with MMAction2.

``tests/data/reference/`` holds, per model, the state-dict manifest
(``*.keys.json``) and outputs (``*.golden.pt``) of MMAction2 1.2.0 under
deterministic weights derived from the key names (crc32 rule below). A model
built from this project's config must have exactly those keys and shapes and
reproduce the test scores, training losses and batch-norm update.

Each model is built once per module and runs one forward per mode (full
ResNet-50 at 64 px on CPU). ``TPN_TEST_DEVICE=cuda`` runs the same checks on a
GPU (float32, TF32 off).
"""

import json
import math
import os
import zlib
from pathlib import Path

import pytest
import torch
import torch.nn as nn
from mmengine import Config

from mmaction.models import Recognizer2D, Recognizer3D
from mmaction.registry import MODELS

ROOT = Path(__file__).resolve().parents[2]
REF_DIR = ROOT / 'tests' / 'data' / 'reference'
CONFIG_DIR = ROOT / 'configs' / '_base_' / 'models'

# (reference name, config file, recognizer class, extra test_cfg)
CASES = {
    'tpn_slowonly_r50_k400': ('tpn_slowonly_r50.py', Recognizer3D, {}),
    'tpn_tsm_r50_sthv1': ('tpn_tsm_r50.py', Recognizer2D, {'fcn_test': True}),
}
RTOL = 1e-4
ATOL = 1e-5
DEVICE = torch.device(os.environ.get('TPN_TEST_DEVICE', 'cpu'))


def golden_value(key: str, tensor: torch.Tensor) -> torch.Tensor:
    """The reference README's weight for ``key``, seeded by the crc32 of the key."""
    if key.endswith('num_batches_tracked'):
        return tensor
    g = torch.Generator().manual_seed(zlib.crc32(key.encode('utf-8')))
    shape = tensor.shape
    if key.endswith('running_var'):
        return torch.rand(shape, generator=g) + 0.5
    if key.endswith('running_mean'):
        return torch.randn(shape, generator=g) * 0.1
    if tensor.dim() == 1 and key.endswith('weight'):
        return 1 + torch.randn(shape, generator=g) * 0.1
    if tensor.dim() == 1 and key.endswith('bias'):
        return torch.randn(shape, generator=g) * 0.1
    fan_in = math.prod(shape[1:])
    return torch.randn(shape, generator=g) * math.sqrt(1 / fan_in)


def build_model(name: str) -> nn.Module:
    config_file, cls, extra_test_cfg = CASES[name]
    cfg = Config.fromfile(str(CONFIG_DIR / config_file))
    model_cfg = cfg.model.to_dict()
    model_cfg['backbone']['pretrained'] = None
    model_cfg['test_cfg'] = dict(model_cfg.get('test_cfg') or {}, **extra_test_cfg)
    model = MODELS.build(model_cfg)
    assert type(model) is cls
    return model


def fill_golden_weights(model: nn.Module) -> None:
    state = {k: golden_value(k, v) for k, v in model.state_dict().items()}
    model.load_state_dict(state, strict=True)
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = 0.0


@pytest.fixture(scope='module', params=sorted(CASES))
def golden_case(request):
    """Model with golden weights, reference dict, and the outputs of one run per mode."""
    torch.manual_seed(0)
    if DEVICE.type == 'cuda':
        # TF32 would round the convolutions to 10-bit mantissas: far above 1e-4.
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    name = request.param
    ref = torch.load(REF_DIR / f'{name}.golden.pt', weights_only=True)
    model = build_model(name)
    keys = {k: list(v.shape) for k, v in model.state_dict().items()}
    fill_golden_weights(model)
    model.to(DEVICE)
    ref_in = {k: ref[k].to(DEVICE) for k in ('input_test', 'input_train', 'labels')}

    outputs = {}
    model.eval()
    with torch.no_grad():
        for mode in ('prob', 'score'):
            model.test_cfg['average_clips'] = mode
            outputs[f'scores_{mode}'] = model(ref_in['input_test'], mode='predict').cpu()
    model.train()
    with torch.no_grad():
        losses = model(ref_in['input_train'], ref_in['labels'], mode='loss')
    outputs['loss_cls'] = losses['loss_cls'].cpu()
    outputs['loss_aux'] = losses['loss_aux'].cpu()
    outputs['bn_running_mean_after_train'] = model.backbone.conv1.bn.running_mean.cpu().clone()
    return name, keys, ref, outputs


def test_state_dict_matches_manifest(golden_case):
    name, keys, _, _ = golden_case
    with open(REF_DIR / f'{name}.keys.json') as f:
        expected = {k: list(shape) for k, shape in json.load(f)}
    missing = sorted(set(expected) - set(keys))
    unexpected = sorted(set(keys) - set(expected))
    assert not missing and not unexpected, f'missing: {missing}\nunexpected: {unexpected}'
    wrong = {k: (keys[k], expected[k]) for k in expected if keys[k] != expected[k]}
    assert not wrong, f'shape mismatches (ours, reference): {wrong}'


@pytest.mark.parametrize(
    'entry', ['scores_prob', 'scores_score', 'loss_cls', 'loss_aux', 'bn_running_mean_after_train']
)
def test_outputs_match_reference(golden_case, entry):
    _, _, ref, outputs = golden_case
    torch.testing.assert_close(
        outputs[entry].reshape(ref[entry].shape), ref[entry], rtol=RTOL, atol=ATOL
    )


# bf16 autocast against the fp32 reference: scores within BF16_SCORE_TOL of the largest
# reference score, losses within BF16_LOSS_RTOL. Measured with CPU bfloat16 autocast: at
# most 1.1e-2 (SlowOnly) and 0.9e-2 (TSM) of the largest score, and 1.2e-2 (SlowOnly) and
# 2.3e-2 (TSM, loss_cls) on the losses.
BF16_SCORE_TOL = 3e-2
BF16_LOSS_RTOL = 5e-2
RUN_BF16 = DEVICE.type == 'cuda' or os.environ.get('TPN_GOLDEN_BF16') == '1'


@pytest.mark.skipif(not RUN_BF16, reason='on CUDA only (or TPN_GOLDEN_BF16=1): slow on CPUs')
@pytest.mark.parametrize('name', sorted(CASES))
def test_bf16_autocast_stays_near_reference(name):
    ref = torch.load(REF_DIR / f'{name}.golden.pt', weights_only=True)
    model = build_model(name)
    fill_golden_weights(model)
    model.to(DEVICE).eval()
    outputs = {}
    with torch.no_grad(), torch.autocast(DEVICE.type, dtype=torch.bfloat16):
        for mode in ('prob', 'score'):
            model.test_cfg['average_clips'] = mode
            outputs[f'scores_{mode}'] = model(ref['input_test'].to(DEVICE), mode='predict')
        model.train()
        losses = model(ref['input_train'].to(DEVICE), ref['labels'].to(DEVICE), mode='loss')
    for key in ('scores_prob', 'scores_score'):
        expected = ref[key]
        got = outputs[key].float().cpu().reshape(expected.shape)
        atol = BF16_SCORE_TOL * expected.abs().max().item()
        torch.testing.assert_close(
            got, expected, rtol=0, atol=atol, msg=lambda m, key=key: f'{key}: {m}'
        )
    for key in ('loss_cls', 'loss_aux'):
        got = losses[key].float().cpu()
        torch.testing.assert_close(
            got, ref[key], rtol=BF16_LOSS_RTOL, atol=0, msg=lambda m, key=key: f'{key}: {m}'
        )
