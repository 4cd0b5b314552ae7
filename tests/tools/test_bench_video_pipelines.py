"""tools/analysis/compare_mmaction2/bench_video_pipelines.py: data, derived pipelines, timing table (our side)."""

import json
from pathlib import Path

import pytest
from mmengine.config import Config
from tool_loader import REPO, load_tool

tool = load_tool('tools/analysis/compare_mmaction2/bench_video_pipelines.py')


def test_pipelines_are_the_seed_configs_with_the_decoding_swapped():
    seed = Config.fromfile(Path(REPO) / tool.OUR_CONFIG)
    video = tool.frames_to_video(seed.train_pipeline)
    types = [step['type'] for step in video]
    assert types[:3] == ['DecordInit', 'SampleFrames', 'DecordDecode']
    assert types[3:] == [step['type'] for step in seed.train_pipeline][2:]
    back = tool.video_to_frames(video)
    assert back == [dict(step) for step in seed.train_pipeline]
    ours, _ = tool.case_pipelines('video_train', seed, Config(dict(train_pipeline=video)))
    assert 'ColorJitter' not in [step['type'] for step in ours]


@pytest.mark.slow
def test_our_side_end_to_end(tmp_path, capsys):
    work = tmp_path / 'bench'
    argv = ['--work-dir', str(work), '--videos', '2', '--seconds', '1', '--size', '64', '48',
            '--num-samples', '8', '--batch-size', '2', '--repeats', '1', '--workers', '0',
            '--cases', 'video_train']  # fmt: skip
    assert tool.main(argv) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith('| video_train')]
    assert len(rows) == 1 and 'clips/s' in rows[0]
    runs = json.loads((work / 'results.json').read_text())['runs']
    result = runs['video_train']['ours'][0]
    assert result['clips'] == 8 and result['first_batch_shape'] == [2, 1, 3, 8, 224, 224]
    assert (work / 'videos_64x48_1s' / 'video_00001.mp4').is_file()
    assert 'video_train_ours.py' in [p.name for p in (work / 'specs').iterdir()]
