"""SpeedComparison: videos/s from the median of the timed calls."""

import pytest

from mmaction.deploy.onnx_benchmark import SpeedComparison


def test_speeds_come_from_medians_and_batch_size():
    result = SpeedComparison(
        input_shape=(2, 30, 3, 8, 256, 256),
        threads=2,
        torch_seconds=[1.0, 9.0, 2.0],  # median 2 s for 2 videos
        ort_seconds=[0.5, 1.0, 8.0],  # median 1 s
    )
    assert result.torch_videos_per_s == pytest.approx(1.0)
    assert result.ort_videos_per_s == pytest.approx(2.0)
    assert result.speedup == pytest.approx(2.0)
