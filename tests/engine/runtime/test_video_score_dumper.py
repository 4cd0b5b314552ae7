"""--out files: one score vector per video, in data-set order, in json/pkl/yaml."""

import json
import pickle

import numpy as np
import pytest
import torch
import yaml

from mmaction.engine import DumpVideoScores


@pytest.mark.parametrize('suffix', ['.json', '.pkl', '.yaml'])
def test_dump_formats(tmp_path, suffix):
    out = tmp_path / f'result{suffix}'
    metric = DumpVideoScores(out_file=str(out))
    scores = [torch.tensor([0.1, 0.9]), torch.tensor([0.7, 0.3]), torch.tensor([0.5, 0.5])]
    metric.process(None, [dict(pred_score=s, gt_label=torch.tensor(0)) for s in scores[:2]])
    metric.process(None, [dict(pred_score=scores[2], gt_label=torch.tensor(1))])
    assert metric.evaluate(3) == {}
    if suffix == '.json':
        data = json.loads(out.read_text())
    elif suffix == '.pkl':
        data = pickle.loads(out.read_bytes())
        assert isinstance(data[0], np.ndarray)
    else:
        data = yaml.safe_load(out.read_text())
    np.testing.assert_allclose(np.array(data, dtype=np.float32), torch.stack(scores).numpy())


def test_bad_suffix_is_named():
    with pytest.raises(ValueError, match='result.txt'):
        DumpVideoScores(out_file='result.txt')
