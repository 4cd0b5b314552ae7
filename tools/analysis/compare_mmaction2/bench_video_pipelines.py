"""Compare our Kinetics data pipelines with MMAction2 1.x's: clips/s, same data, same workers.

Self-contained: it writes Kinetics-like videos (340x256, 30 fps, 10 s, h264
with B-frames and libx264's default key-frame interval), extracts their JPEG
frames (``tools/data/build_rawframes.py``) and re-encodes them with a short
key-frame interval (``tools/data/resize_videos.py``), unless that data is in
``--work-dir`` already; then it times each case on both sides, interleaved,
``--repeats`` times, and prints the medians and their ratio.

Both sides run in fresh processes through the same timing code
(``mmaction/analysis/loader_timing.py``): ours through
``tools/analysis/bench_processing.py``, MMAction2 through
``mmaction2_pipeline_speed.py`` (in this folder) started by ``--mmaction2-python``
(a separate environment: its package is also called ``mmaction``). Each
side's pipelines come from its own TPN Kinetics config: the seed config
``tpn_imagenet_pretrained_slowonly_r50_8x8x1_150e_kinetics_rgb.py`` (raw
frames; videos: ``DecordInit``/``DecordDecode`` in place of
``RawFrameDecode``, as MMAction2 1.x has it) and MMAction2's
``tpn-slowonly_imagenet-pretrained-r50_8xb8-8x8x1-150e_kinetics400-rgb.py``
(videos; raw frames: ``RawFrameDecode`` in place of the decord steps).

Cases: ``video_train`` (training pipeline without ``ColorJitter``, which
overflows in MMAction2 1.2.0 under numpy 2), ``video_train_cj`` (with it;
MMAction2 with ``hue=(0, 0.1)``, the shifts that do not overflow),
``rawframe_train`` (the same frames as JPEG files), ``video_test`` (10 clips x
3 crops, batch 1: videos/s), ``video_train_keyint`` (``video_train`` on the
re-encoded videos).

Example::

    python tools/analysis/compare_mmaction2/bench_video_pipelines.py \\
        --mmaction2-python /work/venvs/mmaction2/bin/python --workers 2 --repeats 3
"""

import argparse
import glob
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
from typing import Dict, List, Optional

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
HERE = osp.dirname(osp.abspath(__file__))
OUR_CONFIG = (
    'configs/recognition/tpn/tpn_imagenet_pretrained_slowonly_r50_8x8x1_150e_kinetics_rgb.py'
)
MMA2_CONFIG = 'configs/recognition/tpn/tpn-slowonly_imagenet-pretrained-r50_8xb8-8x8x1-150e_kinetics400-rgb.py'
CASES = ('video_train', 'video_train_cj', 'rawframe_train', 'video_test', 'video_train_keyint')
# Samples timed per case, relative to --num-samples (raw frames load fast,
# a test video is 30 clips).
SAMPLE_SCALE = dict(rawframe_train=4.0, video_test=0.125)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Our data pipelines against MMAction2 1.x')
    parser.add_argument('--mmaction2-python', help='Python of an MMAction2 1.x environment')
    parser.add_argument('--mmaction2-config', help=f'its TPN config (default: its {MMA2_CONFIG})')
    parser.add_argument('--work-dir', default='data/bench_video_pipelines', help='data and results')
    parser.add_argument('--videos', type=int, default=16, help='videos to generate')
    parser.add_argument('--seconds', type=float, default=10.0, help='length of the videos')
    parser.add_argument('--size', type=int, nargs=2, default=(340, 256), metavar=('W', 'H'))
    parser.add_argument('--keyint', type=int, default=16, help='key-frame interval, re-encoded')
    parser.add_argument('--workers', type=int, default=2, help='data-loader workers, both sides')
    parser.add_argument('--batch-size', type=int, default=8, help='training batch size')
    parser.add_argument('--num-samples', type=int, default=160, help='training clips per run')
    parser.add_argument('--repeats', type=int, default=3, help='interleaved runs per side')
    parser.add_argument('--cases', nargs='+', default=list(CASES), choices=CASES)
    parser.add_argument(
        '--stages',
        type=int,
        default=0,
        metavar='N',
        help='profile each pipeline step on N samples (first repeat)',
    )
    return parser.parse_args(argv)


def run_json(cmd: List[str], env: Optional[dict] = None, cwd: Optional[str] = None) -> dict:
    """Run a command and parse the JSON object on its last output line."""
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    if proc.returncode != 0:
        raise RuntimeError(f'{" ".join(cmd)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-4000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_tool(script: str, *args: str) -> None:
    """Run one of this project's ``tools/data`` scripts, its output hidden."""
    cmd = [sys.executable, osp.join(REPO, 'tools', 'data', script), *args]
    subprocess.run(
        cmd, check=True, env=dict(os.environ, PYTHONPATH=REPO), stdout=subprocess.DEVNULL
    )


def prepare_data(args: argparse.Namespace) -> Dict[str, str]:
    """Generate the videos, and the frames or re-encoded copies the cases need.

    What exists is kept between runs (the folder names hold the settings).
    """
    from mmaction.datasets.annotation_list import format_annotation_line
    from mmaction.utils.natural_video import make_natural_video_set

    width, height = args.size
    tag = f'{width}x{height}_{args.seconds:g}s'
    root = osp.abspath(args.work_dir)
    paths = dict(
        videos=osp.join(root, f'videos_{tag}'),
        video_list=osp.join(root, f'videos_{tag}.txt'),
        frames=osp.join(root, f'rawframes_{tag}'),
        frame_list=osp.join(root, f'rawframes_{tag}.txt'),
        keyint_videos=osp.join(root, f'videos_{tag}_keyint{args.keyint}'),
    )
    videos = make_natural_video_set(
        paths['videos'],
        paths['video_list'],
        args.videos,
        workers=2,
        width=width,
        height=height,
        seconds=args.seconds,
    )
    if 'rawframe_train' in args.cases:
        run_tool(
            'build_rawframes.py',
            paths['videos'],
            paths['frames'],
            '--level',
            '1',
            '--ext',
            'mp4',
            '--num-worker',
            '2',
            '--resume',
        )
        with open(paths['frame_list'], 'w') as file:
            for index, video in enumerate(videos):
                name = osp.splitext(osp.basename(video))[0]
                count = len(glob.glob(osp.join(paths['frames'], name, '*.jpg')))
                record = dict(frame_dir=name, total_frames=count, label=index % 400)
                file.write(format_annotation_line(record) + '\n')
    if 'video_train_keyint' in args.cases:
        run_tool(
            'resize_videos.py',
            paths['videos'],
            paths['keyint_videos'],
            '--scale',
            str(min(width, height)),
            '--keyint',
            str(args.keyint),
            '--num-worker',
            '2',
            '--resume',
        )
    return paths


def _without(pipeline: List[dict], name: str) -> List[dict]:
    return [dict(step) for step in pipeline if step['type'] != name]


def frames_to_video(pipeline: List[dict]) -> List[dict]:
    """A raw-frame pipeline with ``DecordInit``/``DecordDecode`` instead of ``RawFrameDecode``."""
    steps = [dict(type='DecordInit')]
    for step in pipeline:
        steps.append(dict(type='DecordDecode') if step['type'] == 'RawFrameDecode' else dict(step))
    return steps


def video_to_frames(pipeline: List[dict]) -> List[dict]:
    """A decord pipeline with ``RawFrameDecode`` instead of ``DecordInit``/``DecordDecode``."""
    steps = _without(pipeline, 'DecordInit')
    return [dict(type='RawFrameDecode') if s['type'] == 'DecordDecode' else s for s in steps]


def case_pipelines(case: str, ours, theirs) -> tuple:
    """``(our pipeline, MMAction2 pipeline)`` of a case, from the two configs."""
    if case == 'video_test':
        return frames_to_video(ours.test_pipeline), list(theirs.test_pipeline)
    if case == 'rawframe_train':
        return (
            _without(ours.train_pipeline, 'ColorJitter'),
            video_to_frames(_without(theirs.train_pipeline, 'ColorJitter')),
        )
    if case == 'video_train_cj':
        jitter = [
            dict(s, hue=(0.0, 0.1)) if s['type'] == 'ColorJitter' else dict(s)
            for s in theirs.train_pipeline
        ]
        return frames_to_video(ours.train_pipeline), jitter
    return (
        frames_to_video(_without(ours.train_pipeline, 'ColorJitter')),
        _without(theirs.train_pipeline, 'ColorJitter'),
    )


def write_specs(case: str, args, paths: Dict[str, str], configs) -> Dict[str, str]:
    """Write our 0.x config and MMAction2's dataset spec for a case; return their paths."""
    from mmengine.config import Config

    ours, theirs = case_pipelines(case, *configs)
    test = case == 'video_test'
    if case == 'rawframe_train':
        source = dict(ann_file=paths['frame_list'], prefix=paths['frames'], kind='img')
        our_type, their_type = 'RawframeDataset', 'RawframeDataset'
    else:
        folder = paths['keyint_videos'] if case == 'video_train_keyint' else paths['videos']
        source = dict(ann_file=paths['video_list'], prefix=folder, kind='video')
        our_type, their_type = 'VideoDataset', 'VideoDataset'
    batch_size = 1 if test else args.batch_size
    our_dataset = dict(
        type=our_type,
        ann_file=source['ann_file'],
        data_prefix=source['prefix'],
        pipeline=ours,
        test_mode=test,
    )
    their_dataset = dict(
        type=their_type,
        ann_file=source['ann_file'],
        data_prefix={source['kind']: source['prefix']},
        pipeline=theirs,
        test_mode=test,
    )
    folder = osp.join(osp.abspath(args.work_dir), 'specs')
    os.makedirs(folder, exist_ok=True)
    our_path, their_path = osp.join(folder, f'{case}_ours.py'), osp.join(folder, f'{case}_mma2.py')
    Config(
        dict(data=dict(videos_per_gpu=batch_size, workers_per_gpu=args.workers, train=our_dataset))
    ).dump(our_path)
    Config(dict(dataset=their_dataset, batch_size=batch_size)).dump(their_path)
    return dict(ours=our_path, mmaction2=their_path)


def run_side(side: str, spec: str, samples: int, args, stages: int) -> dict:
    """Time one side once, in a fresh process."""
    common = ['--workers', str(args.workers), '--num-samples', str(samples), '--json']
    common += ['--stages', str(stages)] if stages else []
    if side == 'ours':
        cmd = [sys.executable, osp.join(REPO, 'tools', 'analysis', 'bench_processing.py'), spec]
        cmd += common
        return run_json(cmd, env=dict(os.environ, PYTHONPATH=REPO), cwd=REPO)
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    cmd = [args.mmaction2_python, osp.join(HERE, 'mmaction2_pipeline_speed.py'), spec, *common]
    result = run_json(cmd, env=env, cwd=osp.dirname(spec))
    if not result.get('version', '').startswith('MMAction2 1.'):
        raise RuntimeError(f'{args.mmaction2_python} did not run MMAction2 1.x: {result}')
    return result


def mmaction2_config(args) -> str:
    """Path of MMAction2's TPN Kinetics config, asked from its interpreter if not given."""
    if args.mmaction2_config:
        return args.mmaction2_config
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    code = 'import mmaction, os; print(os.path.dirname(os.path.abspath(mmaction.__file__)))'
    package = subprocess.run(
        [args.mmaction2_python, '-c', code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd='/',
    ).stdout.strip()
    for root in (osp.dirname(package), osp.join(package, '.mim')):
        if osp.isfile(osp.join(root, MMA2_CONFIG)):
            return osp.join(root, MMA2_CONFIG)
    raise FileNotFoundError(f'{MMA2_CONFIG} not found near {package}; pass --mmaction2-config')


def _median(results: List[dict], key: str) -> float:
    return statistics.median(result[key] for result in results)


def _row(case: str, sides: Dict[str, List[dict]]) -> str:
    ours, theirs = sides['ours'], sides.get('mmaction2')
    rate, cpu = _median(ours, 'clips_per_s'), _median(ours, 'cpu_ms_per_clip')
    runs = ', '.join(f'{r["clips_per_s"]:.1f}' for r in ours)
    cells = [case, 'videos/s' if case == 'video_test' else 'clips/s', f'{rate:.2f}']
    if theirs:
        their_rate, their_cpu = _median(theirs, 'clips_per_s'), _median(theirs, 'cpu_ms_per_clip')
        runs += ' / ' + ', '.join(f'{r["clips_per_s"]:.1f}' for r in theirs)
        cells += [f'{their_rate:.2f}', f'{rate / their_rate:.2f}x']
        cells += [f'{cpu:.0f}', f'{their_cpu:.0f}', f'{their_cpu / cpu:.2f}x']
    else:
        cells += ['-', '-', f'{cpu:.0f}', '-', '-']
    return '| ' + ' | '.join(cells + [runs]) + ' |'


def summarize(runs: Dict[str, Dict[str, List[dict]]], workers: int) -> str:
    """A markdown table of the medians of each side, their ratios and the single runs.

    Rates are wall-clock; CPU ms per clip (all processes) is the steadier
    figure on a busy machine. Ratios are ours over MMAction2's speed.
    """
    lines = [
        '| case | unit | ours | MMAction2 | ratio | CPU ms/clip, ours | CPU ms/clip, MMAction2 '
        '| CPU ratio | runs (ours / MMAction2) |',
        '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ]
    lines += [_row(case, sides) for case, sides in runs.items()]
    if 'video_train' in runs and 'video_train_cj' in runs:
        plain = _median(runs['video_train']['ours'], 'clips_per_s')
        jitter = _median(runs['video_train_cj']['ours'], 'clips_per_s')
        cpu = _median(runs['video_train_cj']['ours'], 'cpu_ms_per_clip') - _median(
            runs['video_train']['ours'], 'cpu_ms_per_clip'
        )
        lines.append(
            f'\nColorJitter (ours): {plain:.1f} -> {jitter:.1f} clips/s with {workers} workers, '
            f'{cpu:.1f} CPU ms per clip'
        )
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from mmengine.config import Config

    from mmaction.analysis.loader_timing import format_stages

    sides = ['ours'] + (['mmaction2'] if args.mmaction2_python else [])
    configs = (
        Config.fromfile(osp.join(REPO, OUR_CONFIG)),
        Config.fromfile(mmaction2_config(args)) if args.mmaction2_python else None,
    )
    if configs[1] is None:
        configs = (configs[0], configs[0])  # pipelines only used for our side
    paths = prepare_data(args)
    specs = {case: write_specs(case, args, paths, configs) for case in args.cases}
    runs = {case: {side: [] for side in sides} for case in args.cases}
    for repeat in range(args.repeats):
        order = sides if repeat % 2 == 0 else sides[::-1]
        for case in args.cases:
            samples = max(8, int(args.num_samples * SAMPLE_SCALE.get(case, 1.0)))
            for side in order:
                result = run_side(
                    side, specs[case][side], samples, args, args.stages if repeat == 0 else 0
                )
                runs[case][side].append(result)
                print(
                    f'[{repeat + 1}/{args.repeats}] {case} {side}: {result["clips_per_s"]:.2f}/s',
                    flush=True,
                )
                if 'stages' in result:
                    print(format_stages(result['stages']), flush=True)
    table = summarize(runs, args.workers)
    with open(osp.join(osp.abspath(args.work_dir), 'results.json'), 'w') as file:
        json.dump(dict(args=vars(args), runs=runs), file, indent=1)
    print(f'\n{args.videos} videos, {args.workers} workers, median of {args.repeats} runs:\n')
    print(table)
    return 0


if __name__ == '__main__':
    sys.exit(main())
