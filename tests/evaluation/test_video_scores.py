"""VideoScores: per-video scores with unreadable (null) videos left out, and their fusion."""

import numpy as np
import pytest

from mmaction.evaluation import VideoScores, fuse_video_scores
from mmaction.utils import ResultFileError


def test_null_entries_are_left_out_and_counted():
    scores = VideoScores.from_entries([[0.1, 0.9], None, [0.6, 0.4], None, [0.5, 0.5]], 'r.json')
    assert scores.indices.tolist() == [0, 2, 4]
    assert scores.scores.tolist() == [[0.1, 0.9], [0.6, 0.4], [0.5, 0.5]]
    assert (scores.total, scores.num_read, scores.num_classes) == (5, 3, 2)
    assert scores.coverage() == 'over 3 of 5 videos (2 unreadable)'
    assert scores.select([10, 11, 12, 13, 14]).tolist() == [10, 12, 14]
    full = VideoScores.from_entries([[1, 2, 3]], 'r.json')
    assert full.coverage() == 'over 1 of 1 videos'


def test_labels_of_another_length_are_refused():
    scores = VideoScores.from_entries([[0.1, 0.9], None, [0.6, 0.4]], 'r.json')
    with pytest.raises(ResultFileError, match=r'r.json has 3 entries but the list x.txt has 4'):
        scores.select([0, 1, 0, 1], 'list x.txt')


@pytest.mark.parametrize(
    'entries, message',
    [
        ({'a': [1.0]}, 'expected a list with one score list per video'),
        ([None, None], 'none of its 2 entries holds scores'),
        ([[0.1, 0.9], [0.2, 0.3, 0.5]], 'entry 1 has 3 scores but entry 0 has 2'),
        ([[0.1, 0.9], 'abc'], 'entry 1 is not a list of numbers'),
        ([[[0.1, 0.9], [0.2, 0.8]]], r'entry 0 has shape \(2, 2\).*--average-clips'),
        ([[]], r'entry 0 has shape \(0,\)'),
    ],
)
def test_malformed_entries_are_named(entries, message):
    with pytest.raises(ResultFileError, match=message):
        VideoScores.from_entries(entries, 'r.json')


def test_fusion_weights_scores_of_videos_read_by_every_model():
    rgb = VideoScores.from_entries([[1.0, 0.0], [0.2, 0.8], None, [0.4, 0.6]], 'rgb.json')
    flow = VideoScores.from_entries([[0.0, 3.0], None, [1.0, 1.0], [0.5, 0.5]], 'flow.json')
    fused = fuse_video_scores([rgb, flow], [1.0, 2.0])
    assert fused.indices.tolist() == [0, 3]  # video 1 lacks flow, video 2 lacks rgb
    np.testing.assert_allclose(fused.scores, [[1.0, 6.0], [1.4, 1.6]])
    assert fused.coverage() == 'over 2 of 4 videos (2 unreadable)'
    assert fused.source == 'rgb.json + flow.json'

    soft = fuse_video_scores([rgb, flow], [1.0, 1.0], apply_softmax=True)
    e = np.exp
    expected_0 = [e(1) / (e(1) + 1) + 1 / (1 + e(3)), 1 / (e(1) + 1) + e(3) / (1 + e(3))]
    np.testing.assert_allclose(soft.scores[0], expected_0)
    np.testing.assert_allclose(soft.scores.sum(axis=1), [2.0, 2.0])


def test_fusion_refuses_files_that_do_not_match():
    a = VideoScores.from_entries([[1.0, 0.0], [0.2, 0.8]], 'a.json')
    with pytest.raises(ResultFileError, match='b.json has 3 videos x 2 classes but a.json has 2'):
        fuse_video_scores([a, VideoScores.from_entries([[1, 0]] * 3, 'b.json')], [1, 1])
    with pytest.raises(ResultFileError, match='c.json has 2 videos x 3 classes'):
        fuse_video_scores([a, VideoScores.from_entries([[1, 0, 0]] * 2, 'c.json')], [1, 1])
    with pytest.raises(ValueError, match='one coefficient per score file'):
        fuse_video_scores([a, a], [1.0])
    only_first = VideoScores.from_entries([[1.0, 0.0], None], 'd.json')
    only_second = VideoScores.from_entries([None, [1.0, 0.0]], 'e.json')
    with pytest.raises(ResultFileError, match='no video has scores in every file'):
        fuse_video_scores([only_first, only_second], [1, 1])
