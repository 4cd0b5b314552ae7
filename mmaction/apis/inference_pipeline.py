"""The config's test pipeline, fitted to the kind of video and to the views wanted.

``tools/test.py`` reads a data set whose kind (videos or frame folders) the
config fixes; the inference API takes any kind. The decoding steps of
``data.test.pipeline`` are swapped to fit the input, everything else (the
sampling, resizing, cropping and formatting) stays as the config says:

* video file: the config's video decoder if it has one, else ``DecordInit`` +
  ``DecordDecode`` (PyAV where decord is missing);
* frame folder: ``RawFrameDecode``, with the frame names and first index of
  ``data.test`` when it is a ``RawframeDataset``;
* frames in memory: ``ArrayDecode``.
"""

import copy
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from torch.utils.data import Dataset

from mmaction.datasets import Compose
from mmaction.utils.errors import ConfigError

from .video_source import (
    ARRAY,
    RAWFRAMES,
    VIDEO,
    FrameStream,
    VideoInput,
    check_video_file,
    count_frames,
)

# Video decoders and the transform that opens the file for each.
VIDEO_DECODERS = {
    'DecordDecode': 'DecordInit',
    'PyAVDecode': 'PyAVInit',
    'OpenCVDecode': 'OpenCVInit',
}
# Crop transform for each number of crops.
CROP_TYPES = {1: 'CenterCrop', 3: 'ThreeCrop', 10: 'TenCrop'}


@dataclass(frozen=True)
class Views:
    """How many views of a video to score, fewer than the config's for speed.

    A view is one clip of one crop. ``None`` keeps the config's choice.

    Attributes:
        clips: Clips sampled over time. For 3D models (``NCTHW``) the
            ``num_clips`` of ``SampleFrames``; for 2D models (``NCHW``),
            whose segments together make one view, 1 or 2 (2 is
            ``twice_sample``).
        crops: 1 (``CenterCrop``), 3 (``ThreeCrop``) or 10 (``TenCrop``),
            with the config's ``crop_size``.
    """

    clips: Optional[int] = None
    crops: Optional[int] = None

    def __post_init__(self) -> None:
        if self.clips is not None and (not isinstance(self.clips, int) or self.clips < 1):
            raise ConfigError(f'Views(clips={self.clips!r}): clips must be a positive integer')
        if self.crops is not None and self.crops not in CROP_TYPES:
            raise ConfigError(
                f'Views(crops={self.crops!r}): crops must be one of {sorted(CROP_TYPES)}'
            )


@dataclass(frozen=True)
class FrameFolderFormat:
    """How the frames of a frame folder are named (``data.test`` of the config).

    Attributes:
        filename_tmpl: Name of frame ``i``: ``filename_tmpl.format(i)``.
        start_index: Number of the first frame.
        modality: ``'RGB'`` or ``'Flow'``.
    """

    filename_tmpl: str = 'img_{:05}.jpg'
    start_index: int = 1
    modality: str = 'RGB'

    @classmethod
    def from_config(cls, cfg: Any) -> 'FrameFolderFormat':
        """The format of ``cfg.data.test`` if it reads frame folders, else the default."""
        test = cfg['data']['test']
        if test.get('type') != 'RawframeDataset':
            return cls()
        return cls(
            test.get('filename_tmpl', cls.filename_tmpl),
            test.get('start_index', cls.start_index),
            test.get('modality', cls.modality),
        )


def frame_stream(cfg: Any, video: Any, fps: Optional[float] = None) -> FrameStream:
    """A :class:`FrameStream` of ``video``; frame folders are named as ``cfg.data.test`` says."""
    frames = FrameFolderFormat.from_config(cfg)
    return FrameStream(video, frames.filename_tmpl, frames.start_index, fps)


def _type(step: Any) -> str:
    if not isinstance(step, dict):
        raise ConfigError(f'data.test.pipeline: every step must be a dict, got {step!r}')
    return str(step.get('type', ''))


def _swap_loading(steps: List[dict], kind: str) -> List[dict]:
    decoders = [step for step in steps if _type(step).endswith('Decode')]
    if len(decoders) != 1:
        raise ConfigError(
            'data.test.pipeline must have exactly one decoding step (DecordDecode, '
            f'RawFrameDecode, ...); it has {[_type(step) for step in decoders]}'
        )
    decode = decoders[0]
    openers = [_type(step) for step in steps if _type(step).endswith('Init')]
    if kind == VIDEO and openers == [VIDEO_DECODERS.get(_type(decode))]:
        return steps  # the config reads video files already
    if kind == RAWFRAMES:
        replacement = decode if _type(decode) == 'RawFrameDecode' else dict(type='RawFrameDecode')
    else:
        replacement = dict(type='DecordDecode' if kind == VIDEO else 'ArrayDecode')
    fitted = [replacement if step is decode else step for step in steps]
    fitted = [step for step in fitted if not _type(step).endswith('Init')]
    return [dict(type='DecordInit')] + fitted if kind == VIDEO else fitted


def _input_format(steps: Sequence[dict]) -> Optional[str]:
    formats = [step.get('input_format') for step in steps if _type(step) == 'FormatShape']
    return formats[0] if formats else None


def _set_clips(steps: List[dict], clips: int) -> None:
    samplers = [step for step in steps if _type(step).endswith('SampleFrames')]
    if len(samplers) != 1:
        raise ConfigError('Views(clips=...): data.test.pipeline has no SampleFrames step to change')
    if _input_format(steps) == 'NCHW':
        if clips not in (1, 2):
            raise ConfigError(
                f'Views(clips={clips}): a 2D model (FormatShape NCHW) sees all its segments as '
                'one view; clips must be 1, or 2 for twice_sample'
            )
        samplers[0]['twice_sample'] = clips == 2
    else:
        samplers[0]['num_clips'] = clips


def _set_crops(steps: List[dict], crops: int) -> List[dict]:
    found = [i for i, step in enumerate(steps) if _type(step) in CROP_TYPES.values()]
    if not found and crops != 1:
        raise ConfigError(
            f'Views(crops={crops}): data.test.pipeline has no CenterCrop, ThreeCrop or TenCrop '
            'whose crop_size to use'
        )
    for i in found:
        steps[i] = dict(type=CROP_TYPES[crops], crop_size=steps[i]['crop_size'])
    return steps


def fit_pipeline(pipeline: Sequence[dict], kind: str, views: Optional[Views] = None) -> List[dict]:
    """The test pipeline for one kind of video, with the views wanted.

    Args:
        pipeline: ``data.test.pipeline`` of the config (not changed).
        kind: ``'video'``, ``'rawframes'`` or ``'array'``.
        views: Fewer (or more) clips or crops; None keeps the config's.

    Returns:
        A new list of transform configs.

    Raises:
        ConfigError: The pipeline has no single decoding step, or no step
            that the views can change.
    """
    for step in pipeline:
        _type(step)  # every step must be a dict
    steps = [copy.deepcopy(dict(step)) for step in pipeline]
    steps = _swap_loading(steps, kind)
    if views is not None and views.clips is not None:
        _set_clips(steps, views.clips)
    if views is not None and views.crops is not None:
        steps = _set_crops(steps, views.crops)
    return steps


def initial_results(video: VideoInput, frames: FrameFolderFormat) -> dict:
    """The results dict that the pipeline of ``video.kind`` starts from.

    The keys are those a data set of that kind gives ``tools/test.py``'s
    pipeline, with ``label`` -1 (unknown).
    """
    results: Dict[str, Any] = dict(label=-1, modality='RGB', start_index=0)
    if video.kind == VIDEO:
        results['filename'] = video.value
    elif video.kind == RAWFRAMES:
        results.update(
            frame_dir=video.value,
            total_frames=count_frames(video.value, frames.filename_tmpl, frames.start_index),
            filename_tmpl=frames.filename_tmpl,
            start_index=frames.start_index,
            modality=frames.modality,
        )
    elif video.kind == ARRAY:
        results.update(filename=video.name, array=video.value, total_frames=len(video.value))
    else:
        raise ValueError(f'unknown kind of video {video.kind!r}')
    return results


class InferenceDataset(Dataset):
    """The videos of one inference call, run through the fitted test pipelines.

    Args:
        videos: The videos, described by :func:`describe_input`.
        cfg: The model's config (``model.cfg``): ``data.test`` gives the
            pipeline and the frame folder format.
        views: See :class:`Views`.
    """

    def __init__(self, videos: Sequence[VideoInput], cfg: Any, views: Optional[Views] = None):
        self.videos = list(videos)
        self.frames = FrameFolderFormat.from_config(cfg)
        pipeline = cfg['data']['test']['pipeline']
        kinds = sorted({video.kind for video in self.videos})
        self.pipelines = {kind: Compose(fit_pipeline(pipeline, kind, views)) for kind in kinds}

    def __len__(self) -> int:
        return len(self.videos)

    def __getitem__(self, index: int) -> dict:
        video = self.videos[index]
        if video.kind == VIDEO:
            check_video_file(video.value)  # here, in the loader's workers: a header read each
        return self.pipelines[video.kind](initial_results(video, self.frames))
