"""0.x optimizer/optimizer_config/fp16 -> optim_wrapper, and the CPU bfloat16 wrapper."""

import pytest
import torch
from mmengine.optim import build_optim_wrapper

from mmaction.engine.optim_adapter import convert_optimizer

SGD = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4)


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


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU behaviour')
def test_fp16_and_amp_use_bfloat16_autocast_on_cpu():
    for cfg in (
        convert_optimizer(SGD, fp16=dict(loss_scale=512.0)),
        convert_optimizer(SGD, amp=True),
    ):
        assert cfg['type'] == 'CPUBFloat16OptimWrapper'
    model = torch.nn.Linear(4, 2)
    wrapper = build_optim_wrapper(model, convert_optimizer(SGD, amp=True))
    with wrapper.optim_context(model):
        out = model(torch.randn(3, 4))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().sum())


def test_bad_optimizer_config_is_named():
    with pytest.raises(ValueError, match='cumulativ_iters'):
        convert_optimizer(SGD, dict(cumulativ_iters=2))
    with pytest.raises(ValueError, match='DistOptimizerHook'):
        convert_optimizer(SGD, dict(type='DistOptimizerHook'))
