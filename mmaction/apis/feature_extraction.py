"""Features of many videos for downstream use: one ``.npy`` per video and an index.

Behind ``tools/misc/extract_features.py``. The videos go through one data
loader with the model's test pipeline (:func:`~.inference.iter_recognitions`,
the inference API's ``outputs=``), so a video's features are exactly what
``inference_recognizer(model, video, outputs=...)`` records; each file is
written as soon as its batch is done.
"""

import io
import json
import os
import os.path as osp
from typing import Any, List, Optional, Sequence

import numpy as np
import torch
from torch import nn

from mmaction.engine.runtime.atomic_io import atomic_write_bytes, atomic_write_text
from mmaction.utils.errors import AnnotationError, ConfigError

from .inference import iter_recognitions

#: ``--layer`` shorthands and the modules they name; any dotted module name works too.
LAYERS = {'backbone': 'backbone', 'neck': 'neck', 'head': 'cls_head'}
POOLS = ('mean', 'none')
INDEX_FILE = 'index.json'


def read_video_list(path: str, root: Optional[str] = None) -> List[str]:
    """The videos of a list file: the first field of each line, joined to ``root``.

    Annotation lists (``video.mp4 label``, ``frames_dir total_frames label``)
    work as they are; blank lines and lines starting with ``#`` are skipped.

    Raises:
        AnnotationError: No such file, or no video in it.
    """
    if not osp.isfile(path):
        raise AnnotationError(f'--video-list {path}: no such file')
    with open(path, encoding='utf-8') as f:
        names = [line.split()[0] for line in f if line.strip() and not line.startswith('#')]
    if not names:
        raise AnnotationError(f'--video-list {path}: no video in it (one path per line)')
    return [osp.join(root, name) if root else name for name in names]


def feature_names(videos: Sequence[str], root: Optional[str] = None) -> List[str]:
    """The ``.npy`` file of each video under the output folder: its path below ``root``.

    Raises:
        ConfigError: Two videos would share a file (``a.mp4`` and ``a.avi``).
    """
    names, seen = [], {}
    for video in videos:
        relative = osp.relpath(video, root) if root else osp.basename(video.rstrip('/'))
        if relative.startswith('..'):
            relative = osp.basename(video.rstrip('/'))
        name = osp.splitext(relative)[0] + '.npy'
        if name in seen:
            raise ConfigError(f'{seen[name]} and {video} would both write {name}')
        seen[name] = video
        names.append(name)
    return names


def _main_output(output: Any, layer: str) -> Any:
    # A neck returns (features, auxiliary losses); the losses are no feature.
    if isinstance(output, tuple) and len(output) == 2 and isinstance(output[1], dict):
        return output[0]
    return output


def pool_output(output: Any, pool: str, layer: str) -> np.ndarray:
    """One array of a module's output for one video.

    ``mean``: every map averaged over all axes but the channels (views,
    time, space), maps of a tuple concatenated: ``(C,)``. ``none``: the
    output as it is, ``(views, C, ...)``, which needs a single map.
    """
    output = _main_output(output, layer)
    maps = list(output) if isinstance(output, (tuple, list)) else [output]
    if not all(isinstance(item, torch.Tensor) for item in maps):
        raise ConfigError(f'--layer {layer} gives {type(output).__name__}, not feature maps')
    if pool == 'none':
        if len(maps) != 1:
            raise ConfigError(
                f'--layer {layer} gives {len(maps)} feature maps; --pool none writes one: use '
                '--pool mean, or name one map, e.g. --layer backbone.layer4'
            )
        return maps[0].float().numpy()
    pooled = [item.float().movedim(1, -1).reshape(-1, item.shape[1]).mean(0) for item in maps]
    return torch.cat(pooled).numpy()


def _save(path: str, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, array)
    os.makedirs(osp.dirname(path), exist_ok=True)
    atomic_write_bytes(path, buffer.getvalue())


def extract_features(
    model: nn.Module,
    videos: Sequence[str],
    out_dir: str,
    layer: str = 'backbone',
    pool: str = 'mean',
    batch_size: int = 1,
    root: Optional[str] = None,
    num_workers: int = 0,
) -> str:
    """Write the features of every video, then the index; return the index's path.

    Args:
        model: A recognizer from :func:`~mmaction.apis.init_recognizer`.
        videos: Video files or frame folders.
        out_dir: Output folder: ``<video path below root>.npy`` per video and
            ``index.json`` (``layer``, ``pool``, and per video its path,
            feature file and shape).
        layer: ``backbone``, ``neck``, ``head`` or a dotted module name.
        pool: ``mean`` or ``none`` (see :func:`pool_output`).
        batch_size: Videos per forward pass.
        root: The folder the list's paths are relative to (names the files).
        num_workers: Data loading processes.

    Raises:
        ConfigError: Unknown pool, module or an output that does not fit.
        BrokenVideoError: A video cannot be read (names it).
    """
    if pool not in POOLS:
        raise ConfigError(f'--pool {pool}: choose one of {", ".join(POOLS)}')
    module = LAYERS.get(layer, layer)
    names = feature_names(videos, root)
    entries = []
    results = iter_recognitions(
        model, videos, module, batch_size=batch_size, num_workers=num_workers
    )
    for video, name, result in zip(videos, names, results):
        array = pool_output(result.features[module], pool, layer)
        _save(osp.join(out_dir, name), array)
        entries.append(dict(video=video, feature=name, shape=list(array.shape)))
    index = osp.join(out_dir, INDEX_FILE)
    summary = dict(layer=module, pool=pool, videos=entries)
    atomic_write_text(index, json.dumps(summary, indent=1) + '\n')
    return index
