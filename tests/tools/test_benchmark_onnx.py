"""tools/analysis/benchmark_onnx.py on the synthetic config (random weights)."""

import pytest
import torch
from tool_loader import load_tool
from tpn_run_helpers import CONFIG


@pytest.mark.slow
def test_benchmark_times_both_in_turns(capsys):
    benchmark = load_tool('tools/analysis/benchmark_onnx.py')
    result = benchmark.main([CONFIG, '--rounds', '2', '--warmup', '0'])
    out = capsys.readouterr().out
    # one video of the synthetic test pipeline: 1 view of 8 frames of 56x56
    assert result.input_shape == (1, 1, 3, 8, 56, 56)
    assert result.threads == torch.get_num_threads()
    assert len(result.torch_seconds) == len(result.ort_seconds) == 2
    assert min(result.torch_seconds + result.ort_seconds) > 0
    assert result.max_abs_diff < 1e-4  # both ran the same model on the same input
    assert 'PyTorch eager' in out and 'ONNX Runtime' in out
    assert f'ONNX Runtime / PyTorch: {result.speedup:.2f}x' in out
