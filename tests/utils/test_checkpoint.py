import logging
import os
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from torch import nn

from mmaction.utils import (
    CheckpointError,
    get_state_dict,
    load_checkpoint,
    load_checkpoint_file,
    patch_mmengine_checkpoint_loading,
    resolve_torchvision_url,
)


class _RunsShellCommand:
    """Pickles to ``os.system('touch <sentinel>')``: must never be executed."""

    def __init__(self, sentinel):
        self.sentinel = sentinel

    def __reduce__(self):
        return (os.system, (f'touch {self.sentinel}',))


def _tiny_model():
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4, 2))


@pytest.fixture
def hub_dir(tmp_path, monkeypatch):
    """A private torch hub dir; any download attempt fails the test."""
    old = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / 'hub'))
    os.makedirs(tmp_path / 'hub' / 'checkpoints')

    def no_network(*args, **kwargs):
        raise AssertionError(f'unexpected download: {args}')

    monkeypatch.setattr(torch.hub, 'download_url_to_file', no_network)
    yield tmp_path / 'hub' / 'checkpoints'
    torch.hub.set_dir(old)


def test_local_state_dict_and_meta_with_numpy(tmp_path):
    model = _tiny_model()
    path = tmp_path / 'ckpt.pth'
    meta = dict(epoch=3, best=np.float64(0.75), hist=np.arange(4), when='20240101')
    torch.save({'state_dict': model.state_dict(), 'meta': meta}, path)
    ckpt = load_checkpoint_file(str(path))
    assert ckpt['meta']['best'] == 0.75
    assert np.array_equal(ckpt['meta']['hist'], np.arange(4))
    assert torch.equal(ckpt['state_dict']['0.weight'], model[0].weight)


def test_legacy_serialization_format(tmp_path):
    path = tmp_path / 'old.pth'
    torch.save({'w': torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    assert torch.equal(load_checkpoint_file(path)['w'], torch.ones(2))


def test_missing_file_names_it(tmp_path):
    missing = tmp_path / 'nope.pth'
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint_file(str(missing))


@pytest.mark.parametrize('how', ['half', 'tail', 'empty', 'garbage', 'legacy_half'])
def test_damaged_files_are_reported(tmp_path, how):
    good = tmp_path / 'good.pth'
    torch.save(
        {'state_dict': {'w': torch.randn(64, 64)}},
        good,
        _use_new_zipfile_serialization=how != 'legacy_half',
    )
    data = good.read_bytes()
    bad = tmp_path / f'bad_{how}.pth'
    bad.write_bytes(
        {
            'half': data[: len(data) // 2],
            'tail': data[:-20],
            'empty': b'',
            'garbage': b'certainly not a checkpoint',
            'legacy_half': data[: len(data) // 2],
        }[how]
    )
    with pytest.raises(CheckpointError, match=f'bad_{how}.pth') as info:
        load_checkpoint_file(str(bad))
    text = str(info.value)
    assert any(word in text for word in ('truncated', 'empty', 'not a PyTorch checkpoint'))


@pytest.mark.parametrize('raw_pickle', [False, True])
def test_code_running_pickle_is_refused(tmp_path, raw_pickle):
    sentinel = tmp_path / 'SENTINEL'
    path = tmp_path / 'evil.pth'
    payload = {'state_dict': {'w': torch.zeros(1)}, 'x': _RunsShellCommand(sentinel)}
    if raw_pickle:
        # A bare pickle (no torch.save container); tensors are left out because
        # plain pickling stores them through a global that is refused first.
        payload['state_dict'] = {'w': 1.0}
        path.write_bytes(pickle.dumps(payload, protocol=2))
    else:
        torch.save(payload, path)
    with pytest.raises(CheckpointError, match='not a plain tensor checkpoint') as info:
        load_checkpoint_file(str(path))
    assert 'evil.pth' in str(info.value)
    assert 'system' in str(info.value)
    assert not sentinel.exists()


def test_getattr_alias_only_reaches_history_buffer_methods(tmp_path):
    from mmengine.logging.history_buffer import HistoryBuffer

    class LooksUpInit:
        def __reduce__(self):
            return (getattr, (HistoryBuffer, '__init__'))

    path = tmp_path / 'lookup.pth'
    torch.save({'x': LooksUpInit()}, path)
    with pytest.raises(CheckpointError, match='refused getattr'):
        load_checkpoint_file(str(path))


def test_non_dict_checkpoint_is_rejected(tmp_path):
    path = tmp_path / 't.pth'
    torch.save(torch.ones(3), path)
    with pytest.raises(CheckpointError, match='expected a dict'):
        load_checkpoint_file(str(path))


def test_get_state_dict_unwraps_and_strips_module():
    w = torch.ones(1)
    assert list(get_state_dict({'state_dict': {'module.a.b': w}})) == ['a.b']
    assert list(get_state_dict({'model': {'c': w}})) == ['c']
    assert list(get_state_dict({'module.d': w, 'e': w})) == ['d', 'e']
    with pytest.raises(TypeError):
        get_state_dict([w])


def test_load_checkpoint_reports_differences(tmp_path, caplog):
    source = _tiny_model()
    state = {f'module.{k}': v for k, v in source.state_dict().items()}
    state.pop('module.3.bias')
    state['module.extra.weight'] = torch.zeros(1)
    state['module.3.weight'] = torch.zeros(5, 4)
    path = tmp_path / 'partial.pth'
    torch.save({'state_dict': state, 'meta': {'epoch': 1}}, path)

    target = _tiny_model()
    logger = logging.getLogger('test_checkpoint_partial')
    with caplog.at_level(logging.WARNING, logger='test_checkpoint_partial'):
        ckpt = load_checkpoint(target, str(path), logger=logger)
    assert ckpt['meta'] == {'epoch': 1}
    assert torch.equal(target[0].weight, source[0].weight)
    assert torch.equal(target[1].running_var, source[1].running_var)
    assert '3.bias (missing)' in caplog.text
    assert '1 tensors not used by Sequential: extra.weight' in caplog.text
    assert '3.weight (checkpoint [5, 4], model [2, 4])' in caplog.text
    assert '7 tensors loaded, 1 skipped (other shape), 1 missing' in caplog.text

    # strict: refused with both shapes named, and nothing is loaded.
    fresh = _tiny_model()
    before = fresh[0].weight.detach().clone()
    with pytest.raises(CheckpointError, match=r'3\.weight \(checkpoint \[5, 4\], model \[2, 4\]\)'):
        load_checkpoint(fresh, str(path), strict=True, logger='silent')
    assert torch.equal(fresh[0].weight, before)


def test_load_checkpoint_strict_allows_unused_keys(tmp_path, caplog):
    source = _tiny_model()
    state = dict(source.state_dict(), **{'head.extra': torch.zeros(3)})
    path = tmp_path / 'extra.pth'
    torch.save(state, path)
    target = _tiny_model()
    logger = logging.getLogger('test_checkpoint_extra')
    with caplog.at_level(logging.WARNING, logger='test_checkpoint_extra'):
        load_checkpoint(target, str(path), strict=True, logger=logger)
    assert torch.equal(target[3].weight, source[3].weight)
    assert len(caplog.records) == 1 and 'head.extra' in caplog.text


def test_load_checkpoint_strict_exact_match(tmp_path):
    source = _tiny_model()
    path = tmp_path / 'full.pth'
    torch.save(source.state_dict(), path)
    target = _tiny_model()
    load_checkpoint(target, path, strict=True)
    for a, b in zip(source.state_dict().values(), target.state_dict().values()):
        assert torch.equal(a, b)


def test_http_url_reuses_hub_cache(hub_dir):
    torch.save({'w': torch.full((2,), 7.0)}, hub_dir / 'model-abc.pth')
    ckpt = load_checkpoint_file('https://example.com/some/dir/model-abc.pth')
    assert torch.equal(ckpt['w'], torch.full((2,), 7.0))


def test_http_url_downloads_into_hub_cache(hub_dir, monkeypatch):
    calls = []

    def fake_download(url, dst, hash_prefix=None, progress=True):
        calls.append((url, dst, hash_prefix))
        torch.save({'w': torch.zeros(1)}, dst)

    monkeypatch.setattr(torch.hub, 'download_url_to_file', fake_download)
    url = 'https://example.com/weights-0123ab.pth'
    load_checkpoint_file(url)
    load_checkpoint_file(url)
    assert calls == [(url, str(hub_dir / 'weights-0123ab.pth'), '0123ab')]


def test_torchvision_scheme_uses_v1_weights_from_cache(hub_dir):
    url, legacy = resolve_torchvision_url('resnet50')
    assert url.endswith('resnet50-0676ba61.pth')
    assert legacy == 'resnet50-19c8e357.pth'
    assert resolve_torchvision_url('resnet50.imagenet1k_v2')[0] != url
    with pytest.raises(KeyError, match='no_such_net'):
        resolve_torchvision_url('no_such_net')

    torch.save({'fc.bias': torch.ones(3)}, hub_dir / osp.basename(url))
    assert torch.equal(load_checkpoint_file('torchvision://resnet50')['fc.bias'], torch.ones(3))


def test_torchvision_scheme_accepts_legacy_cached_file(hub_dir):
    torch.save({'fc.bias': torch.zeros(3)}, hub_dir / 'resnet50-19c8e357.pth')
    assert torch.equal(load_checkpoint_file('torchvision://resnet50')['fc.bias'], torch.zeros(3))


def _train_toy_runner(work_dir, max_epochs, resume=False):
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    class ToyModel(BaseModel):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)

        def forward(self, x, y=None, mode='tensor'):
            out = self.fc(torch.stack(x) if isinstance(x, list) else x)
            if mode == 'loss':
                return dict(loss=out.pow(2).mean())
            return out

    class ToyData(torch.utils.data.Dataset):
        metainfo = dict(classes=('a', 'b'), weights=np.arange(2), scale=np.float32(0.5))

        def __len__(self):
            return 4

        def __getitem__(self, index):
            return dict(x=torch.full((4,), float(index)), y=torch.tensor(0))

    runner = Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=ToyData(),
            batch_size=2,
            sampler=dict(type='DefaultSampler', shuffle=False),
        ),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        param_scheduler=[dict(type='MultiStepLR', milestones=[1], by_epoch=True)],
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        resume=resume,
        default_scope='mmaction',  # a foreign default scope would hide our registries
        experiment_name=f'toy_{max_epochs}_{resume}',
    )
    runner.train()
    return runner


def test_mmengine_resume_through_patched_loader(tmp_path):
    from mmengine.runner.checkpoint import CheckpointLoader
    from mmengine.runner.checkpoint import load_checkpoint as mmengine_load_checkpoint

    patch_mmengine_checkpoint_loading()
    patch_mmengine_checkpoint_loading()  # idempotent
    assert CheckpointLoader._get_checkpoint_loader('/x.pth').__name__.endswith('weights_only')
    assert CheckpointLoader._get_checkpoint_loader('https://a/b.pth').__name__.endswith(
        'weights_only'
    )

    first = _train_toy_runner(tmp_path / 'work', max_epochs=1)
    ckpt = load_checkpoint_file(tmp_path / 'work' / 'epoch_1.pth')
    assert {'meta', 'state_dict', 'message_hub', 'optimizer', 'param_schedulers'} <= set(ckpt)

    resumed = _train_toy_runner(tmp_path / 'work', max_epochs=2, resume=True)
    assert resumed.epoch == 2
    assert osp.isfile(tmp_path / 'work' / 'epoch_2.pth')
    loss_history = resumed.message_hub.get_scalar('train/loss')
    assert len(loss_history.data[0]) == 4  # two iterations per epoch, both epochs
    assert first.message_hub.get_scalar('train/loss').data[0].tolist() == (
        loss_history.data[0][:2].tolist()
    )

    sentinel = tmp_path / 'SENTINEL'
    evil = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'x': _RunsShellCommand(sentinel)}, evil)
    with pytest.raises(CheckpointError, match='not a plain tensor checkpoint'):
        mmengine_load_checkpoint(nn.Linear(4, 2), str(evil))
    assert not sentinel.exists()


MMACTION2_1X_CHECKPOINT = osp.join(
    osp.dirname(osp.dirname(__file__)), 'data', 'reference', 'mmaction2_1x_tiny', 'epoch_2.pth'
)


def test_mmaction2_1x_training_checkpoint_loads_weights_only():
    # Written by MMAction2 1.2.0's training (tests/data/reference/mmaction2_1x_tiny):
    # numpy values in meta, a Counter in the schedulers, HistoryBuffers in the
    # message hub; all within the allow-list, nothing added for 1.x.
    ckpt = load_checkpoint_file(MMACTION2_1X_CHECKPOINT)
    assert sorted(ckpt) == ['message_hub', 'meta', 'optimizer', 'param_schedulers', 'state_dict']
    assert sorted(ckpt['meta']) == [
        'cfg', 'dataset_meta', 'epoch', 'experiment_name', 'iter', 'mmengine_version', 'seed',
        'time',
    ]  # fmt: skip
    assert isinstance(ckpt['meta']['cfg'], str)  # the config's text, not a ConfigDict
    hub = ckpt['message_hub']
    assert sorted(hub) == ['log_scalars', 'resumed_keys', 'runtime_info']
    assert hub['log_scalars']['train/lr'].current() == pytest.approx(0.005)
    assert ckpt['param_schedulers'][1]['milestones'] == {1: 1}
    assert ckpt['optimizer']['param_groups'][0]['nesterov'] is True


def test_code_running_pickle_in_a_1x_shaped_checkpoint_is_refused(tmp_path):
    sentinel = tmp_path / 'SENTINEL'
    ckpt = load_checkpoint_file(MMACTION2_1X_CHECKPOINT)
    ckpt['message_hub']['runtime_info']['payload'] = _RunsShellCommand(sentinel)
    path = tmp_path / 'evil_1x.pth'
    torch.save(ckpt, path)
    with pytest.raises(CheckpointError, match=r'Refusing to load .*evil_1x.pth.*system'):
        load_checkpoint_file(str(path))
    assert not sentinel.exists()
