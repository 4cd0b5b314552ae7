"""Find videos of an annotation list that are missing or cannot be decoded.

Each video is opened and its first, middle and last frames are decoded with
the chosen decoder. Broken videos are printed with the reason and their
paths written, one per line, to the output file. The exit code is 0 whatever
was found; the last line says ``N of M videos are broken``.

Examples::

    python tools/analysis/check_videos.py data/kinetics400/kinetics400_val_list_videos.txt \
        --data-prefix data/kinetics400/videos_val --decoder pyav --output broken.txt
    # or take ann_file and data_prefix from an MMAction2 0.x config:
    python tools/analysis/check_videos.py configs/recognition/tpn/xxx.py --split val
"""

import argparse
import json
import os
import os.path as osp
import sys
from multiprocessing import Pool
from typing import List, Optional, Sequence, Tuple

DECODERS = ('decord', 'pyav', 'opencv')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Check that the videos of a list decode')
    parser.add_argument('ann_file', help='annotation list (.txt/.json) or a 0.x config (.py)')
    parser.add_argument('--data-prefix', default=None, help='folder the list paths start from')
    parser.add_argument('--split', default='train', choices=['train', 'val', 'test'])
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='config overrides key=value (only with a config)',
    )
    parser.add_argument('--decoder', default='decord', choices=DECODERS)
    parser.add_argument('--num-processes', type=int, default=max(1, (os.cpu_count() or 2) - 1))
    parser.add_argument(
        '--output',
        '--output-file',
        dest='output',
        default='invalid-video.txt',
        help='file that receives the paths of the broken videos',
    )
    parser.add_argument(
        '--remove-corrupted-videos', action='store_true', help='delete the broken videos'
    )
    return parser.parse_args(argv)


def _read_ann_file(ann_file: str) -> List[str]:
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'annotation file {ann_file} does not exist')
    if ann_file.endswith('.json'):
        with open(ann_file) as f:
            records = json.load(f)
        try:
            return [r['filename'] for r in records]
        except (KeyError, TypeError) as exc:
            raise ValueError(f'{ann_file}: expected a list of dicts with "filename"') from exc
    with open(ann_file) as f:
        return [line.split()[0] for line in f if line.strip()]


def _from_config(args: argparse.Namespace) -> Tuple[str, Optional[str]]:
    from mmengine.config import Config, DictAction

    cfg = Config.fromfile(args.ann_file)
    if args.cfg_options:
        options = argparse.Namespace()
        DictAction(option_strings=[], dest='opts')(None, options, args.cfg_options)
        cfg.merge_from_dict(options.opts)
    data = cfg.get('data', {}).get(args.split)
    if data is None:
        raise ValueError(f'{args.ann_file} has no data.{args.split}')
    if data.get('type') != 'VideoDataset':
        raise ValueError(
            f'data.{args.split} of {args.ann_file} is a {data.get("type")}, not a VideoDataset'
        )
    return data['ann_file'], args.data_prefix or data.get('data_prefix')


def video_paths(args: argparse.Namespace) -> List[str]:
    """Full paths of the videos the command line points at."""
    ann_file, prefix = args.ann_file, args.data_prefix
    if ann_file.endswith('.py'):
        ann_file, prefix = _from_config(args)
    names = _read_ann_file(ann_file)
    return [osp.join(prefix, n) if prefix else n for n in names]


def _wanted(num_frames: int) -> List[int]:
    return sorted({0, num_frames // 2, num_frames - 1})


def _check_decord(path: str) -> None:
    import decord

    reader = decord.VideoReader(path, num_threads=1)
    if len(reader) == 0:
        raise ValueError('no frames')
    reader.get_batch(_wanted(len(reader))).asnumpy()


def _check_pyav(path: str) -> None:
    import av

    with av.open(path) as container:
        if not container.streams.video:
            raise ValueError('no video stream')
        expected = container.streams.video[0].frames
        last = _wanted(expected)[-1] if expected > 0 else None
        decoded = 0
        for _ in container.decode(video=0):
            decoded += 1
            if last is not None and decoded > last:
                return
    if decoded == 0:
        raise ValueError('no frame could be decoded')
    if expected > 0:
        raise ValueError(f'only {decoded} of {expected} frames could be decoded')


def _check_opencv(path: str) -> None:
    import cv2

    cap = cv2.VideoCapture(path)
    try:
        if not cap.isOpened():
            raise ValueError('OpenCV cannot open it')
        num_frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        if num_frames <= 0:
            raise ValueError('no frames')
        for index in _wanted(num_frames):
            cap.set(cv2.CAP_PROP_POS_FRAMES, index)
            ok, _ = cap.read()
            if not ok:
                raise ValueError(f'frame {index} of {num_frames} cannot be read')
    finally:
        cap.release()


_CHECKS = dict(decord=_check_decord, pyav=_check_pyav, opencv=_check_opencv)


def check_video(task: Tuple[str, str]) -> Tuple[str, Optional[str]]:
    """Return ``(path, None)`` for a good video, ``(path, reason)`` for a broken one."""
    path, decoder = task
    if not osp.isfile(path):
        return path, 'file not found'
    if osp.getsize(path) == 0:
        return path, 'empty file'
    try:
        _CHECKS[decoder](path)
    except Exception as exc:  # every decoder error means a broken video
        message = str(exc).strip().splitlines()
        return path, f'{type(exc).__name__}: {message[-1] if message else ""}'.rstrip(': ')
    return path, None


def check_videos(
    paths: Sequence[str], decoder: str = 'decord', num_processes: int = 1
) -> List[Tuple[str, str]]:
    """Check the videos; return ``(path, reason)`` of the broken ones, in input order."""
    tasks = [(p, decoder) for p in paths]
    if num_processes > 1 and len(tasks) > 1:
        with Pool(num_processes) as pool:
            results = pool.map(check_video, tasks, chunksize=1)
    else:
        results = [check_video(t) for t in tasks]
    return [(path, reason) for path, reason in results if reason is not None]


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        paths = video_paths(args)
    except (FileNotFoundError, ValueError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 1
    broken = check_videos(paths, args.decoder, args.num_processes)
    with open(args.output, 'w') as f:
        f.writelines(path + '\n' for path, _ in broken)
    for path, reason in broken:
        print(f'broken: {path}: {reason}')
    if args.remove_corrupted_videos:
        removed = [p for p, _ in broken if osp.isfile(p)]
        for path in removed:
            os.remove(path)
        print(f'removed {len(removed)} corrupted videos')
    print(f'{len(broken)} of {len(paths)} videos are broken (listed in {args.output})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
