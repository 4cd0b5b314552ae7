"""The export cache of the ONNX Runtime backend: folder, key, atomic writes, damaged entries."""

import json
import os

import pytest

from mmaction.deploy.onnx_cache import (
    CACHE_ENV,
    ExportKey,
    OnnxCache,
    default_cache_dir,
    file_sha256,
)

# SHA-256 of b'abc' (FIPS 180-2, appendix B.1).
ABC_SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'


def test_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'xdg'))
    assert default_cache_dir() == str(tmp_path / 'xdg' / 'tpn-action' / 'onnx')
    monkeypatch.delenv('XDG_CACHE_HOME')
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    assert default_cache_dir() == str(tmp_path / 'home' / '.cache' / 'tpn-action' / 'onnx')
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / 'mine'))
    assert default_cache_dir() == str(tmp_path / 'mine')


def test_file_sha256_is_that_of_the_bytes(tmp_path):
    path = tmp_path / 'abc.pth'
    path.write_bytes(b'abc')
    assert file_sha256(str(path)) == ABC_SHA256


def test_key_depends_on_checkpoint_settings_and_versions():
    key = ExportKey('a' * 64, dict(opset=18, view_shape=[3, 8, 56, 56]), dict(toolkit='0.1.0'))
    same = ExportKey('a' * 64, dict(view_shape=[3, 8, 56, 56], opset=18), dict(toolkit='0.1.0'))
    assert key.digest == same.digest and len(key.digest) == 64
    others = [
        ExportKey('b' * 64, key.settings, key.versions),
        ExportKey(key.checkpoint_sha256, dict(key.settings, opset=19), key.versions),
        ExportKey(key.checkpoint_sha256, key.settings, dict(toolkit='0.2.0')),
    ]
    assert len({key.digest} | {other.digest for other in others}) == 4


@pytest.fixture
def key():
    return ExportKey(ABC_SHA256, dict(opset=18, view_shape=(3, 8, 56, 56)), dict(toolkit='0.1.0'))


def test_stored_entry_is_found_and_records_its_key(tmp_path, key):
    cache = OnnxCache(str(tmp_path / 'cache'))
    assert cache.lookup(key) is None
    path = cache.store(key, lambda out: open(out, 'wb').write(b'graph bytes'))
    assert path == str(tmp_path / 'cache' / f'{key.digest}.onnx')
    assert cache.lookup(key) == path
    with open(path, 'rb') as f:
        assert f.read() == b'graph bytes'
    with open(tmp_path / 'cache' / f'{key.digest}.json') as f:
        meta = json.load(f)
    assert meta['key']['checkpoint_sha256'] == ABC_SHA256
    assert meta['key']['settings'] == {'opset': 18, 'view_shape': [3, 8, 56, 56]}
    # nothing else is left in the folder (no temporary files)
    assert sorted(os.listdir(tmp_path / 'cache')) == [f'{key.digest}.json', f'{key.digest}.onnx']


def test_damaged_or_incomplete_entries_are_not_trusted(tmp_path, key):
    cache = OnnxCache(str(tmp_path))
    path = cache.store(key, lambda out: open(out, 'wb').write(b'graph bytes'))
    with open(path, 'r+b') as f:  # one byte changed
        f.write(b'G')
    assert cache.lookup(key) is None
    cache.store(key, lambda out: open(out, 'wb').write(b'graph bytes'))
    assert cache.lookup(key) == path
    os.truncate(path, 5)
    assert cache.lookup(key) is None
    cache.store(key, lambda out: open(out, 'wb').write(b'graph bytes'))
    os.remove(tmp_path / f'{key.digest}.json')  # an export cut off before its record
    assert cache.lookup(key) is None
    with open(tmp_path / f'{key.digest}.json', 'w') as f:
        f.write('{"key": ')
    assert cache.lookup(key) is None


def test_failed_export_leaves_the_cache_as_it_was(tmp_path, key):
    cache = OnnxCache(str(tmp_path))

    def fail(out):
        with open(out, 'wb') as f:
            f.write(b'half a gra')
        raise RuntimeError('export failed')

    with pytest.raises(RuntimeError, match='export failed'):
        cache.store(key, fail)
    assert os.listdir(tmp_path) == []
    assert cache.lookup(key) is None
