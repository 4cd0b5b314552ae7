"""Crash-safe checkpoint writing and finding the checkpoint to resume from."""

import os
import zipfile

import pytest
import torch

from mmaction.engine import (
    atomic_local_writes,
    atomic_write_bytes,
    find_resumable_checkpoint,
    is_complete_checkpoint,
)
from mmaction.engine.runtime.atomic_io import remove_partial_files


def _save(path, value):
    torch.save({'state_dict': {'w': torch.tensor([value])}}, path)


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / 'a.bin'
    atomic_write_bytes(target, b'old')
    atomic_write_bytes(target, b'new contents')
    assert target.read_bytes() == b'new contents'
    assert os.listdir(tmp_path) == ['a.bin']
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask  # as a plain open() would give


def test_failure_mid_write_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    target = tmp_path / 'epoch_1.pth'
    atomic_write_bytes(target, b'complete')

    def broken_fsync(fd):
        raise OSError('disk died mid-save')

    monkeypatch.setattr(os, 'fsync', broken_fsync)
    with pytest.raises(OSError, match='disk died'):
        atomic_write_bytes(target, b'half')
    assert target.read_bytes() == b'complete'
    assert os.listdir(tmp_path) == ['epoch_1.pth']


def test_mmengine_save_checkpoint_goes_through_atomic_put(tmp_path, monkeypatch):
    from mmengine.runner.checkpoint import save_checkpoint

    path = str(tmp_path / 'epoch_2.pth')
    (tmp_path / 'epoch_2.pth').write_bytes(b'previous')
    real_replace = os.replace

    def crash_before_rename(src, dst):
        raise KeyboardInterrupt('killed while saving')

    monkeypatch.setattr(os, 'replace', crash_before_rename)
    with pytest.raises(KeyboardInterrupt), atomic_local_writes():
        save_checkpoint({'state_dict': {'w': torch.ones(3)}}, path)
    monkeypatch.setattr(os, 'replace', real_replace)
    assert (tmp_path / 'epoch_2.pth').read_bytes() == b'previous'
    assert sorted(os.listdir(tmp_path)) == ['epoch_2.pth']
    with atomic_local_writes():
        save_checkpoint({'state_dict': {'w': torch.ones(3)}}, path)
    assert is_complete_checkpoint(path)


def test_is_complete_checkpoint_rejects_truncated_file(tmp_path):
    path = tmp_path / 'epoch_1.pth'
    _save(path, 1.0)
    assert is_complete_checkpoint(str(path))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert not is_complete_checkpoint(str(path))
    assert not zipfile.is_zipfile(path)


def test_find_resumable_prefers_pointer_then_newest_complete(tmp_path):
    assert find_resumable_checkpoint(str(tmp_path)) is None
    for epoch in (1, 2, 3):
        _save(tmp_path / f'epoch_{epoch}.pth', float(epoch))
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_2.pth'))
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_2.pth')
    # The pointer names a file cut short by a crash: fall back to the newest complete one.
    (tmp_path / 'epoch_2.pth').write_bytes(b'PK\x03\x04trunc')
    (tmp_path / 'epoch_3.pth').write_bytes(b'')
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_1.pth')
    # No pointer at all.
    os.remove(tmp_path / 'last_checkpoint')
    _save(tmp_path / 'epoch_10.pth', 10.0)
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_10.pth')


def test_remove_partial_files(tmp_path):
    (tmp_path / '.epoch_1.pth.abc.partial').write_bytes(b'x')
    (tmp_path / 'epoch_1.pth').write_bytes(b'x')
    assert remove_partial_files(str(tmp_path)) == 1
    assert os.listdir(tmp_path) == ['epoch_1.pth']


def test_find_resumable_takes_the_newest_of_epoch_and_iter_checkpoints(tmp_path):
    # Stopped by a signal in the middle of epoch 4: iter_14.pth is newer than epoch_3.pth.
    for name, mtime in (('epoch_3.pth', 1000), ('iter_14.pth', 2000), ('epoch_2.pth', 500)):
        _save(tmp_path / name, 0.0)
        os.utime(tmp_path / name, (mtime, mtime))
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_14.pth')
    os.utime(tmp_path / 'epoch_3.pth', (3000, 3000))  # epoch 3 finished again, after the stop
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_3.pth')
