"""tools/analysis/bench_processing.py runs a 0.x config's train pipeline end to end."""

import importlib.util
from pathlib import Path

TOOL = Path(__file__).parents[2] / 'tools' / 'analysis' / 'bench_processing.py'

CONFIG = """
data = dict(
    videos_per_gpu=2,
    workers_per_gpu=0,
    train=dict(
        type='VideoDataset',
        ann_file='{root}/list.txt',
        data_prefix='{root}/videos',
        pipeline=[
            dict(type='DecordInit'),
            dict(type='SampleFrames', clip_len=4, frame_interval=2, num_clips=1),
            dict(type='DecordDecode'),
            dict(type='FormatShape', input_format='NCTHW'),
            dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
            dict(type='ToTensor', keys=['imgs', 'label']),
        ],
    ),
)
"""


def test_bench_processing_reports_clips_per_second(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location('bench_processing', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    config = tmp_path / 'cfg.py'
    config.write_text(CONFIG.format(root=tmp_path))
    argv = [
        str(config),
        '--make-videos',
        '2',
        '--video-size',
        '32',
        '24',
        '--video-seconds',
        '1',
        '--num-samples',
        '4',
        '--num-classes',
        '2',
    ]
    assert tool.main(argv) == 0
    out = capsys.readouterr().out
    assert 'wrote 2 videos' in out
    assert 'batch imgs (2, 1, 3, 4, 24, 32)' in out
    assert '4 clips in' in out and 'clips/s' in out
