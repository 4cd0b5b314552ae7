"""tools/analysis/benchmark_onnx.py on the synthetic config (random weights)."""

import pytest
from tool_loader import load_tool
from tpn_run_helpers import CONFIG

from mmaction.deploy.onnx_benchmark import EAGER, FUSED, ORT
from mmaction.deploy.onnx_runtime import available_cores


@pytest.mark.slow
def test_benchmark_times_the_three_in_turns_and_prints_a_table(capsys):
    benchmark = load_tool('tools/analysis/benchmark_onnx.py')
    [result] = benchmark.main([CONFIG, '--rounds', '2', '--warmup', '0'])
    out = capsys.readouterr().out
    # one video of the synthetic test pipeline: 1 view of 8 frames of 56x56
    assert result.input_shape == (1, 1, 3, 8, 56, 56)
    assert result.threads == available_cores()
    assert list(result.seconds) == [EAGER, FUSED, ORT]
    assert all(len(times) == 2 and min(times) > 0 for times in result.seconds.values())
    # all ran the same model on the same input
    assert result.max_abs_diff[FUSED] < 1e-4 and result.max_abs_diff[ORT] < 1e-4
    row = (
        f'| {result.model} | (1, 1, 3, 8, 56, 56) | {result.videos_per_s(EAGER):.4f} | '
        f'{result.videos_per_s(FUSED):.4f} | {result.videos_per_s(ORT):.4f} | '
        f'{result.speedup(ORT):.2f}x |'
    )
    assert out.splitlines()[-1] == row


def test_one_config_options_are_refused_with_two(capsys):
    benchmark = load_tool('tools/analysis/benchmark_onnx.py')
    with pytest.raises(SystemExit):
        benchmark.parse_args([CONFIG, CONFIG, '--checkpoint', 'x.pth'])
    assert (
        capsys.readouterr().err.strip().endswith('error: --checkpoint is for one config; 2 given')
    )
