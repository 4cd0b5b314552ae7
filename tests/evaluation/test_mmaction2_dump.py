"""load_mmaction2_dump: MMAction2 1.x's --dump files, read without running code."""

import io
import os
import pickle
from collections import OrderedDict
from pathlib import Path

import pytest
import torch

from mmaction.evaluation import load_mmaction2_dump
from mmaction.utils import ResultFileError

DUMP = (
    Path(__file__).resolve().parents[1] / 'data' / 'reference' / 'mmaction2_1x_tiny' / 'scores.pkl'
)


def test_reads_the_recorded_dump():
    records = load_mmaction2_dump(str(DUMP))
    assert len(records) == 8
    first = records[0]
    assert set(first) == {'pred_score', 'pred_label', 'gt_label', 'img_shape', 'num_classes'}
    assert first['pred_score'].dtype == torch.float32 and first['pred_score'].shape == (8,)
    assert first['pred_label'].dtype == torch.int64 and first['gt_label'].tolist() == [0]
    assert first['img_shape'] == (32, 32) and first['num_classes'] == 8
    # The scores are probabilities (average_clips='prob').
    assert abs(first['pred_score'].sum().item() - 1) < 1e-5


def test_reads_what_mmengine_dump_writes(tmp_path):
    # mmengine's dump is pickle.dump(obj, file, protocol=2): tensors go
    # through torch.storage._load_from_bytes and _codecs.encode.
    records = [OrderedDict(pred_score=torch.tensor([0.25, 0.75]), gt_label=torch.tensor([1]))]
    path = tmp_path / 'scores.pkl'
    path.write_bytes(pickle.dumps(records, protocol=2))
    loaded = load_mmaction2_dump(str(path))
    assert loaded[0]['pred_score'].tolist() == [0.25, 0.75]
    assert loaded[0]['gt_label'].tolist() == [1]


class _RunsCode:
    def __reduce__(self):
        return (os.system, ('echo pwned > /dev/null',))


def test_a_pickle_that_would_run_code_is_refused(tmp_path):
    path = tmp_path / 'evil.pkl'
    path.write_bytes(pickle.dumps([{'pred_score': _RunsCode()}], protocol=2))
    with pytest.raises(
        ResultFileError, match=r'Refusing to load .*evil.pkl: it pickles (posix|os)\.system'
    ):
        load_mmaction2_dump(str(path))


def test_storage_bytes_are_read_weights_only(tmp_path):
    # The storage bytes inside a dump are a torch.save pickle of their own;
    # one that would run code is refused too (torch's weights-only loader).
    inner = io.BytesIO()
    torch.save(_RunsCode(), inner)
    payload = pickle.dumps(inner.getvalue(), protocol=2)
    # Replace the plain bytes object with a call of torch.storage._load_from_bytes on it.
    evil = b'\x80\x02ctorch.storage\n_load_from_bytes\n' + payload[2:-1] + b'\x85R.'
    path = tmp_path / 'nested.pkl'
    path.write_bytes(evil)
    with pytest.raises(
        ResultFileError,
        match=r'Refusing to load .*nested.pkl: the bytes of one of its tensors hold a pickle',
    ):
        load_mmaction2_dump(str(path))


def test_other_content_is_one_clear_error(tmp_path):
    path = tmp_path / 'scores.pkl'
    path.write_bytes(pickle.dumps({'a': 1}, protocol=2))
    with pytest.raises(ResultFileError, match='expected a list of dicts with "pred_score"'):
        load_mmaction2_dump(str(path))
    path.write_bytes(b'\x80\x02]q')
    with pytest.raises(ResultFileError, match='is not a readable MMAction2 --dump file'):
        load_mmaction2_dump(str(path))
