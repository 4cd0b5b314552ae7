"""The speed options through the real tools: train.py with the config keys, test.py flags."""

import json
import os.path as osp
import sys

import pytest
import torch
from tpn_run_helpers import CONFIG, TEST, data_options, load_ckpt, run, train


@pytest.mark.slow
def test_train_with_channels_last_compile_and_fused_sgd(
    tiny_synthetic, tiny_trained_run, tmp_path, monkeypatch
):
    work_dir = str(tmp_path / 'fast')
    # 16 videos in batches of 6: a short last batch in training (4) and validation (2).
    opts = data_options(tiny_synthetic, videos_per_gpu=6) + [
        'total_epochs=2', 'evaluation.interval=1', 'channels_last=True',
        'compile.backend=eager', 'optimizer.fused=True',
    ]  # fmt: skip
    monkeypatch.setenv('TORCH_LOGS', 'recompiles')  # dynamo logs every recompilation
    out = train(work_dir, opts, '--validate', '--seed', '0')
    log = out.stdout + out.stderr
    assert 'Model execution: ' in log and 'channels-last, torch.compile(eager)' in log
    assert 'torch.compile failed' not in log and 'does not work here' not in log
    # Backbone, neck and head recompile once for the short batch and once for
    # validation (grad mode), then never again.
    assert log.count('Recompiling function') <= 6, log
    assert 'recompile_limit' not in log and 'cache_size_limit' not in log

    checkpoint = load_ckpt(osp.join(work_dir, 'epoch_2.pth'))
    expected = load_ckpt(tiny_trained_run.checkpoint)['state_dict']
    state = checkpoint['state_dict']
    assert list(state) == list(expected)  # MMAction2's names: no _orig_mod. prefix
    assert all(state[k].shape == expected[k].shape for k in state)
    assert state['backbone.conv1.conv.weight'].is_contiguous(memory_format=torch.channels_last_3d)
    assert checkpoint['optimizer']['param_groups'][0]['fused'] is True
    assert all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point())


@pytest.mark.slow
def test_test_tool_with_fused_bn_channels_last_and_amp(tiny_trained_run, tmp_path):
    out_file = str(tmp_path / 'fast.json')
    res = run([sys.executable, TEST, CONFIG, tiny_trained_run.checkpoint,
               '--work-dir', str(tmp_path), '--out', out_file, '--fuse-conv-bn',
               '--channels-last', '--amp', 'fp16', '--cfg-options',
               *tiny_trained_run.cfg_options])  # fmt: skip
    log = res.stdout + res.stderr
    atol = 1e-2  # fp16 autocast on a GPU
    if not torch.cuda.is_available():
        assert 'fp16 requested, but float16 with loss scaling needs a CUDA GPU: using fp32.' in log
        atol = 1e-5
    with open(out_file) as f:
        fast = json.load(f)
    with open(tiny_trained_run.result_json) as f:
        reference = json.load(f)
    # On the CPU, conv-BN folding and channels-last change the order of float32 sums only.
    torch.testing.assert_close(torch.tensor(fast), torch.tensor(reference), rtol=0, atol=atol)
