"""0.x lr_config -> mmengine param_scheduler, checked by the learning rates it produces."""

import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import PARAM_SCHEDULERS

from mmaction.engine.config.schedule import convert_lr_config


def _lrs(lr_config, max_epochs, iters_per_epoch, base_lr=1.0):
    """Learning rate at the first iteration of each (epoch, iter), like mmcv's hooks see it."""
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=base_lr)
    wrapper = OptimWrapper(optimizer)
    schedulers = []
    for cfg in convert_lr_config(lr_config, max_epochs):
        cfg = dict(cfg)
        if cfg.pop('convert_to_iter_based', False):
            cls = PARAM_SCHEDULERS.get(cfg.pop('type'))
            schedulers.append(
                cls.build_iter_from_epoch(wrapper, epoch_length=iters_per_epoch, **cfg)
            )
        else:
            schedulers.append(PARAM_SCHEDULERS.build(cfg, default_args=dict(optimizer=wrapper)))
    lrs = []
    for _ in range(max_epochs):
        epoch_lrs = []
        for _ in range(iters_per_epoch):
            epoch_lrs.append(optimizer.param_groups[0]['lr'])
            for s in schedulers:
                if not s.by_epoch:
                    s.step()
        lrs.append(epoch_lrs)
        for s in schedulers:
            if s.by_epoch:
                s.step()
    return lrs


def test_step_policy_multiplies_by_gamma_at_each_step_epoch():
    lrs = _lrs(dict(policy='step', step=[2, 4]), max_epochs=6, iters_per_epoch=2)
    firsts = [e[0] for e in lrs]
    assert firsts == pytest.approx([1, 1, 0.1, 0.1, 0.01, 0.01])


def test_step_int_is_step_size():
    cfgs = convert_lr_config(dict(policy='step', step=3, gamma=0.5), 9)
    assert cfgs == [dict(type='StepLR', step_size=3, gamma=0.5, by_epoch=True)]


def test_linear_warmup_by_epoch_runs_per_iteration():
    cfg = dict(policy='step', step=[10], warmup='linear', warmup_iters=2, warmup_by_epoch=True,
               warmup_ratio=0.1)  # fmt: skip
    lrs = _lrs(cfg, max_epochs=3, iters_per_epoch=4)
    # 8 warm-up iterations from 0.1 to 1.0, as mmcv: lr = base * (1 - (1 - i/8) * 0.9)
    expected = [1 - (1 - i / 8) * 0.9 for i in range(8)]
    assert lrs[0] + lrs[1] == pytest.approx(expected)
    assert lrs[2] == pytest.approx([1.0] * 4)


def test_warmup_in_iterations():
    cfg = dict(policy='step', step=[5], warmup='linear', warmup_iters=4, warmup_ratio=0.5)
    lrs = _lrs(cfg, max_epochs=2, iters_per_epoch=3)
    flat = lrs[0] + lrs[1]
    assert flat[:5] == pytest.approx([0.5, 0.625, 0.75, 0.875, 1.0])


def test_cosine_annealing_by_epoch_with_min_lr():
    lrs = _lrs(dict(policy='CosineAnnealing', min_lr=0.1), max_epochs=4, iters_per_epoch=2)
    import math

    expected = [0.1 + 0.45 * (1 + math.cos(math.pi * e / 4)) for e in range(4)]
    assert [e[0] for e in lrs] == pytest.approx(expected)
    assert all(e[0] == e[1] for e in lrs)  # constant within an epoch


def test_cosine_min_lr_ratio_and_per_iteration():
    cfgs = convert_lr_config(dict(policy='CosineAnnealing', min_lr_ratio=0.01, by_epoch=False), 5)
    assert cfgs[0]['eta_min_ratio'] == 0.01
    assert cfgs[0]['convert_to_iter_based'] is True
    lrs = _lrs(dict(policy='CosineAnnealing', min_lr=0, by_epoch=False), 2, 4)
    flat = lrs[0] + lrs[1]
    assert all(a > b for a, b in zip(flat, flat[1:]))  # decreases every iteration


@pytest.mark.parametrize(
    'cfg, message',
    [
        (dict(policy='CosineAnnealing'), 'exactly one of'),
        (dict(policy='Cyclic'), 'not supported'),
        (dict(policy='step', step=[1], warmup='exp', warmup_iters=3), 'warmup'),
        (dict(policy='step', stpe=[1]), 'stpe'),
    ],
)
def test_bad_lr_config_is_named(cfg, message):
    with pytest.raises(ValueError, match=message):
        convert_lr_config(cfg, 10)


def test_no_lr_config_means_constant():
    assert convert_lr_config(None, 3) == []
    assert convert_lr_config(dict(policy='fixed'), 3) == []
