"""0.x optimizer/optimizer_config -> 1.x optim_wrapper -> the Runner's (by precision); bf16 wrapper."""

import pytest
import torch
from mmengine.optim import build_optim_wrapper

from mmaction.engine.config.optim import (
    mixed_precision_request,
    optimizer_config_fp16,
    runner_optim_wrapper,
    zero_x_optim_wrapper,
)
from mmaction.engine.speed.precision import Precision
from mmaction.utils.errors import ConfigError

SGD = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4)


def convert_optimizer(optimizer, optimizer_config=None, precision=None):
    """The Runner's optim_wrapper of 0.x keys, through their 1.x form."""
    return runner_optim_wrapper(zero_x_optim_wrapper(optimizer, optimizer_config), precision)


def test_plain_optimizer_with_grad_clip():
    cfg = convert_optimizer(SGD, dict(grad_clip=dict(max_norm=40, norm_type=2)))
    assert cfg == dict(type='OptimWrapper', optimizer=SGD, clip_grad=dict(max_norm=40, norm_type=2))


def test_paramwise_cfg_constructor_and_accumulation():
    opt = dict(SGD, paramwise_cfg=dict(bias_decay_mult=0.0), constructor='MyConstructor')
    cfg = convert_optimizer(opt, dict(type='GradientCumulativeOptimizerHook', cumulative_iters=4))
    assert cfg['paramwise_cfg'] == dict(bias_decay_mult=0.0)
    assert cfg['constructor'] == 'MyConstructor'
    assert cfg['accumulative_counts'] == 4
    assert 'paramwise_cfg' not in cfg['optimizer']
    assert convert_optimizer(SGD, dict(accumulative_counts=2))['accumulative_counts'] == 2


def test_precision_picks_the_wrapper():
    assert convert_optimizer(SGD, precision=Precision('fp32'))['type'] == 'OptimWrapper'
    assert convert_optimizer(SGD, precision=Precision('tf32', 'cuda'))['type'] == 'OptimWrapper'
    assert convert_optimizer(SGD, precision=Precision('bf16'))['type'] == 'BFloat16OptimWrapper'
    fp16 = convert_optimizer(SGD, precision=Precision('fp16', 'cuda', loss_scale=512.0))
    assert fp16 == dict(type='AmpOptimWrapper', dtype='float16', loss_scale=512.0, optimizer=SGD)


def test_bfloat16_wrapper_autocasts_forward_on_the_model_device():
    model = torch.nn.Linear(4, 2)
    cfg = convert_optimizer(SGD, precision=Precision('bf16', 'cpu'))
    wrapper = build_optim_wrapper(model, cfg)
    with wrapper.optim_context(model):
        out = model(torch.randn(3, 4))
    assert out.dtype == torch.bfloat16
    before = model.weight.detach().clone()
    wrapper.update_params(out.float().sum())
    assert model.weight.dtype == torch.float32 and not torch.equal(before, model.weight)


def test_fp16_requests_of_optimizer_config():
    assert optimizer_config_fp16(None) is None
    assert optimizer_config_fp16(dict(grad_clip=None)) is None
    assert optimizer_config_fp16(dict(type='Fp16OptimizerHook')) == dict(loss_scale='dynamic')
    assert optimizer_config_fp16(dict(loss_scale=512.0)) == dict(loss_scale=512.0)


def test_fused_and_foreach_reach_torch_and_are_checked():
    model = torch.nn.Linear(4, 2)
    for key in ('fused', 'foreach'):
        cfg = convert_optimizer(dict(SGD, **{key: True}))
        optimizer = build_optim_wrapper(model, cfg).optimizer
        assert optimizer.defaults[key] is True
    with pytest.raises(ConfigError, match='exclude each other'):
        convert_optimizer(dict(SGD, fused=True, foreach=True))
    with pytest.raises(ConfigError, match=r"Unknown key optimizer.fused.*type='LBFGS'"):
        convert_optimizer(dict(type='LBFGS', lr=1.0, fused=True))


def test_bad_optimizer_config_is_named():
    with pytest.raises(ValueError, match='cumulativ_iters'):
        convert_optimizer(SGD, dict(cumulativ_iters=2))
    with pytest.raises(ValueError, match='DistOptimizerHook'):
        convert_optimizer(SGD, dict(type='DistOptimizerHook'))


def test_fp16_requests_become_an_amp_wrapper_and_a_precision():
    wrapper = zero_x_optim_wrapper(SGD, dict(type='Fp16OptimizerHook', loss_scale=512.0))
    assert wrapper == dict(type='AmpOptimWrapper', loss_scale=512.0, optimizer=SGD)
    assert mixed_precision_request(wrapper) == dict(fp16=dict(loss_scale=512.0))
    assert zero_x_optim_wrapper(SGD, fp16=dict(loss_scale='dynamic'))['type'] == 'AmpOptimWrapper'
    bf16 = dict(type='AmpOptimWrapper', dtype='bfloat16', optimizer=SGD)
    assert mixed_precision_request(bf16) == dict(precision='bf16')
    assert mixed_precision_request(dict(type='OptimWrapper', optimizer=SGD)) == {}


def test_1x_optim_wrapper_is_checked():
    with pytest.raises(ConfigError, match="optim_wrapper.optimizer.lr='abc': must be a number"):
        runner_optim_wrapper(dict(optimizer=dict(SGD, lr='abc')))
    with pytest.raises(ConfigError, match='Unknown key optim_wrapper.clip_grads'):
        runner_optim_wrapper(dict(optimizer=SGD, clip_grads=None))
    with pytest.raises(ConfigError, match="optim_wrapper.type='ApexOptimWrapper' is not supported"):
        runner_optim_wrapper(dict(type='ApexOptimWrapper', optimizer=SGD))
    with pytest.raises(ConfigError, match='accumulative_counts must be an integer >= 1'):
        runner_optim_wrapper(dict(optimizer=SGD, accumulative_counts=0))
