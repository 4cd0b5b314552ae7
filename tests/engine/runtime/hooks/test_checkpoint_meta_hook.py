"""Random-state capture/restore and the meta data written into checkpoints."""

import io
import random
from types import SimpleNamespace

import numpy as np
import torch
from mmengine.config import Config

from mmaction.engine.runtime.hooks import CheckpointMetaHook, capture_rng_state, restore_rng_state


def _draw():
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_rng_state_round_trip_through_weights_only_load():
    random.seed(1)
    np.random.seed(1)
    torch.manual_seed(1)
    state = capture_rng_state()
    expected = _draw()
    buffer = io.BytesIO()
    torch.save({'rng_state': state}, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=True)['rng_state']
    _draw()  # move all generators on
    restore_rng_state(loaded)
    assert _draw() == expected


def test_hook_writes_config_text_and_restores_rng_only_on_resume():
    cfg = Config(dict(model=dict(type='Recognizer3D'), total_epochs=3))
    runner = SimpleNamespace(
        cfg=cfg, _resume=False, logger=SimpleNamespace(info=print), train_loop=None
    )
    hook = CheckpointMetaHook()
    checkpoint = {'meta': {'epoch': 2}}
    hook.before_save_checkpoint(runner, checkpoint)
    assert 'total_epochs = 3' in checkpoint['meta']['config']
    assert 'mmaction_version' in checkpoint['meta']
    assert 'torch' in checkpoint['rng_state']

    torch.manual_seed(5)
    saved = capture_rng_state()
    after_save = torch.rand(1)
    hook.after_load_checkpoint(runner, {'rng_state': saved})  # load_from: not restored
    hook.before_train(runner)
    assert not torch.equal(torch.rand(1), after_save)
    runner._resume = True
    hook.after_load_checkpoint(runner, {'rng_state': saved})
    torch.manual_seed(123)  # mmengine re-seeds on resume; the hook runs later
    hook.before_train(runner)
    assert torch.equal(torch.rand(1), after_save)


class StatefulLoop:
    def __init__(self, state):
        self.state = state

    def state_dict(self):
        return dict(self.state)

    def load_state_dict(self, state):
        self.state = dict(state)


def test_hook_carries_the_train_loop_state_to_a_resumed_run():
    cfg = Config(dict(total_epochs=3))
    saving = SimpleNamespace(cfg=cfg, _resume=False, train_loop=StatefulLoop({'batch': 3}))
    checkpoint = {'meta': {}}
    CheckpointMetaHook().before_save_checkpoint(saving, checkpoint)
    assert checkpoint['train_loop'] == {'batch': 3}
    resuming = SimpleNamespace(cfg=cfg, _resume=True, train_loop=StatefulLoop({}))
    CheckpointMetaHook().after_load_checkpoint(resuming, checkpoint)
    assert resuming.train_loop.state == {'batch': 3}
    loading = SimpleNamespace(cfg=cfg, _resume=False, train_loop=StatefulLoop({}))  # load_from
    CheckpointMetaHook().after_load_checkpoint(loading, checkpoint)
    assert loading.train_loop.state == {}
