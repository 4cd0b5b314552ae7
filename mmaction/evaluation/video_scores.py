"""Per-video scores of a test run, without the videos that could not be read.

``tools/test.py --out`` writes one score vector per video of ``data.test``,
in data-set order; a video that could not be read (dataset
``skip_broken=True``) gets a ``null`` (``None``) entry instead. Everything
that reads such a file reports over the videos that were read and says so:
``over 62 of 64 videos (2 unreadable)``.
"""

from dataclasses import dataclass
from functools import reduce
from typing import Any, Sequence

import numpy as np
import torch

from mmaction.utils.errors import ResultFileError

__all__ = ['VideoScores', 'fuse_video_scores']


@dataclass(frozen=True)
class VideoScores:
    """Score vectors of the videos of a data set that were read.

    Attributes:
        scores (np.ndarray): ``(num_read, num_classes)`` float64 scores, in
            data-set order.
        indices (np.ndarray): ``(num_read,)`` data-set positions of the rows
            of ``scores``, ascending.
        total (int): Number of videos in the data set, read or not.
        source (str): Where the scores come from (a file name), for messages.
    """

    scores: np.ndarray
    indices: np.ndarray
    total: int
    source: str = 'scores'

    @classmethod
    def from_entries(cls, entries: Any, source: str = 'scores') -> 'VideoScores':
        """Check and collect the entries of a result file.

        Args:
            entries (list): One entry per video: a 1-d sequence of class
                scores, or None for a video that could not be read.
            source (str): The file name, for messages.

        Returns:
            VideoScores: The scores of the entries that are not None.

        Raises:
            ResultFileError: ``entries`` is not a list, an entry is not a 1-d
                numeric vector, the vectors differ in length, or every entry
                is None.
        """
        if not isinstance(entries, (list, tuple)):
            raise ResultFileError(
                f'{source}: expected a list with one score list per video (tools/test.py --out), '
                f'got a {type(entries).__name__}'
            )
        rows, indices = [], []
        for index, entry in enumerate(entries):
            if entry is None:
                continue
            rows.append(_score_vector(entry, index, source))
            indices.append(index)
        if not rows:
            raise ResultFileError(
                f'{source}: none of its {len(entries)} entries holds scores (all null: no '
                'video could be read)'
            )
        for index, row in zip(indices, rows):
            if len(row) != len(rows[0]):
                raise ResultFileError(
                    f'{source}: entry {index} has {len(row)} scores but entry {indices[0]} has '
                    f'{len(rows[0])}; every video needs one score per class'
                )
        return cls(np.stack(rows), np.asarray(indices, dtype=np.int64), len(entries), source)

    @property
    def num_classes(self) -> int:
        """int: Length of the score vectors."""
        return int(self.scores.shape[1])

    @property
    def num_read(self) -> int:
        """int: Number of videos with scores."""
        return len(self.indices)

    def coverage(self) -> str:
        """Which videos a figure covers, e.g. ``over 62 of 64 videos (2 unreadable)``."""
        text = f'over {self.num_read} of {self.total} videos'
        unreadable = self.total - self.num_read
        return f'{text} ({unreadable} unreadable)' if unreadable else text

    def select(self, per_video: Sequence, what: str = 'data set') -> np.ndarray:
        """The entries of a per-video sequence (labels, ...) that belong to read videos.

        Args:
            per_video (Sequence): One entry per video of the data set, in
                data-set order.
            what (str): What ``per_video`` comes from, for the message.

        Returns:
            np.ndarray: ``per_video`` at :attr:`indices`.

        Raises:
            ResultFileError: ``per_video`` has another length than the scores
                file has entries.
        """
        if len(per_video) != self.total:
            raise ResultFileError(
                f'{self.source} has {self.total} entries but the {what} has {len(per_video)} '
                'videos: the scores were written for another data set (check the config, '
                'its --cfg-options and the annotation list)'
            )
        return np.asarray(per_video)[self.indices]

    def softmax(self) -> 'VideoScores':
        """The same videos with softmax-normalized scores."""
        probabilities = torch.from_numpy(self.scores).softmax(dim=1).numpy()
        return VideoScores(probabilities, self.indices, self.total, self.source)


def _score_vector(entry: Any, index: int, source: str) -> np.ndarray:
    try:
        vector = np.asarray(entry, dtype=np.float64)
    except (TypeError, ValueError):
        raise ResultFileError(
            f'{source}: entry {index} is not a list of numbers ({type(entry).__name__})'
        ) from None
    if vector.ndim != 1 or vector.size == 0:
        hint = (
            ' (one row per clip: test with --average-clips score or prob to get one vector '
            'per video)'
            if vector.ndim == 2
            else ''
        )
        raise ResultFileError(
            f'{source}: entry {index} has shape {vector.shape}, expected one score per class{hint}'
        )
    return vector


def fuse_video_scores(
    score_sets: Sequence[VideoScores], coefficients: Sequence[float], apply_softmax: bool = False
) -> VideoScores:
    """Weighted sum of the scores of several models on the same videos.

    A video counts only where every model has scores for it: one that a
    model could not read is left out of the fusion.

    Args:
        score_sets (Sequence[VideoScores]): The scores of each model, on the
            same data set.
        coefficients (Sequence[float]): One weight per model.
        apply_softmax (bool): Turn each model's scores into probabilities
            before weighting them (for models tested with
            ``average_clips='score'``).

    Returns:
        VideoScores: The fused scores over the videos that all models read.

    Raises:
        ResultFileError: The models' files differ in their number of videos
            or classes, or no video was read by all of them.
        ValueError: Not one coefficient per model.
    """
    if not score_sets:
        raise ValueError('no scores to fuse')
    if len(coefficients) != len(score_sets):
        raise ValueError(
            f'{len(score_sets)} score files but {len(coefficients)} coefficients: give one '
            'coefficient per score file'
        )
    first = score_sets[0]
    for other in score_sets[1:]:
        if (other.total, other.num_classes) != (first.total, first.num_classes):
            raise ResultFileError(
                f'{other.source} has {other.total} videos x {other.num_classes} classes but '
                f'{first.source} has {first.total} x {first.num_classes}: fuse scores of the '
                'same data set'
            )
    common = reduce(np.intersect1d, [s.indices for s in score_sets])
    if common.size == 0:
        raise ResultFileError('no video has scores in every file: nothing to fuse')
    fused = np.zeros((common.size, first.num_classes))
    for scores, weight in zip(score_sets, coefficients):
        if apply_softmax:
            scores = scores.softmax()
        rows = np.searchsorted(scores.indices, common)
        fused += float(weight) * scores.scores[rows]
    sources = ' + '.join(s.source for s in score_sets)
    return VideoScores(fused, common, first.total, sources)
