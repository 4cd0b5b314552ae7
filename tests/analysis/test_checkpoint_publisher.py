"""Publishing a checkpoint: weights and meta only, the SHA-256 in the name."""

import hashlib
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from tpn_run_helpers import load_ckpt

from mmaction.analysis.checkpoint_publisher import publish_checkpoint
from mmaction.engine.config.convert import model_cfg_for_testing
from mmaction.engine.model_builder import build_model
from mmaction.utils import load_checkpoint


@pytest.mark.slow
def test_publish_a_trained_checkpoint(tiny_trained_run, tmp_path):
    source = load_ckpt(tiny_trained_run.checkpoint)
    assert {'optimizer', 'message_hub', 'param_schedulers'} <= set(source)
    published = publish_checkpoint(tiny_trained_run.checkpoint, tmp_path / 'zoo' / 'tpn_tiny.pth')

    name = osp.basename(published.path)
    match = re.fullmatch(r'tpn_tiny-([0-9a-f]{8})\.pth', name)
    assert match, name
    with open(published.path, 'rb') as f:
        data = f.read()
    digest = hashlib.sha256(data).hexdigest()
    assert match.group(1) == digest[:8] and published.sha256 == digest
    assert published.size == len(data) < osp.getsize(tiny_trained_run.checkpoint) * 0.7
    assert published.dropped == [
        'message_hub', 'optimizer', 'param_schedulers', 'rng_state', 'train_loop'
    ]  # fmt: skip

    # A plain torch.load, without the project's allow-list.
    plain = torch.load(published.path, map_location='cpu', weights_only=True)
    assert set(plain) == {'state_dict', 'meta'}
    assert plain['meta']['epoch'] == source['meta']['epoch'] == 2
    assert plain['meta']['config'] == source['meta']['config']
    assert plain['state_dict'].keys() == source['state_dict'].keys()
    for key, value in source['state_dict'].items():
        assert torch.equal(plain['state_dict'][key], value), key
    # It loads strictly into the model of its config.
    model = build_model(model_cfg_for_testing(Config.fromfile(tiny_trained_run.config)))
    load_checkpoint(model, published.path, strict=True)
    # Publishing again gives the same bytes, hence the same name.
    assert (
        publish_checkpoint(tiny_trained_run.checkpoint, tmp_path / 'tpn_tiny.pth').sha256 == digest
    )


def test_publish_a_bare_state_dict(tmp_path):
    weights = {'module.fc.weight': torch.ones(2, 3), 'module.fc.bias': torch.zeros(2)}
    torch.save(weights, tmp_path / 'bare.pth')
    published = publish_checkpoint(tmp_path / 'bare.pth', tmp_path / 'out')
    assert re.fullmatch(r'out-[0-9a-f]{8}\.pth', osp.basename(published.path))
    assert published.dropped == []
    plain = torch.load(published.path, weights_only=True)
    assert list(plain['state_dict']) == ['fc.weight', 'fc.bias']  # DataParallel prefix gone
    assert plain['meta'] == {}
