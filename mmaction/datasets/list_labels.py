"""The labels of 0.x annotation lists, for scoring saved results without a config."""

import os
from typing import Union

import numpy as np

from .annotation_list import read_annotation_list

__all__ = ['load_list_labels']


def load_list_labels(path: Union[str, os.PathLike]) -> np.ndarray:
    """The labels of a 0.x annotation list, video (``path label``) or frames alike.

    Frame lists (``frame_dir total_frames label``) are told from video lists
    line by line, as 0.x's ``report_accuracy.py`` read either (see
    :func:`~.annotation_list.read_annotation_list`, ``kind='any'``).

    Args:
        path (str | PathLike): The annotation list.

    Returns:
        np.ndarray: The int64 labels, in list order.

    Raises:
        FileNotFoundError: There is no such file.
        AnnotationError: A line that is neither layout (file and line
            named), or no line at all.
    """
    return np.asarray(read_annotation_list(path, 'any')['label'], dtype=np.int64)
