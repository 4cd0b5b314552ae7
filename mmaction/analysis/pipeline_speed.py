"""Data-loading speed: a config's pipeline through a data loader, and annotation parsing.

Behind ``tools/analysis/bench_processing.py`` (clips per second of
``data.<split>`` through a ``DataLoader``, as training feeds the model) and
``tools/analysis/bench_annotation_load.py`` (load time and memory of a
Kinetics-sized annotation list). The timing itself is
:mod:`~mmaction.analysis.loader_timing`, shared with the MMAction2 side of
``tools/analysis/compare_mmaction2/``.
"""

import os
import os.path as osp
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Tuple

from mmaction.datasets.annotation_list import format_annotation_line
from mmaction.engine.config.data import move_normalize_to_model

from .loader_timing import time_loader, time_stages

__all__ = [
    'AnnotationLoadTiming',
    'PipelineBenchOptions',
    'bench_pipeline',
    'build_pipeline_dataset',
    'time_annotation_load',
    'write_synthetic_list',
]


@dataclass
class PipelineBenchOptions:
    """What ``tools/analysis/bench_processing.py`` measures.

    Attributes:
        split: Which ``data.<split>`` to load.
        num_samples: Clips to load and time.
        workers: Loader workers; default ``data.workers_per_gpu``.
        batch_size: Clips per batch; default ``data.videos_per_gpu``.
        stages: Also time each pipeline step on this many samples, in this process.
        seed: Seed of the sampler.
        make_videos: First write this many Kinetics-like videos and the list at
            the config's ``ann_file``/``data_prefix``, unless that list exists.
        video_size: ``(width, height)`` of made videos.
        video_seconds: Length of made videos.
        num_classes: Labels of made videos.
    """

    split: str = 'train'
    num_samples: int = 200
    workers: Optional[int] = None
    batch_size: Optional[int] = None
    stages: int = 0
    seed: int = 0
    make_videos: int = 0
    video_size: Tuple[int, int] = (340, 256)
    video_seconds: float = 10.0
    num_classes: int = 400


def build_pipeline_dataset(dataset_cfg: dict):
    """Build a dataset config with a trailing ``Normalize`` moved off, as training does."""
    import copy

    import mmaction.datasets  # noqa: F401  (registers datasets and transforms)
    from mmaction.registry import DATASETS

    dataset_cfg = copy.deepcopy(dict(dataset_cfg))
    if isinstance(dataset_cfg.get('pipeline'), list):
        move_normalize_to_model({}, [dataset_cfg['pipeline']])
    return DATASETS.build(dataset_cfg)


def _make_videos(dataset_cfg, options: PipelineBenchOptions, log: Callable[[str], None]) -> None:
    from mmaction.utils.natural_video import make_natural_video_set

    width, height = options.video_size
    prefix = dataset_cfg.get('data_prefix')
    if isinstance(prefix, dict):  # 1.x: dict(video=...)
        prefix = prefix.get('video')
    make_natural_video_set(
        prefix,
        dataset_cfg['ann_file'],
        options.make_videos,
        num_classes=options.num_classes,
        workers=min(options.make_videos, 2),
        width=width,
        height=height,
        seconds=options.video_seconds,
    )
    log(f'wrote {options.make_videos} videos ({width}x{height}, {options.video_seconds:g} s)')


def bench_pipeline(
    cfg: Any, config_path: str, options: PipelineBenchOptions, log: Callable[[str], None] = print
) -> Tuple[dict, str]:
    """Clips per second of a config's ``data.<split>`` through a data loader.

    Batches are collated with mmengine's ``default_collate``; the first batch
    (worker start-up) is not timed; no model runs.

    Args:
        cfg: A MMAction2 config (either dialect).
        config_path: Its file, for the title.
        options: What to measure.
        log: Where progress lines go (the videos made).

    Returns:
        The result (:func:`~.loader_timing.time_loader`'s, plus ``batch_size``,
        ``workers``, ``samples`` and with ``stages`` the per-step times) and
        its title line.
    """
    from mmengine.dataset import default_collate

    from mmaction.engine.config.convert import split_loader

    loader = split_loader(cfg, options.split)
    dataset_cfg = loader['dataset']
    if options.make_videos and not osp.isfile(dataset_cfg['ann_file']):
        _make_videos(dataset_cfg, options, log)
    dataset = build_pipeline_dataset(dataset_cfg)
    batch_size = options.batch_size or loader.get('batch_size', 1)
    workers = options.workers if options.workers is not None else loader.get('num_workers', 0)
    result = time_loader(
        dataset, batch_size, workers, options.num_samples, default_collate, options.seed
    )
    result.update(batch_size=batch_size, workers=workers, samples=len(dataset))
    if options.stages:
        result['stages'] = time_stages(
            dataset.pipeline.transforms,
            lambda index: dataset.make_results(index % len(dataset)),
            options.stages,
        )
    shape = tuple(result['first_batch_shape'] or ())
    title = (
        f'{config_path} data.{options.split}: {len(dataset)} samples, batch {batch_size}, '
        f'{workers} workers, batch imgs {shape}'
    )
    return result, title


def write_synthetic_list(path: str, lines: int, kind: str) -> None:
    """A Kinetics-like annotation list: ``path label`` (``'video'``) or frame-folder lines."""
    with open(path, 'w') as file:
        for index in range(lines):
            label = index % 400
            name = f'label_{label:03d}/{index:011d}_{index % 300:06d}_{index % 300 + 10:06d}'
            if kind == 'video':
                record = dict(filename=f'{name}.mp4', label=label)
            else:
                record = dict(frame_dir=name, total_frames=250 + index % 50, label=label)
            file.write(format_annotation_line(record) + '\n')


@dataclass
class AnnotationLoadTiming:
    """What :func:`time_annotation_load` measured.

    Attributes:
        dataset_type: The dataset class name.
        samples: Samples in the list.
        file_bytes: Size of the list file.
        seconds: Load time of each timed load.
        kept_bytes: Memory the parsed annotations take in the dataset.
        peak_bytes: Peak memory allocated while parsing.
    """

    dataset_type: str
    samples: int
    file_bytes: int
    seconds: List[float] = field(default_factory=list)
    kept_bytes: int = 0
    peak_bytes: int = 0


def time_annotation_load(lines: int, kind: str = 'video', repeat: int = 3) -> AnnotationLoadTiming:
    """Time building a dataset (empty pipeline) on a synthetic list of ``lines`` lines.

    Args:
        lines: Annotation lines to generate.
        kind: ``'video'`` (``VideoDataset``) or ``'rawframe'`` (``RawframeDataset``).
        repeat: Timed loads.

    Returns:
        The timings, and the memory the annotations take after and while parsing.
    """
    from mmaction.datasets import RawframeDataset, VideoDataset

    dataset_type = VideoDataset if kind == 'video' else RawframeDataset
    with tempfile.TemporaryDirectory() as tmp:
        ann_file = os.path.join(tmp, 'ann.txt')
        write_synthetic_list(ann_file, lines, kind)
        timing = AnnotationLoadTiming(dataset_type.__name__, 0, os.path.getsize(ann_file))
        for _ in range(repeat):
            start = time.perf_counter()
            dataset_type(ann_file, pipeline=[], num_classes=400)
            timing.seconds.append(time.perf_counter() - start)
        tracemalloc.start()
        dataset = dataset_type(ann_file, pipeline=[], num_classes=400)
        timing.peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    timing.samples = len(dataset)
    timing.kept_bytes = dataset.annotation_nbytes
    return timing
