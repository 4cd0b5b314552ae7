"""The training benchmark's figures: present, consistent with each other and with the model."""

import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmaction.analysis.bench_table import format_table
from mmaction.analysis.bench_train import BenchOptions, bench_train, format_result, peak_tflops
from mmaction.analysis.model_analysis import count_flops
from mmaction.engine.config.convert import model_cfg_for_testing
from mmaction.engine.model_builder import build_model
from mmaction.engine.speed import precision as precision_module
from mmaction.utils.errors import UserError

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'recognition', 'tpn', 'tpn_slowonly_r18_synthetic_rgb.py')
BATCH = 2


@pytest.fixture(scope='module')
def cfg(tiny_synthetic):
    cfg = Config.fromfile(CONFIG)
    cfg.merge_from_dict(
        {
            'data.train.ann_file': f'{tiny_synthetic}/synthetic_train_list_videos.txt',
            'data.train.data_prefix': f'{tiny_synthetic}/videos',
        }
    )
    return cfg


def _bench(cfg, part, **kwargs):
    options = BenchOptions(part=part, batch=BATCH, iters=1, warmup=1, **kwargs)
    return bench_train(cfg, CONFIG, options, 'cpu')


def test_model_part_figures_agree(cfg):
    result = _bench(cfg, 'model', peak_tflops=0.5)
    assert result.device == 'cpu' and result.part == 'model' and result.batch == BATCH
    assert result.input_shape == [BATCH, 1, 3, 8, 56, 56]
    assert result.precision == 'fp32' and not result.channels_last and not result.compiled
    assert result.clips_per_s * result.s_per_iter == pytest.approx(BATCH, rel=1e-9)
    assert result.peak_memory_mb is None  # CUDA only
    assert result.data_wait_fraction is None
    # Training FLOPs: forward plus backward, about three forward passes.
    model = build_model(model_cfg_for_testing(cfg))
    forward, _ = count_flops(model, torch.zeros(result.input_shape))
    assert 2.0 < result.flops_per_clip * BATCH / forward < 3.5
    assert result.achieved_tflops == pytest.approx(
        result.flops_per_clip * result.clips_per_s / 1e12
    )
    assert result.peak_tflops == 0.5
    assert result.mfu == pytest.approx(result.achieved_tflops / 0.5)
    assert result.versions['torch'] == torch.__version__
    text = format_result(result)
    assert f'torch {torch.__version__}' in text and 'MFU' in text and 'clips/s' in text


def test_data_and_all_parts(cfg):
    data = _bench(cfg, 'data')
    assert data.flops_per_clip is None and data.mfu is None and data.input_shape == []
    assert data.clips_per_s * data.s_per_iter == pytest.approx(BATCH, rel=1e-9)
    both = _bench(cfg, 'all')
    assert 0.0 < both.data_wait_fraction < 1.0
    assert both.flops_per_clip is not None and both.mfu is None  # no peak known for a CPU
    table = format_table(
        [dict(label='data', **data.to_dict()), dict(label='all', **both.to_dict())]
    )
    lines = table.splitlines()
    assert lines[0].startswith('| label | part | batch | clips/s') and len(lines) == 4
    assert lines[2].startswith('| data | data | 2 |') and '| n/a |' in lines[2]


def test_options_reach_the_model_and_fall_back(cfg, monkeypatch):
    monkeypatch.setattr(precision_module, 'bf16_supported', lambda device_type: False)
    monkeypatch.setattr(torch.backends.cudnn, 'benchmark', False)
    cfg = cfg.copy()
    cfg.compile = dict(backend='eager')  # --compile keeps the config's arguments
    result = _bench(
        cfg, 'model', precision='bf16', channels_last=True, compile=True, cudnn_benchmark=True
    )
    assert result.precision == 'fp32'  # no bfloat16 here: one line, then fp32
    assert result.channels_last and result.compiled and result.cudnn_benchmark
    (note,) = result.notes
    assert note.startswith('bf16 requested, but this CPU has no native bfloat16')
    assert format_result(result).splitlines()[0] == note
    # The compiled parts of the tiny TPN model trace without a graph break.
    assert result.graph_breaks == 0 and result.graph_break_reasons == []
    assert result.compile_s >= 0.0
    assert 'graph breaks: 0' in format_result(result)


def test_peak_table_and_device_check():
    assert peak_tflops('NVIDIA H200', 'bf16') == 989.0
    assert peak_tflops('NVIDIA H100 80GB HBM3', 'fp32') == 67.0
    assert peak_tflops('NVIDIA H100 80GB HBM3', 'tf32') == 495.0
    assert peak_tflops('Some GPU', 'bf16') is None
    if not torch.cuda.is_available():
        with pytest.raises(UserError, match='--device cuda'):
            bench_train({}, CONFIG, BenchOptions(), 'cuda')
