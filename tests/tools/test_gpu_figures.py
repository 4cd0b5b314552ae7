"""tools/analysis/gpu_figures.sh runs its commands on the CPU with tiny settings.

Stages 3 to 7 hold every kind of command of the script (the benchmark's model
rows with every option, the end-to-end and data rows, frame generation,
benchmark.py and the table); stage 2 repeats stage 4's model rows at another
batch size and stage 1 is the golden test run, which the suite runs anyway,
so both are left out to keep the test short.
"""

import os
import os.path as osp
import subprocess

import pytest
from tpn_run_helpers import CONFIG, ROOT, env

SCRIPT = osp.join(ROOT, 'tools', 'analysis', 'gpu_figures.sh')

# Stand-in for the SlowOnly-R50 config: the tiny synthetic TPN, trained from raw frames as
# the Kinetics config is.
TINY_SLOWONLY_CONFIG = """
_base_ = [{base!r}]
train_pipeline = [
    dict(type='SampleFrames', clip_len=8, frame_interval=2, num_clips=1),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='Normalize', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs', 'label']),
]
data = dict(train=dict(type='RawframeDataset', pipeline=train_pipeline))
"""

# Stand-in for the TSM-R50 config: the same recognizer with a tiny backbone, 32 px.
TINY_TSM_CONFIG = """
_base_ = [{base!r}]
model = {model!r}
train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs', 'label']),
]
data = dict(train=dict(pipeline=train_pipeline))
"""


@pytest.mark.slow
def test_every_row_runs_on_the_cpu(tmp_path, tiny_tsm_model):
    slowonly, tsm = tmp_path / 'tiny_slowonly.py', tmp_path / 'tiny_tsm.py'
    slowonly.write_text(TINY_SLOWONLY_CONFIG.format(base=CONFIG))
    tsm.write_text(
        TINY_TSM_CONFIG.format(base=CONFIG, model=dict(_delete_=True, **tiny_tsm_model()))
    )
    out = tmp_path / 'figures'
    settings = dict(
        DEVICE='cpu', OUT=str(out), SLOWONLY=str(slowonly), TSM=str(tsm), BATCH='2', MEM_BATCH='1',
        ITERS='1', WARMUP='1', COMPILE_OPTS='compile.disable=True', WORKERS='0',
        FRAMES='16', WIDTH='64', HEIGHT='64', PER_CLASS='1', TEST_ITERS='1', DEADLINE='3000',
        STAGES='3 4 5 6 7',
    )  # fmt: skip
    proc = subprocess.run(
        ['bash', SCRIPT], cwd=ROOT, env=dict(env(), **settings), capture_output=True,
        text=True, timeout=1500,
    )  # fmt: skip
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]
    assert (out / 'failed.txt').read_text() == '', log[-6000:]
    table = (out / 'table.md').read_text().splitlines()
    labels = [line.split('|')[1].strip() for line in table[2:]]
    assert labels == [
        'TSM bf16+cl+compile b2', 'TSM bf16+cl b2',
        'SlowOnly fp32 b1 (memory)', 'SlowOnly bf16+cl+compile b1 (memory)',
        'SlowOnly bf16+cl+with_cp b1 (memory)', 'SlowOnly e2e bf16+cl+compile b2',
        'SlowOnly data b2', 'SlowOnly bf16+cl b2 cudnn.benchmark on',
        'SlowOnly bf16+cl b2 cudnn.benchmark off', 'SlowOnly bf16+cl+compile b2 (profiled)',
    ]  # fmt: skip
    assert log.count('video/s (') == 2  # the two test-speed rows of benchmark.py
    assert 'waiting for data:' in log and 'where the time goes (torch.profiler):' in log
    assert os.path.isfile(out / 'frames' / 'synthetic_train_list_rawframes.txt')
