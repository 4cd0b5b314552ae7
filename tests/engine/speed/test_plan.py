"""Config keys precision / channels_last / compile: the plan, its hook-ups, and outputs per option.

Stated tolerances against fp32 eager, on the tiny TPN (logits of order 1):

======================  ==========================  ======================
option                  logits (max abs. diff.)     training loss (rel.)
======================  ==========================  ======================
channels_last           1e-5                        1e-5
torch.compile           1e-5                        1e-5
bf16 autocast           5e-2                        1e-2
fp16 autocast           1e-2                        1e-2
fused / foreach SGD     parameters after 2 steps: 1e-6
======================  ==========================  ======================
"""

import copy
import os.path as osp
from contextlib import nullcontext

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mmaction.engine import convert_test_config, convert_train_config
from mmaction.engine.config.contract import check_top_level_keys
from mmaction.engine.config.convert import model_cfg_for_testing, speed_plan_of
from mmaction.engine.model_builder import build_model
from mmaction.engine.options import TestOptions
from mmaction.engine.speed import precision as precision_module
from mmaction.engine.speed.memory_format import is_channels_last
from mmaction.engine.speed.model_compile import is_compiled
from mmaction.engine.speed.plan import SpeedPlan
from mmaction.engine.speed.precision import Precision
from mmaction.utils.errors import ConfigError

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIG = osp.join(ROOT, 'configs', 'recognition', 'tpn', 'tpn_slowonly_r18_synthetic_rgb.py')


@pytest.fixture
def bf16_everywhere(monkeypatch):
    monkeypatch.setattr(precision_module, 'bf16_supported', lambda device_type: True)


def _cfg(**keys) -> dict:
    cfg = Config.fromfile(CONFIG).to_dict()
    cfg.update(keys)
    return cfg


def test_plan_reads_the_keys(bf16_everywhere):
    plan = speed_plan_of(_cfg(precision='bf16', channels_last=True, compile=dict(mode='default')))
    assert plan.precision.name == 'bf16' and plan.channels_last
    assert plan.compile == dict(mode='default')
    assert plan.loop_cfg('val') == dict(type='ActionValLoop', dtype='bfloat16')
    assert plan.loop_cfg('test') == dict(type='ActionTestLoop', dtype='bfloat16')
    assert plan.notes[-1].startswith('Model execution: precision bf16 (autocast bfloat16)')
    plain = speed_plan_of(_cfg())
    assert plain.loop_cfg('val') == dict(type='ActionValLoop') and plain.compile is None
    assert not plain.channels_last
    assert speed_plan_of(_cfg(), channels_last=True).channels_last  # --channels-last
    with pytest.raises(ConfigError, match="channels_last='yes': use True or False"):
        speed_plan_of(_cfg(channels_last='yes'))


@pytest.mark.parametrize('dialect', ['0.x', '1.x'])
def test_keys_are_known_and_misspellings_are_caught(dialect):
    check_top_level_keys(dict(precision='bf16', channels_last=True, compile=True), dialect, None)
    with pytest.raises(ConfigError, match="Did you mean 'channels_last'"):
        check_top_level_keys(dict(channel_last=True), dialect, None)


def test_data_preprocessor_gets_the_layout():
    model = dict(type='Recognizer3D', data_preprocessor=dict(mean=[1, 2, 3], std=[1, 1, 1]))
    SpeedPlan(channels_last=True).update_model_cfg(model)
    assert model['data_preprocessor'] == dict(mean=[1, 2, 3], std=[1, 1, 1], channels_last=True)
    plain = dict(type='Recognizer3D')
    SpeedPlan().update_model_cfg(plain)
    assert plain == dict(type='Recognizer3D')
    custom = dict(data_preprocessor=dict(type='MyPreprocessor'))
    SpeedPlan(channels_last=True).update_model_cfg(custom)
    assert custom['data_preprocessor'] == dict(type='MyPreprocessor')


def test_converters_use_the_plan(bf16_everywhere):
    from mmaction.engine.options import TrainOptions

    cfg = _cfg(precision='bf16', channels_last=True)
    train = convert_train_config(cfg, CONFIG, TrainOptions(validate=True))
    assert train['optim_wrapper']['type'] == 'BFloat16OptimWrapper'
    assert train['val_cfg'] == dict(type='ActionValLoop', dtype='bfloat16')
    assert train['model']['data_preprocessor']['channels_last'] is True
    assert train['speed'].channels_last
    amp = convert_train_config(_cfg(), CONFIG, TrainOptions(amp='fp16'))
    assert amp['speed'].precision.name == ('fp16' if torch.cuda.is_available() else 'fp32')
    test = convert_test_config(
        _cfg(), CONFIG, TestOptions(metrics=['top_k_accuracy'], amp='bf16', channels_last=True)
    )
    assert test['test_cfg'] == dict(type='ActionTestLoop', dtype='bfloat16')
    assert test['speed'].channels_last


# --- outputs under each option against fp32 eager, tiny models on the CPU ---


@pytest.fixture(scope='module')
def tiny_model(order_one_weights):
    """``tiny_model(cfg=None)``: a tiny TPN (the synthetic config's) with order-one logits."""

    def build(cfg=None):
        return order_one_weights(build_model(model_cfg_for_testing(cfg or Config.fromfile(CONFIG))))

    return build


def _outputs(model, imgs, labels, autocast=None):
    """Eval-mode logits per view and the training loss, fp32."""
    data = model.data_preprocessor(dict(imgs=imgs, label=labels), False)
    with torch.no_grad(), autocast or nullcontext():
        model.eval()
        logits = model(data['imgs'], mode='tensor').float()
        model.train()
        losses = model(data['imgs'], data['label'], mode='loss')
    model.eval()
    return logits, (losses['loss_cls'] + losses['loss_aux']).float()


@pytest.fixture(scope='module')
def tiny_reference(tiny_model):
    model = tiny_model()
    # 64 px: smaller maps make train-mode batch norm amplify rounding errors.
    imgs = torch.randn(2, 1, 3, 8, 64, 64, generator=torch.Generator().manual_seed(2))
    labels = torch.tensor([[1], [5]])
    return model, imgs, labels, _outputs(copy.deepcopy(model), imgs, labels)


def _check(outputs, reference, logits_atol, loss_rtol):
    (logits, loss), (ref_logits, ref_loss) = outputs, reference
    torch.testing.assert_close(logits, ref_logits, rtol=0, atol=logits_atol)
    torch.testing.assert_close(loss, ref_loss, rtol=loss_rtol, atol=0)


def test_channels_last_3d(tiny_reference):
    model, imgs, labels, reference = tiny_reference
    fast = copy.deepcopy(model)
    fast.data_preprocessor.channels_last = True
    SpeedPlan(channels_last=True).apply(fast)
    assert is_channels_last(fast)
    _check(_outputs(fast, imgs, labels), reference, 1e-5, 1e-5)


def test_channels_last_2d_tsm_with_its_3d_neck(tiny_model, tiny_tsm_model):
    model = tiny_model(dict(model=tiny_tsm_model()))
    imgs = torch.randn(2, 8, 3, 32, 32, generator=torch.Generator().manual_seed(3))
    labels = torch.tensor([[0], [3]])
    reference = _outputs(copy.deepcopy(model), imgs, labels)
    model.data_preprocessor.channels_last = True
    SpeedPlan(channels_last=True).apply(model)
    assert is_channels_last(model)
    _check(_outputs(model, imgs, labels), reference, 1e-5, 1e-5)


@pytest.mark.parametrize(
    'name, logits_atol, loss_rtol', [('bf16', 5e-2, 1e-2), ('fp16', 1e-2, 1e-2)]
)
def test_autocast(tiny_reference, name, logits_atol, loss_rtol):
    model, imgs, labels, reference = tiny_reference
    autocast = Precision(name, 'cpu').autocast()
    _check(
        _outputs(copy.deepcopy(model), imgs, labels, autocast), reference, logits_atol, loss_rtol
    )


@pytest.mark.slow
def test_compile(tiny_reference):
    model, imgs, labels, reference = tiny_reference
    fast = copy.deepcopy(model)
    SpeedPlan(compile=dict(backend='eager')).apply(fast)
    assert is_compiled(fast)
    _check(_outputs(fast, imgs, labels), reference, 1e-5, 1e-5)


@pytest.mark.parametrize('key', ['fused', 'foreach'])
def test_fused_and_foreach_optimizer_steps(key):
    torch.manual_seed(0)
    reference = torch.nn.Sequential(
        torch.nn.Conv3d(3, 4, 3), torch.nn.Flatten(), torch.nn.LazyLinear(2)
    )
    reference(torch.randn(1, 3, 4, 6, 6))
    fast = copy.deepcopy(reference)
    sgd = dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4, nesterov=True)
    wrappers = [
        build_optim_wrapper(
            reference, dict(type='OptimWrapper', optimizer=dict(sgd, foreach=False))
        ),
        build_optim_wrapper(fast, dict(type='OptimWrapper', optimizer=dict(sgd, **{key: True}))),
    ]
    x = torch.randn(2, 3, 4, 6, 6)
    for _ in range(2):
        for model, wrapper in zip((reference, fast), wrappers):
            wrapper.update_params(model(x).square().mean())
    for a, b in zip(reference.parameters(), fast.parameters()):
        torch.testing.assert_close(b, a, rtol=0, atol=1e-6)
