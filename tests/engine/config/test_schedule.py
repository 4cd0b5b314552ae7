"""0.x lr_config -> mmengine param_scheduler, checked by the learning rates it produces."""

import math

import pytest

from mmaction.engine.config.schedule import convert_lr_config


@pytest.fixture
def lrs(scheduler_lrs):
    """``lrs(lr_config, max_epochs, iters_per_epoch)``: the rates of the translated schedulers."""

    def rates(lr_config, max_epochs, iters_per_epoch):
        return scheduler_lrs(convert_lr_config(lr_config, max_epochs), max_epochs, iters_per_epoch)

    return rates


def test_step_policy_multiplies_by_gamma_at_each_step_epoch(lrs):
    rates = lrs(dict(policy='step', step=[2, 4]), max_epochs=6, iters_per_epoch=2)
    assert rates[::2] == pytest.approx([1, 1, 0.1, 0.1, 0.01, 0.01])


def test_step_int_is_step_size():
    cfgs = convert_lr_config(dict(policy='step', step=3, gamma=0.5), 9)
    assert cfgs == [dict(type='StepLR', step_size=3, gamma=0.5, by_epoch=True)]


def test_linear_warmup_by_epoch_runs_per_iteration(lrs):
    cfg = dict(policy='step', step=[10], warmup='linear', warmup_iters=2, warmup_by_epoch=True,
               warmup_ratio=0.1)  # fmt: skip
    rates = lrs(cfg, max_epochs=3, iters_per_epoch=4)
    # 8 warm-up iterations from 0.1 to 1.0, as mmcv: lr = base * (1 - (1 - i/8) * 0.9)
    expected = [1 - (1 - i / 8) * 0.9 for i in range(8)]
    assert rates[:8] == pytest.approx(expected)
    assert rates[8:] == pytest.approx([1.0] * 4)


def test_warmup_in_iterations(lrs):
    cfg = dict(policy='step', step=[5], warmup='linear', warmup_iters=4, warmup_ratio=0.5)
    rates = lrs(cfg, max_epochs=2, iters_per_epoch=3)
    assert rates[:5] == pytest.approx([0.5, 0.625, 0.75, 0.875, 1.0])


def test_cosine_annealing_by_epoch_with_min_lr(lrs):
    rates = lrs(dict(policy='CosineAnnealing', min_lr=0.1), max_epochs=4, iters_per_epoch=2)
    expected = [0.1 + 0.45 * (1 + math.cos(math.pi * e / 4)) for e in range(4)]
    assert rates[::2] == pytest.approx(expected)
    assert rates[1::2] == rates[::2]  # constant within an epoch


def test_cosine_min_lr_ratio_and_per_iteration(lrs):
    cfgs = convert_lr_config(dict(policy='CosineAnnealing', min_lr_ratio=0.01, by_epoch=False), 5)
    assert cfgs[0]['eta_min_ratio'] == 0.01
    assert cfgs[0]['convert_to_iter_based'] is True
    rates = lrs(dict(policy='CosineAnnealing', min_lr=0, by_epoch=False), 2, 4)
    assert all(a > b for a, b in zip(rates, rates[1:]))  # decreases every iteration


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


def test_poly_reaches_min_lr_at_the_end_of_the_run_as_mmcv(lrs):
    # mmcv: (1 - 0.1) * (1 - e / 4) ** 2 + 0.1; mmengine's PolyLR(end=4) reached 0.1 at epoch 3.
    rates = lrs(dict(policy='poly', power=2.0, min_lr=0.1), max_epochs=4, iters_per_epoch=1)
    assert rates == pytest.approx([1.0, 0.60625, 0.325, 0.15625], rel=1e-12)


WARMUP = dict(warmup='linear', warmup_iters=5, warmup_ratio=0.1)


@pytest.mark.parametrize(
    'lr_config',
    [
        dict(policy='step', step=[2, 4], gamma=0.5),
        dict(policy='step', step=2, by_epoch=False, **WARMUP),
        dict(policy='exp', gamma=0.9, warmup='constant', warmup_iters=4, warmup_ratio=0.25),
        dict(policy='exp', gamma=0.99, by_epoch=False),
        dict(policy='poly', power=0.9, min_lr=0.01),
        dict(policy='poly', power=2.0, min_lr=0.01, by_epoch=False, **WARMUP),
        dict(policy='CosineAnnealing', min_lr=0.1, **WARMUP),
        dict(policy='CosineAnnealing', min_lr_ratio=0.05, by_epoch=False, **WARMUP),
        dict(policy='CosineAnnealing', min_lr=0.0, warmup='linear', warmup_iters=1,
             warmup_by_epoch=True),
        dict(policy='fixed', warmup='constant', warmup_iters=2, warmup_by_epoch=True),
    ],
)  # fmt: skip
def test_every_policy_gives_mmcvs_rate_at_every_iteration(lrs, mmcv_lrs, lr_config):
    # Warm-ups of 5 iterations overlap the first annealing steps (3 iterations per epoch):
    # mmengine's affine CosineAnnealingLR/PolyLR with a minimum would not be scaled there.
    expected = mmcv_lrs(lr_config, 6, 3)
    assert lrs(lr_config, 6, 3) == pytest.approx(expected, rel=1e-12, abs=0)
