"""Decoding a batch of videos on the GPU, then its crops, resizes and flips there.

The data-loader workers (forked, so without CUDA) send decoding jobs
(:class:`~.transforms.pack_device_decode.PackDeviceDecode`); the training
loop calls :func:`decode_video_batch` in the main process, which decodes
each video with torchcodec on the model's device (NVDEC on a GPU) and
applies the job's crop, resize and flip: the same operations, drawn under
the same per-sample seed, as ``Fuse`` applies on the CPU.

How close the two paths are: crops and flips are exact; the resize is
bilinear with half-pixel centres in both, OpenCV's in 11-bit fixed point
(rounded), here in float32 rounded to the nearest integer, so pixels differ
by at most 1 (``tests/datasets/test_device_decode.py``).
"""

from typing import Sequence, Union

import torch
import torch.nn.functional as F

from .exceptions import BrokenVideoError
from .transforms.torchcodec_reader import open_decoder


def fuse_clip(
    frames: torch.Tensor, crop_bbox: Sequence[int], out_hw: Sequence[int]
) -> torch.Tensor:
    """Crop ``frames`` (``T x C x H x W`` uint8) to ``crop_bbox`` and resize to ``out_hw``.

    Args:
        frames: The decoded frames of one sample, on any device.
        crop_bbox: ``(left, top, right, bottom)`` in whole pixels.
        out_hw: The output ``(height, width)``.

    Returns:
        ``T x C x out_h x out_w`` uint8 frames on the same device.
    """
    left, top, right, bottom = (int(v) for v in crop_bbox)
    crop = frames[:, :, top:bottom, left:right]
    out_h, out_w = (int(v) for v in out_hw)
    if tuple(crop.shape[-2:]) == (out_h, out_w):
        return crop
    resized = F.interpolate(
        crop.float(), size=(out_h, out_w), mode='bilinear', align_corners=False, antialias=False
    )
    return resized.round_().clamp_(0, 255).to(torch.uint8)


def decode_frames(filename: str, frame_inds: torch.Tensor, device: torch.device) -> torch.Tensor:
    """The frames ``frame_inds`` of a video, decoded on ``device``: ``T x C x H x W`` uint8."""
    indices = frame_inds.reshape(-1).to(torch.int64)
    wanted, inverse = torch.unique(indices, sorted=True, return_inverse=True)
    decoder = open_decoder(filename, filename, str(device))
    try:
        frames = decoder.get_frames_at(wanted.tolist()).data
    except (RuntimeError, ValueError) as error:
        raise BrokenVideoError(filename, f'torchcodec cannot decode it: {error}') from error
    # Decoded as N x H x W x C; one permutation for the clip.
    return frames.to(device)[inverse.to(frames.device)].permute(0, 3, 1, 2)


def decode_video_batch(batch: dict, device: Union[str, torch.device]) -> dict:
    """Replace the decoding jobs of a collated batch by ``imgs`` on ``device``.

    Args:
        batch: A collated batch; with key ``video`` (the collated jobs of
            :class:`PackDeviceDecode`), else returned as it is.
        device: Where to decode and augment (the model's device).

    Returns:
        The batch with ``imgs``: uint8 ``(N, V, C, T, H, W)`` for
        ``'NCTHW'`` or ``(N, V*T, C, H, W)`` for ``'NCHW'``.
    """
    if not isinstance(batch, dict) or 'video' not in batch:
        return batch
    batch = dict(batch)
    jobs = batch.pop('video')
    device = torch.device(device)
    clips = []
    for i, filename in enumerate(jobs['filename']):
        frames = decode_frames(filename, jobs['frame_inds'][i], device)
        clips.append(fuse_clip(frames, jobs['crop_bbox'][i].tolist(), jobs['out_hw'][i].tolist()))
    imgs = torch.stack(clips)  # N x V*T x C x H x W
    # The flips of the whole batch at once, each sample its own.
    flip = torch.as_tensor(jobs['flip'], device=device).view(-1, 1, 1, 1, 1)
    vertical = torch.as_tensor(jobs['vertical'], device=device).view(-1, 1, 1, 1, 1)
    imgs = torch.where(flip & ~vertical, imgs.flip(-1), imgs)
    imgs = torch.where(flip & vertical, imgs.flip(-2), imgs)
    if jobs['input_format'][0] == 'NCTHW':
        clip_len = int(jobs['clip_len'][0])
        n, frames, c, h, w = imgs.shape
        imgs = imgs.view(n, frames // clip_len, clip_len, c, h, w).transpose(2, 3)
    batch['imgs'] = imgs.contiguous()
    return batch
