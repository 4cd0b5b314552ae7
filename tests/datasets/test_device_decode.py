"""Decoding jobs (``PackDeviceDecode``) decoded and augmented as a batch, run here on the CPU.

The GPU path is the same code with the device ``'cuda'``; on CPU tensors it
must give what the CPU pipeline (``TorchCodecDecode`` in the worker, then
``Fuse``) gives for the same sample key: crops and flips alike, and the
bilinear resize within 1 (OpenCV's fixed point against float32).
"""

import cv2
import numpy as np
import pytest
import torch

from mmaction.datasets import SampleKey, VideoDataset, action_collate
from mmaction.datasets.device_decode import decode_video_batch, fuse_clip
from mmaction.datasets.transforms import torchcodec_decode
from mmaction.utils.natural_video import write_natural_video

CLIP_LEN = 4


def test_fuse_clip_crops_then_resizes_as_opencv_does():
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (2, 30, 40, 3), dtype=np.uint8)  # T x H x W x C
    tensor = torch.from_numpy(frames).permute(0, 3, 1, 2)
    out = fuse_clip(tensor, (5, 2, 37, 26), (12, 16))  # 32 x 24 window to 16 x 12
    assert out.dtype == torch.uint8 and out.shape == (2, 3, 12, 16)
    for t in range(2):
        expected = cv2.resize(frames[t, 2:26, 5:37], (16, 12), interpolation=cv2.INTER_LINEAR)
        diff = np.abs(out[t].permute(1, 2, 0).numpy().astype(int) - expected.astype(int))
        assert diff.max() <= 1
    same_size = fuse_clip(tensor, (4, 6, 20, 18), (12, 16))
    assert torch.equal(same_size, tensor[:, :, 6:18, 4:20])  # a crop alone is exact


@pytest.fixture(scope='module')
def videos(tmp_path_factory):
    pytest.importorskip('torchcodec')
    root = tmp_path_factory.mktemp('device_decode')
    for i in range(3):
        write_natural_video(str(root / f'v{i}.mp4'), width=80, height=60, seconds=1.0, seed=i)
    ann = root / 'ann.txt'
    ann.write_text(''.join(f'v{i}.mp4 {i}\n' for i in range(3)))
    return str(ann), str(root)


def pipeline(device: str, input_format: str):
    return [
        dict(type='TorchCodecInit'),
        dict(type='SampleFrames', clip_len=CLIP_LEN, frame_interval=3, num_clips=1),
        dict(type='TorchCodecDecode', device=device),
        dict(type='RandomResizedCrop', lazy=True),
        dict(type='Resize', scale=(40, 32), keep_ratio=False, lazy=True),
        dict(type='Flip', flip_ratio=0.5, lazy=True),
        dict(type='PackDeviceDecode', input_format=input_format),
    ]


def batch(videos, device, input_format, keys):
    ann, root = videos
    dataset = VideoDataset(ann, pipeline(device, input_format), data_prefix=root)
    return action_collate([dataset[key] for key in keys])


@pytest.mark.parametrize('input_format', ['NCTHW', 'NCHW'])
def test_jobs_decoded_in_batch_match_the_cpu_pipeline(videos, input_format, monkeypatch):
    # No GPU here: let device='cuda' build, then decode the jobs on CPU tensors.
    monkeypatch.setattr(torchcodec_decode, 'cuda_decoding_unavailable', lambda: None)
    keys = [SampleKey(i, 2, 7) for i in range(3)] + [SampleKey(0, 3, 7)]
    cpu = batch(videos, 'cpu', input_format, keys)
    jobs = batch(videos, 'cuda', input_format, keys)
    assert 'imgs' not in jobs and jobs['video']['device'] == ['cuda'] * 4
    assert torch.equal(
        jobs['label'], torch.tensor([[0], [1], [2], [0]])
    )  # as ToTensor packs labels
    assert torch.equal(cpu['label'], jobs['label'])
    # Per-sample seeding: epochs 2 and 3 of video 0 draw other crops.
    bboxes = jobs['video']['crop_bbox']
    assert not torch.equal(bboxes[0], bboxes[3])
    assert jobs['video']['flip'].any() and not jobs['video']['flip'].all()  # both kinds here
    decoded = decode_video_batch(jobs, 'cpu')
    assert 'video' not in decoded and torch.equal(decoded['label'], jobs['label'])
    expected_shape = (
        (4, 1, 3, CLIP_LEN, 32, 40) if input_format == 'NCTHW' else (4, CLIP_LEN, 3, 32, 40)
    )
    assert cpu['imgs'].shape == decoded['imgs'].shape == expected_shape
    assert decoded['imgs'].dtype == cpu['imgs'].dtype == torch.uint8
    diff = (decoded['imgs'].int() - cpu['imgs'].int()).abs()
    assert diff.max() <= 1  # the resize's rounding (see mmaction/datasets/device_decode.py)
    assert diff.float().mean() < 0.2  # about a tenth of the values are 1 off


def test_same_key_same_job(videos, monkeypatch):
    monkeypatch.setattr(torchcodec_decode, 'cuda_decoding_unavailable', lambda: None)
    first = batch(videos, 'cuda', 'NCTHW', [SampleKey(2, 0, 1)])['video']
    torch.manual_seed(99)  # the process's generators do not matter
    again = batch(videos, 'cuda', 'NCTHW', [SampleKey(2, 0, 1)])['video']
    for key in ('frame_inds', 'crop_bbox', 'flip', 'out_hw'):
        assert torch.equal(first[key], again[key]), key


def test_batches_without_jobs_pass_through():
    plain = dict(imgs=torch.zeros(1), label=torch.tensor([1]))
    assert decode_video_batch(plain, 'cpu') is plain
