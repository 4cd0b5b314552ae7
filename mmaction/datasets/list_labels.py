"""The label column of 0.x annotation lists, for scoring saved results without a config."""

import os
from typing import Union

import numpy as np

from mmaction.utils.errors import AnnotationError

__all__ = ['load_list_labels']


def load_list_labels(path: Union[str, os.PathLike]) -> np.ndarray:
    """The labels of a 0.x annotation list: the last column of every non-blank line.

    Works for video lists (``path label``) and frame lists (``frame_dir
    total_frames label``) alike, as 0.x's ``report_accuracy.py`` read them.

    Args:
        path (str | PathLike): The annotation list.

    Returns:
        np.ndarray: The int64 labels, in list order.

    Raises:
        FileNotFoundError: There is no such file.
        AnnotationError: A line whose last column is not a class index, or no
            line at all.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'annotation list not found: {path}')
    labels = []
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            tokens = line.split()
            if not tokens:
                continue
            if len(tokens) < 2 or not tokens[-1].isdigit():
                raise AnnotationError(
                    f'{path}, line {lineno}: expected "path label" or "frame_dir total_frames '
                    f'label" (a class index last), got {line.strip()!r}'
                )
            labels.append(int(tokens[-1]))
    if not labels:
        raise AnnotationError(f'annotation list {path} has no samples')
    return np.asarray(labels, dtype=np.int64)
