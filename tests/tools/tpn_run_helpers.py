"""Shared helpers of the tools tests: tiny synthetic data and running the tools."""

import glob
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'recognition', 'tpn', 'tpn_slowonly_r18_synthetic_rgb.py')
#: MMAction2 1.2.0's TSM TPN config (a 1.x config with a schedule, evaluators and hooks).
CONFIG_1X_TSM = osp.join(
    ROOT, 'configs/1.x/recognition/tpn/tpn-tsm_imagenet-pretrained-r50_8xb8-1x1x8-150e_sthv1-rgb.py'
)
TRAIN = osp.join(ROOT, 'tools', 'train.py')
TEST = osp.join(ROOT, 'tools', 'test.py')


def make_data(out: str, train_per_class: int, val_per_class: int, frames: int = 16) -> str:
    """Generate a synthetic data set (64x64) under ``out`` and return its root."""
    from mmaction.utils.synthetic_data import generate_dataset

    generate_dataset(
        out_dir=out,
        num_train_per_class=train_per_class,
        num_val_per_class=val_per_class,
        frames=frames,
        workers=1,
    )
    return out


def data_options(root: str, videos_per_gpu: int = 4) -> List[str]:
    """``--cfg-options`` pointing the synthetic config at ``root``."""
    opts = []
    for split, ann in (('train', 'train'), ('val', 'val'), ('test', 'val')):
        opts += [
            f'data.{split}.ann_file={root}/synthetic_{ann}_list_videos.txt',
            f'data.{split}.data_prefix={root}/videos',
        ]
    return opts + [f'data.videos_per_gpu={videos_per_gpu}', 'log_config.interval=1']


def val_videos(root: str) -> List[str]:
    """The validation videos of a synthetic data set, in list order."""
    with open(osp.join(root, 'synthetic_val_list_videos.txt')) as f:
        return [osp.join(root, 'videos', line.split()[0]) for line in f if line.strip()]


def decode_video(path: str):
    """All frames of a video, ``(T, H, W, 3)`` uint8 RGB, decoded with PyAV."""
    import av
    import numpy as np

    with av.open(path) as container:
        return np.stack([frame.to_ndarray(format='rgb24') for frame in container.decode(video=0)])


def env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    environ = dict(os.environ, **(extra or {}))
    environ['PYTHONPATH'] = ROOT + os.pathsep + environ.get('PYTHONPATH', '')
    return environ


def run(
    args: List[str], timeout: int = 300, check: bool = True, extra_env: Optional[dict] = None
) -> subprocess.CompletedProcess:
    """Run a command from the repository root; on failure show its output."""
    proc = subprocess.run(
        args, cwd=ROOT, env=env(extra_env), capture_output=True, text=True, timeout=timeout
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f'{" ".join(args)} exited with {proc.returncode}\n'
            f'--- stdout ---\n{proc.stdout[-6000:]}\n--- stderr ---\n{proc.stderr[-6000:]}'
        )
    return proc


def train(work_dir: str, opts: List[str], *extra: str, timeout: int = 300):
    return run(
        [sys.executable, TRAIN, CONFIG, '--work-dir', work_dir, *extra, '--cfg-options', *opts],
        timeout=timeout,
    )


def torchrun(script: str, nproc: int, port: int, *args: str, timeout: int = 300):
    return run(
        [sys.executable, '-m', 'torch.distributed.run', f'--nproc_per_node={nproc}',
         f'--master_port={port}', script, *args, '--launcher', 'pytorch'],
        timeout=timeout,
    )  # fmt: skip


def logged_scalars(work_dir: str) -> List[dict]:
    """Training records (one per logged iteration) of every run in ``work_dir``."""
    records = []
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            records += [json.loads(line) for line in f if line.strip()]
    return [r for r in records if 'loss' in r]


def load_ckpt(path: str, weights_only: bool = True) -> dict:
    from mmaction.utils import checkpoint_safe_globals

    with torch.serialization.safe_globals(checkpoint_safe_globals()):
        return torch.load(path, map_location='cpu', weights_only=weights_only)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def last_checkpoint(work_dir: str) -> Optional[str]:
    pointer = osp.join(work_dir, 'last_checkpoint')
    return open(pointer).read().strip() if osp.exists(pointer) else None
