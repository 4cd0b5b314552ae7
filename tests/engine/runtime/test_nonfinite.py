"""Non-finite losses: the config key, the optim-wrapper guard, and agreement between processes."""

import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from tpn_run_helpers import ROOT

from mmaction.engine import ConfigError, StopSignals, TrainOptions, convert_train_config
from mmaction.engine.runtime.nonfinite import (
    NonFiniteLossGuard,
    nonfinite_loss_policy,
    nonfinite_terms,
)

SLOWONLY = osp.join(
    ROOT, 'configs', 'recognition', 'tpn', 'tpn_slowonly_r50_8x8x1_150e_kinetics_rgb.py'
)


def test_policy_values():
    assert nonfinite_loss_policy(None) == 'stop'
    assert nonfinite_loss_policy('skip') == 'skip'
    with pytest.raises(ConfigError, match=r"nonfinite_loss='ignore' is not valid: use 'stop'"):
        nonfinite_loss_policy('ignore')


def test_config_key_reaches_the_train_loop():
    cfg = Config.fromfile(SLOWONLY)
    assert convert_train_config(cfg, SLOWONLY)['train_cfg']['nonfinite_loss'] == 'stop'
    cfg.nonfinite_loss = 'skip'
    assert convert_train_config(cfg, SLOWONLY)['train_cfg']['nonfinite_loss'] == 'skip'
    cfg = Config.fromfile(SLOWONLY)
    cfg.nonfinite_los = 'skip'
    with pytest.raises(ConfigError, match="Did you mean 'nonfinite_loss'"):
        convert_train_config(cfg, SLOWONLY, TrainOptions())


def _model_and_wrapper():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    return model, OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9))


@pytest.mark.parametrize('bad', [float('nan'), float('inf')])
def test_guard_updates_nothing_for_a_non_finite_loss(bad):
    model, wrapper = _model_and_wrapper()
    before = [p.detach().clone() for p in model.parameters()]
    guard = NonFiniteLossGuard(wrapper)
    guard.update_params(model(torch.ones(2, 3)).sum() * bad)
    assert guard.tripped
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert all(p.grad is None for p in model.parameters())
    assert wrapper.optimizer.state_dict()['state'] == {}
    assert guard.optimizer is wrapper.optimizer  # everything else is the wrapper's


def test_guard_passes_a_finite_loss_on():
    model, wrapper = _model_and_wrapper()
    before = [p.detach().clone() for p in model.parameters()]
    guard = NonFiniteLossGuard(wrapper)
    guard.update_params(model(torch.ones(2, 3)).sum())
    assert not guard.tripped
    assert not any(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_terms_name_the_non_finite_losses():
    log_vars = dict(
        loss=torch.tensor(float('nan')),
        loss_cls=torch.tensor(float('nan')),
        loss_aux=torch.tensor(1.0),
        top1_acc=torch.tensor(float('nan')),
    )
    assert nonfinite_terms(log_vars) == ['loss_cls=nan']
    assert nonfinite_terms(dict(loss=1.0, loss_cls=0.5)) == ['(on another process)']


def _two_processes(rank: int, init_file: str, out_dir: str) -> None:
    """Rank 1 alone got a signal and a NaN loss; both must decide alike."""
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank, world_size=2)
    stop = StopSignals(announce=False)
    stop.received = 15 if rank == 1 else 0
    agreed = stop.agreed()
    model, wrapper = _model_and_wrapper()
    model = DistributedDataParallel(model)
    before = [p.detach().clone() for p in model.parameters()]
    guards = []
    for scale in (float('nan') if rank == 1 else 1.0, 1.0):  # a skipped step, then a real one
        guards.append(NonFiniteLossGuard(wrapper))
        guards[-1].update_params(model(torch.ones(2, 3)).sum() * scale)
        if len(guards) == 1:
            unchanged = all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    torch.save(
        dict(
            agreed=agreed,
            tripped=[g.tripped for g in guards],
            unchanged=unchanged,
            params=[p.detach().clone() for p in model.parameters()],
        ),
        f'{out_dir}/rank{rank}.pt',
    )
    dist.destroy_process_group()


@pytest.mark.slow
def test_processes_decide_together(tmp_path):
    import torch.multiprocessing as mp

    mp.spawn(_two_processes, args=(str(tmp_path / 'init'), str(tmp_path)), nprocs=2)
    ranks = [torch.load(tmp_path / f'rank{r}.pt') for r in (0, 1)]
    for result in ranks:
        assert result['agreed'] == 15
        assert result['tripped'] == [True, False] and result['unchanged']
    for a, b in zip(ranks[0]['params'], ranks[1]['params']):
        assert torch.equal(a, b)
