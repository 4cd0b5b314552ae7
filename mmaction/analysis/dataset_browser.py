"""What a config's data pipeline feeds the model: samples drawn as grids and GIFs.

Behind ``tools/analysis/browse_dataset.py``. The data set of a split is
built from the config (either dialect) with its pipeline cut before the
first normalizing or formatting step, so the frames are what the model
gets after sampling, resizing, cropping and flipping, in the pipeline's own
colour order and before normalization. A training sample is drawn as the
first epoch of a run with ``--seed`` would draw it (the per-sample seeding
of the training sampler), so its random crop is reproducible.
"""

import copy
import os
import os.path as osp
import re
from dataclasses import dataclass
from typing import Any, Iterator, List, Optional, Sequence

import numpy as np

from mmaction.datasets import SampleKey, load_label_map
from mmaction.engine.config.convert import split_loader, split_pipeline
from mmaction.utils.errors import ConfigError
from mmaction.utils.video_writer import open_video_writer
from mmaction.visualization import add_title, as_rgb_uint8, frame_grid

#: Steps from which on the frames are no longer pictures: normalization and layout.
PICTURE_ENDS = (
    'Normalize', 'FormatShape', 'FormatGCNInput', 'Collect', 'ToTensor', 'ImageToTensor',
    'Transpose', 'PackActionInputs',
)  # fmt: skip
SPLITS = ('train', 'val', 'test')


@dataclass
class BrowsedSample:
    """One sample as the pipeline gives it, before normalization.

    Attributes:
        index: Its index in the data set.
        source: The video file or frame folder.
        label: The label (a list for multi-label data sets).
        names: The label's class names (empty without a label map).
        rows: ``(R, L, H, W, 3)`` uint8 RGB: one row per clip (3D models)
            or per crop (2D models, whose segments make one view).
    """

    index: int
    source: str
    label: Any
    names: List[str]
    rows: np.ndarray

    def title(self) -> List[str]:
        """The lines above its grid: index, label (with names) and source."""
        label = ', '.join(self.names) if self.names else 'no label map'
        rows, length = self.rows.shape[:2]
        return [
            f'#{self.index}  label {self.label}: {label}',
            f'{osp.basename(self.source)}  ({rows} x {length} frames of '
            f'{self.rows.shape[3]}x{self.rows.shape[2]})',
        ]


def picture_steps(pipeline: Sequence[dict]) -> List[dict]:
    """The steps of ``pipeline`` before the first of :data:`PICTURE_ENDS`."""
    kept = []
    for step in pipeline:
        if isinstance(step, dict) and step.get('type') in PICTURE_ENDS:
            break
        kept.append(copy.deepcopy(step))
    return kept


def frames_per_row(pipeline: Sequence[dict], results: dict) -> int:
    """Frames of one clip (3D, ``NCTHW``) or of all segments of one crop (2D, ``NCHW``)."""
    clip_len = int(results.get('clip_len', 1))
    formats = [s.get('input_format') for s in pipeline if s.get('type') == 'FormatShape']
    if formats and formats[0] == 'NCHW':
        return clip_len * int(results.get('num_clips', 1))
    return clip_len


def _rows(frames: np.ndarray, per_row: int) -> np.ndarray:
    if per_row < 1 or len(frames) % per_row:
        per_row = len(frames)  # not a whole number of clips: show them in one row
    return frames.reshape((len(frames) // per_row, per_row) + frames.shape[1:])


def _label_names(label: Any, names: Optional[List[str]]) -> List[str]:
    if names is None:
        return []
    labels = [label] if np.ndim(label) == 0 else list(np.asarray(label).ravel())
    return [names[int(i)] if 0 <= int(i) < len(names) else f'{int(i)}?' for i in labels]


def browse_samples(
    cfg: Any,
    split: str = 'train',
    num: int = 5,
    seed: int = 0,
    label_map: Optional[str] = None,
) -> Iterator[BrowsedSample]:
    """The first ``num`` samples of ``split`` as the pipeline gives them to the model.

    Args:
        cfg: The config, either dialect, after ``--cfg-options``.
        split: ``'train'``, ``'val'`` or ``'test'``.
        num: Samples to draw.
        seed: Seed of the training augmentation (as ``--seed`` of a run).
        label_map: One class name per line, to name the labels.

    Raises:
        ConfigError: No such split, or no frames left in the cut pipeline.
        BrokenVideoError: A sample cannot be read.
    """
    import mmaction.datasets  # noqa: F401  (registers datasets and transforms)
    from mmaction.registry import DATASETS

    if split not in SPLITS:
        raise ConfigError(f'--split {split}: choose one of {", ".join(SPLITS)}')
    pipeline = split_pipeline(cfg, split)
    dataset_cfg = split_loader(cfg, split)['dataset']
    dataset_cfg['pipeline'] = picture_steps(pipeline)
    dataset = DATASETS.build(dataset_cfg)
    names = load_label_map(label_map) if label_map else None
    for index in range(min(num, len(dataset))):
        key = SampleKey(index, 0, seed) if split == 'train' else index
        results = dataset[key]
        if 'imgs' not in results:
            raise ConfigError(f'data.{split}.pipeline gives no frames (imgs) before normalizing')
        frames = as_rgb_uint8(np.stack(results['imgs']))
        yield BrowsedSample(
            index=index,
            source=str(results.get('filename') or results.get('frame_dir') or ''),
            label=results.get('label'),
            names=_label_names(results.get('label'), names),
            rows=_rows(frames, frames_per_row(pipeline, results)),
        )


def _file_stem(sample: BrowsedSample) -> str:
    base = osp.splitext(osp.basename(sample.source.rstrip('/')))[0] or 'sample'
    return f'{sample.index:04d}_' + re.sub(r'[^A-Za-z0-9_.-]+', '_', base)


def write_sample(sample: BrowsedSample, out_dir: str, fps: float = 4.0) -> List[str]:
    """Write the sample's grid (``.png``) and animation (``.gif``) into ``out_dir``.

    The GIF shows time step ``t`` of every row at once, rows side by side.

    Returns:
        The two files written.
    """
    import cv2

    os.makedirs(out_dir, exist_ok=True)
    stem = osp.join(out_dir, _file_stem(sample))
    grid = add_title(frame_grid(list(sample.rows)), sample.title())
    if not cv2.imwrite(stem + '.png', np.ascontiguousarray(grid[..., ::-1])):
        raise OSError(f'cannot write {stem}.png')
    steps = [frame_grid([sample.rows[:, t]]) for t in range(sample.rows.shape[1])]
    steps = [add_title(step, sample.title()[:1]) for step in steps]
    height, width = steps[0].shape[:2]
    with open_video_writer(stem + '.gif', width, height, fps) as writer:
        for step in steps:
            writer.write(step)
    return [stem + '.png', stem + '.gif']
