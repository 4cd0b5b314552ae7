"""Temporal sampling of frame indices: ``SampleFrames`` and ``DenseSampleFrames``."""

import warnings
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from ..exceptions import BrokenVideoError

#: The test protocols of :class:`SampleFrames`: where test clips are placed.
TEST_PROTOCOLS = ('0.x', '1.x')


def _sample_name(results: dict) -> str:
    return str(results.get('filename', results.get('frame_dir', '<unknown sample>')))


def checked_total_frames(results: dict, sampler: str) -> int:
    """``results['total_frames']``, for the frame sampler named ``sampler``.

    Raises:
        KeyError: No ``total_frames`` (no decoder's Init transform before).
        BrokenVideoError: The video has no frames.
    """
    if 'total_frames' not in results:
        raise KeyError(
            f'{sampler} needs results["total_frames"] for {_sample_name(results)} '
            '(for videos, put an *Init transform such as DecordInit before it)'
        )
    total_frames = int(results['total_frames'])
    if total_frames <= 0:
        raise BrokenVideoError(_sample_name(results), f'total_frames is {total_frames}')
    return total_frames


@TRANSFORMS.register_module()
class SampleFrames(BaseTransform):
    """Choose the frame indices of ``num_clips`` clips of ``clip_len`` frames.

    The clips are spread over the video. In training each clip starts at a
    random point of its segment. In test mode the clips are placed by the
    ``test_protocol``, the one MMAction2 release the config was written for
    (each config dialect's loader sets it, so that a model zoo score is
    reproduced under the protocol it was measured with):

    - ``'0.x'`` (MMAction2 0.x): each clip at the middle of its segment, the
      segments covering ``num_frames - clip_len * frame_interval + 1`` starts.
    - ``'1.x'`` (MMAction2 1.x, as PySlowFast): for 3D clips
      (``clip_len > 1``) and several clips, evenly from the first to the last
      possible start, ``num_frames - (clip_len - 1) * frame_interval - 1``,
      rounded (floored with ``target_fps``); one clip sits at the centre. 2D
      clips (``clip_len == 1``) are placed as in 0.x.

    Frames past the end wrap around (``'loop'``) or repeat the clip's last
    valid frame (``'repeat_last'``).

    Required keys: ``total_frames``, ``start_index`` (and ``avg_fps`` with
    ``target_fps``). Added keys: ``frame_inds`` (int64, ``num_clips *
    clip_len`` entries, twice that with ``twice_sample``), ``clip_len``,
    ``frame_interval``, ``num_clips``.

    Args:
        clip_len (int): Frames per clip.
        frame_interval (int): Step between sampled frames of a clip.
            Defaults to 1.
        num_clips (int): Number of clips. Defaults to 1.
        temporal_jitter (bool): Add a random offset in
            ``[0, frame_interval)`` to each frame. Defaults to False.
        twice_sample (bool): In test mode, also sample the clips at their
            segment starts (TSM testing). Defaults to False.
        out_of_bound_opt (str): ``'loop'`` or ``'repeat_last'``.
            Defaults to ``'loop'``.
        test_mode (bool): Deterministic sampling. Defaults to False.
        start_index (None): Deprecated; the dataset sets ``start_index``.
        keep_tail_frames (bool): In training, let clips reach the video's
            last frames (float segment length). Defaults to False.
        target_fps (int, optional): Sample as if the video had this frame
            rate (its own is ``results['avg_fps']``): a clip spans
            ``clip_len * frame_interval`` frames at ``target_fps``. Only with
            ``test_protocol='1.x'`` (0.x had no such option). Defaults to None.
        test_protocol (str): ``'0.x'`` or ``'1.x'``, see above. Defaults to
            ``'0.x'``.
    """

    def __init__(
        self,
        clip_len: int,
        frame_interval: int = 1,
        num_clips: int = 1,
        temporal_jitter: bool = False,
        twice_sample: bool = False,
        out_of_bound_opt: str = 'loop',
        test_mode: bool = False,
        start_index: Optional[int] = None,
        keep_tail_frames: bool = False,
        target_fps: Optional[float] = None,
        test_protocol: str = '0.x',
    ) -> None:
        if test_protocol not in TEST_PROTOCOLS:
            raise ValueError(
                f"test_protocol must be '0.x' or '1.x' (the MMAction2 release whose test "
                f'clip placement to follow), got {test_protocol!r}'
            )
        if target_fps is not None and (test_protocol != '1.x' or not target_fps > 0):
            raise ValueError(
                f"target_fps={target_fps!r} needs test_protocol='1.x' and a positive rate "
                '(MMAction2 0.x had no target_fps)'
            )
        if out_of_bound_opt not in ('loop', 'repeat_last'):
            raise ValueError(
                f"out_of_bound_opt must be 'loop' or 'repeat_last', got {out_of_bound_opt!r}"
            )
        for name, value in (
            ('clip_len', clip_len),
            ('frame_interval', frame_interval),
            ('num_clips', num_clips),
        ):
            if int(value) != value or value < 1:
                raise ValueError(f'{name} must be a positive integer, got {value!r}')
        self.clip_len = int(clip_len)
        self.frame_interval = int(frame_interval)
        self.num_clips = int(num_clips)
        self.temporal_jitter = temporal_jitter
        self.twice_sample = twice_sample
        self.out_of_bound_opt = out_of_bound_opt
        self.test_mode = test_mode
        self.keep_tail_frames = keep_tail_frames
        self.target_fps = target_fps
        self.test_protocol = test_protocol
        if start_index is not None:
            warnings.warn(
                'SampleFrames(start_index=...) is ignored: the dataset sets start_index',
                DeprecationWarning,
                stacklevel=2,
            )

    def _get_train_clips(self, num_frames: int, span: float) -> np.ndarray:
        """Random clip starts, one per segment of the video (``span``: frames a clip covers)."""
        num_clips = self.num_clips
        if self.keep_tail_frames:
            segment = (num_frames - span + 1) / float(num_clips)
            if num_frames > span - 1:
                starts = np.arange(num_clips) * segment
                return (starts + np.random.uniform(0, segment, num_clips)).astype(np.int64)
            return np.zeros(num_clips, dtype=np.int64)
        segment = (num_frames - span + 1) // num_clips
        if segment > 0:
            return np.arange(num_clips) * segment + np.random.randint(segment, size=num_clips)
        if num_frames > max(num_clips, span):
            # Fewer valid starts than clips: draw them with repetition, in order.
            return np.sort(np.random.randint(num_frames - span + 1, size=num_clips))
        if segment == 0:
            step = (num_frames - span + 1.0) / num_clips
            return np.around(np.arange(num_clips) * step)
        return np.zeros(num_clips, dtype=np.int64)

    def _get_test_clips(self, num_frames: int, span: float) -> np.ndarray:
        """Test clip starts: 0.x's segment middles, or 1.x's placement (class doc)."""
        if self.test_protocol == '1.x':
            return self._get_test_clips_1x(num_frames, span)
        segment = (num_frames - span + 1) / float(self.num_clips)
        if num_frames < span:
            return np.zeros(self.num_clips, dtype=np.int64)
        starts = np.arange(self.num_clips) * segment
        offsets = (starts + segment / 2.0).astype(np.int64)
        if self.twice_sample:
            # Kept as floats like 0.x; the final int64 cast truncates them.
            offsets = np.concatenate([offsets, starts])
        return offsets

    def _get_test_clips_1x(self, num_frames: int, span: float) -> np.ndarray:
        """MMAction2 1.x's test clips: segment middles in 2D, evenly spread starts in 3D."""
        if self.clip_len == 1:
            segment = num_frames / float(self.num_clips)
            starts = np.arange(self.num_clips) * segment
            offsets = starts + segment / 2.0
            return np.concatenate([offsets, starts]) if self.twice_sample else offsets
        max_offset = max(num_frames - span, 0)
        num_clips = self.num_clips * 2 if self.twice_sample else self.num_clips
        if num_clips == 1:
            return np.array([max_offset // 2])
        # 1.x divides by num_clips - 1 even when twice_sample doubles the
        # clips (and by zero for one clip sampled twice): kept as it is.
        with np.errstate(divide='ignore', invalid='ignore'):
            between = max_offset / float(self.num_clips - 1)
        if self.target_fps is not None:
            return np.arange(num_clips) * np.floor(between)
        return np.round(np.arange(num_clips) * between)

    def _span(self, fps_scale: float) -> float:
        """Frames one clip covers in the video (1.x's ``ori_clip_len``)."""
        if self.target_fps is not None:
            return np.maximum(1, self.clip_len * self.frame_interval * fps_scale)
        if self.test_mode and self.test_protocol == '1.x':
            return (self.clip_len - 1) * self.frame_interval + 1
        return self.clip_len * self.frame_interval

    def _sample_clips(self, num_frames: int, span: float) -> np.ndarray:
        if self.test_mode:
            return self._get_test_clips(num_frames, span)
        return self._get_train_clips(num_frames, span)

    def _bound(self, frame_inds: np.ndarray, total_frames: int) -> np.ndarray:
        frame_inds = frame_inds.reshape(-1, self.clip_len)
        if self.out_of_bound_opt == 'loop':
            return np.mod(frame_inds, total_frames)
        inside = frame_inds < total_frames
        last_inside = np.where(inside, frame_inds, 0).max(axis=1, keepdims=True)
        return np.where(inside, frame_inds, last_inside)

    def transform(self, results: dict) -> dict:
        """Add ``frame_inds``, ``clip_len``, ``frame_interval`` and ``num_clips``."""
        total_frames = checked_total_frames(results, type(self).__name__)
        fps = results.get('avg_fps')
        fps_scale = fps / self.target_fps if self.target_fps is not None and fps else 1.0
        span = self._span(fps_scale)
        clip_offsets = self._sample_clips(total_frames, span)
        if self.target_fps is not None:
            steps = np.linspace(0, span - 1, self.clip_len).astype(np.int32)
        else:
            steps = np.arange(self.clip_len) * self.frame_interval
        frame_inds = (clip_offsets[:, None] + steps[None, :]).reshape(-1)
        if self.temporal_jitter:
            frame_inds = frame_inds + np.random.randint(self.frame_interval, size=len(frame_inds))
        frame_inds = self._bound(frame_inds, total_frames).reshape(-1) + results['start_index']
        results['frame_inds'] = frame_inds.astype(np.int64)
        results['clip_len'] = self.clip_len
        results['frame_interval'] = self.frame_interval
        results['num_clips'] = self.num_clips
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(clip_len={self.clip_len}, '
            f'frame_interval={self.frame_interval}, num_clips={self.num_clips}, '
            f'temporal_jitter={self.temporal_jitter}, twice_sample={self.twice_sample}, '
            f'out_of_bound_opt={self.out_of_bound_opt}, test_mode={self.test_mode}, '
            f'test_protocol={self.test_protocol!r})'
        )


@TRANSFORMS.register_module()
class DenseSampleFrames(SampleFrames):
    """Sample clips densely inside a window of ``sample_range`` frames.

    Training: the window starts at a random frame; test mode: at
    ``num_sample_positions`` evenly spaced frames, giving
    ``num_sample_positions * num_clips`` clips. Keys as :class:`SampleFrames`.

    Args:
        *args: Positional arguments of :class:`SampleFrames`.
        sample_range (int): Length of the window the clips are spread over.
            Defaults to 64.
        num_sample_positions (int): Window starts in test mode. Defaults to 10.
        **kwargs: Keyword arguments of :class:`SampleFrames`.
    """

    def __init__(self, *args, sample_range: int = 64, num_sample_positions: int = 10, **kwargs):
        super().__init__(*args, **kwargs)
        self.sample_range = sample_range
        self.num_sample_positions = num_sample_positions

    def _get_train_clips(self, num_frames: int, span: float) -> np.ndarray:
        positions = max(1, 1 + num_frames - self.sample_range)
        interval = self.sample_range // self.num_clips
        start = 0 if positions == 1 else np.random.randint(0, positions - 1)
        return (np.arange(self.num_clips) * interval + start) % num_frames

    def _get_test_clips(self, num_frames: int, span: float) -> np.ndarray:
        positions = max(1, 1 + num_frames - self.sample_range)
        interval = self.sample_range // self.num_clips
        starts = np.linspace(0, positions - 1, num=self.num_sample_positions, dtype=int)
        base = np.arange(self.num_clips) * interval
        return ((starts[:, None] + base[None, :]) % num_frames).reshape(-1)

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(clip_len={self.clip_len}, '
            f'frame_interval={self.frame_interval}, num_clips={self.num_clips}, '
            f'sample_range={self.sample_range}, '
            f'num_sample_positions={self.num_sample_positions}, '
            f'temporal_jitter={self.temporal_jitter}, '
            f'out_of_bound_opt={self.out_of_bound_opt}, test_mode={self.test_mode})'
        )
