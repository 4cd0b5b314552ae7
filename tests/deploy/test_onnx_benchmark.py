"""The three-way CPU benchmark: speeds from medians, turns, the markdown table."""

import numpy as np
import pytest
import torch

from mmaction.deploy.onnx_benchmark import (
    EAGER,
    FUSED,
    ORT,
    SpeedComparison,
    markdown_table,
    time_in_turns,
)


@pytest.fixture
def comparison():
    return SpeedComparison(
        model='Recognizer3D (slowonly.py)',
        input_shape=(2, 30, 3, 8, 256, 256),
        threads=2,
        seconds={
            EAGER: [1.0, 9.0, 4.0],  # median 4 s for 2 videos
            FUSED: [3.0, 2.5, 5.0],  # median 3 s
            ORT: [0.5, 1.0, 8.0],  # median 1 s
        },
    )


def test_speeds_come_from_medians_and_batch_size(comparison):
    assert comparison.videos_per_s(EAGER) == pytest.approx(0.5)
    assert comparison.videos_per_s(FUSED) == pytest.approx(2 / 3)
    assert comparison.videos_per_s(ORT) == pytest.approx(2.0)
    assert comparison.speedup(ORT) == pytest.approx(4.0)


def test_markdown_table(comparison):
    assert markdown_table([comparison]).splitlines() == [
        '| Model | Input (one video) | PyTorch eager | PyTorch --fuse-conv-bn | ONNX Runtime '
        '| ORT / eager |',
        '|---|---|---|---|---|---|',
        '| Recognizer3D (slowonly.py) | (2, 30, 3, 8, 256, 256) | 0.5000 | 0.6667 | 2.0000 '
        '| 4.00x |',
    ]


def test_runners_take_turns_each_round_starting_one_further():
    calls = []

    def runner(name):
        def run(imgs):
            calls.append(name)
            return np.full(2, len(calls))

        return run

    seconds, outputs = time_in_turns(
        {name: runner(name) for name in 'abc'}, torch.zeros(1), rounds=4, warmup=1
    )
    # one warm-up round, then four rounds in turns
    assert calls == list('abc') + list('abc') + list('bca') + list('cab') + list('abc')
    assert {name: len(times) for name, times in seconds.items()} == {'a': 4, 'b': 4, 'c': 4}
    assert outputs['b'].tolist() == [14, 14]  # the last call of each is kept
