"""``UniformSample``: MMAction2 1.x's segment-wise frame sampling (as PySlowFast's SSv2 loader)."""

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from .sample_frames import checked_total_frames


@TRANSFORMS.register_module()
class UniformSample(BaseTransform):
    """Pick one frame from each of ``clip_len`` equal segments of the video.

    The frames ``0 .. total_frames - 1`` are cut into ``clip_len`` segments
    of ``(total_frames - 1) / clip_len`` frames; segment ``i`` spans
    ``round(size * i) .. round(size * (i + 1))`` (NumPy's rounding, halves to
    even), both ends included, as MMAction2 1.2.0 computes them.

    - Training: one random frame per segment (``np.random.randint``), one
      clip whatever ``num_clips`` says (1.x samples ``clip_len`` frames only,
      and still reports ``num_clips``).
    - Test mode: ``num_clips`` deterministic clips; clip ``k`` takes frame
      ``round(size * i) + int(size / (num_clips + 1) * (k + 1))`` of
      segment ``i``.

    Required keys: ``total_frames``, ``start_index``. Added keys:
    ``frame_inds`` (int32, as 1.x), ``clip_len``, ``frame_interval`` (None),
    ``num_clips``.

    Args:
        clip_len (int): Frames per clip (segments of the video).
        num_clips (int): Clips in test mode. Defaults to 1.
        test_mode (bool): Deterministic sampling. Defaults to False.
    """

    def __init__(self, clip_len: int, num_clips: int = 1, test_mode: bool = False) -> None:
        for name, value in (('clip_len', clip_len), ('num_clips', num_clips)):
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise ValueError(f'UniformSample: {name} must be a positive integer, got {value!r}')
        self.clip_len = int(clip_len)
        self.num_clips = int(num_clips)
        self.test_mode = test_mode

    def _sample(self, num_frames: int) -> np.ndarray:
        seg_size = float(num_frames - 1) / self.clip_len
        # Segment starts (and ends) rounded as 1.x does: np.round, halves to even.
        bounds = [int(np.round(seg_size * i)) for i in range(self.clip_len + 1)]
        if not self.test_mode:
            return np.array(
                [np.random.randint(bounds[i], bounds[i + 1] + 1) for i in range(self.clip_len)]
            )
        duration = seg_size / (self.num_clips + 1)
        return np.array(
            [
                bounds[i] + int(duration * (k + 1))
                for k in range(self.num_clips)
                for i in range(self.clip_len)
            ]
        )

    def transform(self, results: dict) -> dict:
        """Add ``frame_inds``, ``clip_len``, ``frame_interval`` and ``num_clips``."""
        total_frames = checked_total_frames(results, 'UniformSample')
        inds = self._sample(total_frames) + results['start_index']
        results['frame_inds'] = inds.astype(np.int32)
        results['clip_len'] = self.clip_len
        results['frame_interval'] = None
        results['num_clips'] = self.num_clips
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(clip_len={self.clip_len}, num_clips={self.num_clips}, '
            f'test_mode={self.test_mode})'
        )
