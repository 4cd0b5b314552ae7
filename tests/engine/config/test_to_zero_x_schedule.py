"""1.x param_scheduler -> 0.x lr_config, checked against mmcv's rates at every iteration."""

import pytest

from mmaction.engine.config.checks import ConfigError
from mmaction.engine.config.to_zero_x_schedule import lr_config_of

EPOCHS, ITERS = 6, 3  # 3 iterations per epoch: warm-ups of a few iterations cross epochs


def _linear(end, by_epoch=False, **kwargs):
    return dict(type='LinearLR', start_factor=0.1, begin=0, end=end, by_epoch=by_epoch, **kwargs)


@pytest.mark.parametrize('end', [2, 3, 5, 8])
def test_mmengine_linear_warmup_to_end_is_mmcv_warmup_iters_end_minus_one(
    scheduler_lrs, mmcv_lrs, end
):
    schedulers = [_linear(end)]
    assert lr_config_of(schedulers, EPOCHS) == dict(
        policy='fixed', warmup='linear', warmup_ratio=0.1, warmup_iters=end - 1
    )
    mmcv = mmcv_lrs(dict(warmup='linear', warmup_iters=end - 1, warmup_ratio=0.1), EPOCHS, ITERS)
    assert scheduler_lrs(schedulers, EPOCHS, ITERS) == pytest.approx(mmcv, rel=1e-12, abs=0)
    # The rate reaches the regular one at iteration end - 1, not before.
    assert mmcv[end - 2] < 1.0 and mmcv[end - 1] == 1.0


@pytest.mark.parametrize('end', [2, 4])
def test_mmengine_constant_warmup_holds_end_minus_one_iterations(scheduler_lrs, mmcv_lrs, end):
    schedulers = [dict(type='ConstantLR', factor=0.5, begin=0, end=end, by_epoch=False)]
    lr_config = lr_config_of(schedulers, EPOCHS)
    assert lr_config['warmup_iters'] == end - 1
    rates = scheduler_lrs(schedulers, EPOCHS, ITERS)
    assert rates == mmcv_lrs(lr_config, EPOCHS, ITERS)
    assert rates[: end - 1] == [0.5] * (end - 1) and rates[end - 1] == 1.0


COSINE = dict(begin=0, end=EPOCHS, T_max=EPOCHS, by_epoch=True)
EXACT = [
    [_linear(5), dict(type='MultiStepLR', milestones=[2, 4], gamma=0.5, by_epoch=True)],
    [dict(type='ConstantLR', factor=0.2, end=4, by_epoch=False), dict(type='StepLR', step_size=2)],
    [dict(type='MultiStepLR', milestones=[4, 10], by_epoch=False)],
    [dict(type='LinearWarmupLR', start_factor=0.01, end=7, by_epoch=False)],
    [
        dict(type='ConstantWarmupLR', factor=0.3, end=1, by_epoch=True, convert_to_iter_based=True),
        dict(type='ExponentialLR', gamma=0.9),
    ],
    [dict(type='ExponentialLR', gamma=0.97, by_epoch=True, convert_to_iter_based=True)],
    [_linear(5), dict(type='CosineAnnealingLR', eta_min=0.0, convert_to_iter_based=True, **COSINE)],
    [dict(type='CosineAnnealingLR', eta_min_ratio=0.1, **COSINE)],
    [_linear(5), dict(type='MmcvCosineAnnealingLR', eta_min=0.05, **COSINE)],
    [dict(type='PolyLR', power=0.9, eta_min=0.01, begin=0, end=EPOCHS + 1)],
    [
        _linear(4),
        dict(type='MmcvPolyLR', power=2.0, eta_min=0.01, end=EPOCHS, convert_to_iter_based=True),
    ],
]


@pytest.mark.parametrize('schedulers', EXACT)
def test_translated_policy_gives_the_same_rate_at_every_iteration(
    scheduler_lrs, mmcv_lrs, schedulers
):
    lr_config = lr_config_of(schedulers, EPOCHS)
    expected = scheduler_lrs(schedulers, EPOCHS, ITERS, base_lr=0.02)
    assert mmcv_lrs(lr_config, EPOCHS, ITERS, base_lr=0.02) == pytest.approx(
        expected, rel=1e-12, abs=0
    )


def test_the_tpn_schedule_and_a_warmup_read_as_0x_writes_them():
    schedulers = [
        dict(
            type='LinearWarmupLR',
            start_factor=0.01,
            end=2,
            by_epoch=True,
            convert_to_iter_based=True,
        ),
        dict(type='MultiStepLR', begin=0, end=150, by_epoch=True, milestones=[75, 125], gamma=0.1),
    ]
    assert lr_config_of(schedulers, 150) == dict(
        policy='step',
        step=[75, 125],
        gamma=0.1,
        warmup='linear',
        warmup_ratio=0.01,
        warmup_iters=2,
        warmup_by_epoch=True,
    )
    assert lr_config_of([], 150) is None


@pytest.mark.parametrize(
    'schedulers, message',
    [
        (
            [dict(type='OneCycleLR', eta_max=0.1, total_steps=10)],
            r'\(OneCycleLR\) has no MMAction2 0.x form',
        ),
        (
            [_linear(5), dict(type='CosineAnnealingLR', eta_min=0.1, **COSINE)],
            'MmcvCosineAnnealingLR does',
        ),
        (
            [dict(type='PolyLR', eta_min=0.0, begin=0, end=EPOCHS)],
            f'5 epochs but the run has {EPOCHS}',
        ),
        ([_linear(2, by_epoch=True)], 'by_epoch=False'),
        ([_linear(9, by_epoch=True, convert_to_iter_based=True)], 'LinearWarmupLR'),
        ([dict(type='StepLR', step_size=2), dict(type='ExponentialLR', gamma=0.9)], 'mmcv has one'),
        ([dict(type='MultiStepLR', milestones=[3], begin=1)], 'begin=0'),
        ([dict(type='CosineAnnealingLR', begin=0, end=3, T_max=3)], '3 epochs but the run has 6'),
        ([dict(type='StepLR', step_size=2, end=3)], 'it stops at end=3'),
        ([dict(type='LinearLR', start_factor=1.0, end_factor=0.1, end=6)], 'only a warm-up'),
        ([dict(type='MultiStepLR', milestones=[3], param_name='momentum')], 'param_name'),
    ],
)
def test_a_scheduler_without_an_exact_mmcv_form_is_named(schedulers, message):
    with pytest.raises(ConfigError, match=message):
        lr_config_of(schedulers, EPOCHS)
