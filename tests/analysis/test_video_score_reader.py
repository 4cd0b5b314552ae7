"""Reading tools/test.py --out files: every format, null entries, and nothing that runs code."""

import json
import os
import pickle

import numpy as np
import pytest
import yaml

from mmaction.analysis.video_score_reader import load_video_scores
from mmaction.engine import DumpVideoScores
from mmaction.utils import ResultFileError

SCORES = [[0.1, 0.7, 0.2], None, [0.5, 0.25, 0.25], None]


@pytest.mark.parametrize('suffix', ['.json', '.pkl', '.yaml'])
def test_formats_with_null_entries(tmp_path, suffix):
    path = tmp_path / f'result{suffix}'
    if suffix == '.json':
        path.write_text(json.dumps(SCORES))
    elif suffix == '.yaml':
        path.write_text(yaml.safe_dump(SCORES))
    else:  # as tools/test.py pickles them: float32 arrays, None for unreadable videos
        arrays = [None if s is None else np.asarray(s, dtype=np.float32) for s in SCORES]
        path.write_bytes(pickle.dumps(arrays))
    scores = load_video_scores(path)
    assert scores.indices.tolist() == [0, 2]
    np.testing.assert_allclose(scores.scores, [SCORES[0], SCORES[2]], rtol=1e-6)
    assert scores.coverage() == 'over 2 of 4 videos (2 unreadable)'
    assert scores.source == str(path)


@pytest.mark.parametrize('suffix', ['.json', '.pkl'])
def test_reads_what_the_dumper_writes(tmp_path, suffix):
    import torch

    out = tmp_path / f'scores{suffix}'
    metric = DumpVideoScores(out_file=str(out))
    vectors = [torch.tensor([0.2, 0.8]), None, torch.tensor([0.6, 0.4])]  # None: unreadable
    metric.process(None, [dict(pred_score=v) for v in vectors])
    metric.evaluate(3)
    scores = load_video_scores(out)
    np.testing.assert_allclose(scores.scores, torch.stack([vectors[0], vectors[2]]).numpy())
    assert scores.indices.tolist() == [0, 2]
    assert scores.coverage() == 'over 2 of 3 videos (1 unreadable)'


def test_a_pickle_that_would_run_code_is_refused_unrun(tmp_path):
    marker = tmp_path / 'ran'

    class Payload:
        def __reduce__(self):
            return (os.mkdir, (str(marker),))

    path = tmp_path / 'evil.pkl'
    path.write_bytes(pickle.dumps([np.zeros(3, dtype=np.float32), Payload()]))
    with pytest.raises(ResultFileError, match=r'Refusing to load .*evil.pkl: it pickles .*mkdir'):
        load_video_scores(path)
    assert not marker.exists()


def test_bad_files_are_named(tmp_path):
    with pytest.raises(ResultFileError, match=r'result.txt: a result file .* ends with one of'):
        load_video_scores(tmp_path / 'result.txt')
    with pytest.raises(FileNotFoundError, match='missing.json'):
        load_video_scores(tmp_path / 'missing.json')
    broken = tmp_path / 'broken.json'
    broken.write_text('[[0.1, 0.9], [0.3')
    with pytest.raises(ResultFileError, match='broken.json is not a readable json score file'):
        load_video_scores(broken)
    yaml_object = tmp_path / 'object.yaml'
    yaml_object.write_text('!!python/object/apply:os.system ["true"]\n')
    with pytest.raises(ResultFileError, match='object.yaml is not a readable yaml score file'):
        load_video_scores(yaml_object)
