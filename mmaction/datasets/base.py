"""Common machinery of the action recognition datasets (MMAction2 0.x style)."""

import os.path as osp
import warnings
from abc import ABCMeta, abstractmethod
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from torch.utils.data import Dataset

from mmaction.utils.errors import AnnotationError

from .annotation_list import INT_KEYS, PATH_KEYS
from .annotation_store import PackedIntLists, PackedStrings
from .exceptions import BrokenSample, BrokenVideoError
from .label_map import load_label_map
from .sample_seed import SampleKey, seeded_sample
from .transforms.compose import Compose


class BrokenDataWarning(UserWarning):
    """Warns that a broken sample was replaced by another one."""


class BaseDataset(Dataset, metaclass=ABCMeta):
    """Base class of the video datasets.

    A subclass parses its annotation file into columns (see
    :meth:`load_annotations`); this class stores them compactly, builds the
    pipeline and turns index ``i`` into the results dict that the pipeline
    transforms, keys as MMAction2 0.x: the path key (``filename`` or
    ``frame_dir``), ``label``, ``start_index``, ``modality`` and, where the
    annotation has them, ``total_frames`` and ``offset``.

    ``dataset[key]`` also takes a :class:`SampleKey` (what the training
    sampler yields): the sample is then prepared with ``random``,
    ``numpy.random`` and ``torch`` seeded from the key's (seed, epoch, index).

    Broken data (a decoder raised :class:`BrokenVideoError`): in training the
    sample is replaced by a random other one and a :class:`BrokenDataWarning`
    names the file and counts the broken samples met so far by this process.
    In testing the error propagates, unless ``skip_broken=True``: then the
    sample comes back as a :class:`BrokenSample`, which the test loop leaves
    out of the metrics (and writes as ``null`` to ``--out``) instead of
    scoring anything in its place.

    Annotations are parsed strictly: a line without a label, a label that is
    not an integer, or a ``total_frames`` that is not a positive integer is
    an :class:`~mmaction.utils.errors.AnnotationError` naming the file and
    line, and so is a ``data_prefix`` that is not a directory.

    Args:
        ann_file (str): Path of the annotation file (text, or ``.json`` list
            of dicts as 0.x).
        pipeline (list[dict | callable]): Transform configs or objects.
        data_prefix (str, optional): Directory prepended to every path of the
            annotation file. Defaults to None.
        test_mode (bool): Whether this is a validation/test set. Defaults to
            False.
        multi_class (bool): Multi-label annotations; the label becomes a float
            multi-hot tensor of ``num_classes``. Defaults to False.
        num_classes (int, optional): Number of classes; required with
            ``multi_class``; when given, every label is checked against it.
        start_index (int): Index of the first frame (0 for videos, 1 for
            frames extracted as ``img_00001.jpg``). Defaults to 1.
        modality (str): ``'RGB'`` or ``'Flow'``. Defaults to ``'RGB'``.
        sample_by_class (bool): Compute per-class sampling probabilities
            (``class_prob``, ``indices_by_class``) for a class-balancing
            sampler; not with ``multi_class``. Defaults to False.
        power (float): Class probabilities are proportional to
            ``class_frequency ** power``. Defaults to 0.
        dynamic_length (bool): Marks a dataset whose length a sampler may
            change (kept for 0.x configs). Defaults to False.
        skip_broken (bool): In test mode, return a :class:`BrokenSample` for
            a broken sample instead of raising. Defaults to False.
        max_refetch (int): How many replacements to try for one broken
            sample before giving up. Defaults to 10.
        metainfo (dict, optional): Dataset meta information given by the
            config (1.x, e.g. ``dict(classes=...)``), added to
            :attr:`metainfo`. Defaults to None.
        label_file (str, optional): The label map: one class name per line,
            line ``i`` (from 0) naming class ``i``. Its names become
            ``metainfo['classes']`` (so ``tools/test.py``, the per-class
            report, the demos and the checkpoints name the classes), and
            every label must be one of its lines. Defaults to None (classes
            known by index only).
    """

    def __init__(
        self,
        ann_file: str,
        pipeline: Sequence[Union[dict, Callable]],
        data_prefix: Optional[str] = None,
        test_mode: bool = False,
        multi_class: bool = False,
        num_classes: Optional[int] = None,
        start_index: int = 1,
        modality: str = 'RGB',
        sample_by_class: bool = False,
        power: float = 0,
        dynamic_length: bool = False,
        skip_broken: bool = False,
        max_refetch: int = 10,
        metainfo: Optional[dict] = None,
        label_file: Optional[str] = None,
    ) -> None:
        super().__init__()
        self._metainfo = dict(metainfo or {})
        self.label_file = label_file
        if multi_class and num_classes is None:
            raise ValueError('multi_class=True needs num_classes')
        if multi_class and sample_by_class:
            raise ValueError('sample_by_class cannot be combined with multi_class')
        if modality not in ('RGB', 'Flow'):
            raise ValueError(f"modality must be 'RGB' or 'Flow', got {modality!r}")
        if num_classes is not None and num_classes <= 0:
            raise ValueError(f'num_classes must be positive, got {num_classes}')
        if not osp.isfile(ann_file):
            raise FileNotFoundError(f'annotation file not found: {ann_file}')
        self.ann_file = ann_file
        self.data_prefix = self._check_prefix(data_prefix)
        self.test_mode = test_mode
        self.multi_class = multi_class
        self.num_classes = num_classes
        self.start_index = start_index
        self.modality = modality
        self.sample_by_class = sample_by_class
        self.power = power
        self.dynamic_length = dynamic_length
        self.skip_broken = skip_broken
        self.max_refetch = max_refetch
        self.num_broken = 0

        self.pipeline = Compose(pipeline)
        self._store(self.load_annotations())
        self.class_names = self._read_label_file(label_file)
        if sample_by_class:
            self._init_class_sampling()

    # ------------------------------------------------------------------ loading
    def _check_prefix(self, data_prefix: Optional[str]) -> Optional[str]:
        """The resolved local ``data_prefix``; a missing local folder is an error."""
        if data_prefix is None or '://' in str(data_prefix):
            return data_prefix  # None, or a remote (file-backend) prefix such as s3://
        if not osp.isdir(data_prefix):
            raise AnnotationError(
                f'data_prefix {data_prefix!r} (for {self.ann_file}) is not a directory: '
                'set data_prefix to the folder that holds the files the annotation lists'
            )
        return osp.realpath(data_prefix)

    @abstractmethod
    def load_annotations(self) -> Dict[str, list]:
        """Parse the annotation file into columns, with :func:`~.annotation_list.read_annotation_list`.

        Returns:
            dict: ``{path_key: [str], 'label': [int] or [[int]],
            'lineno': [int]}`` plus optional ``'total_frames'`` and
            ``'offset'`` int columns, one entry per sample.
        """

    def _store(self, columns: Dict[str, list]) -> None:
        self._linenos = np.asarray(columns.pop('lineno'), dtype=np.int64)
        self.path_key = next(key for key in PATH_KEYS if key in columns)
        self._paths = PackedStrings(columns.pop(self.path_key))
        self._ints = {
            key: np.asarray(columns.pop(key), dtype=np.int64) for key in INT_KEYS if key in columns
        }
        if 'total_frames' in self._ints:
            bad = np.flatnonzero(self._ints['total_frames'] <= 0)
            if len(bad):
                raise AnnotationError(
                    f'{self.ann_file}, line {self._linenos[bad[0]]}: total_frames must be a '
                    f'positive integer, got {self._ints["total_frames"][bad[0]]}'
                )
        labels = columns.pop('label')
        if self.multi_class:
            self._labels = PackedIntLists(labels)
        else:
            self._labels = np.asarray(labels, dtype=np.int64)
        if self.num_classes is not None:
            self.check_labels(self.num_classes, 'num_classes')
        if columns:
            raise KeyError(f'unknown annotation columns {sorted(columns)}')

    def check_labels(self, num_classes: int, source: str = 'num_classes') -> None:
        """Check that every label (each of a multi-label line) is in ``[0, num_classes)``.

        Args:
            num_classes (int): The number of classes the labels must fit.
            source (str): Where ``num_classes`` comes from, for the message
                (e.g. ``'model.cls_head.num_classes'``).

        Raises:
            AnnotationError: Naming the file, line and label of the first
                label out of range.
        """
        if self.multi_class:
            flat = self._labels.values
            owners = np.repeat(np.arange(len(self)), np.diff(self._labels.offsets))
        else:
            flat, owners = self._labels, np.arange(len(self))
        bad = np.flatnonzero((flat < 0) | (flat >= num_classes))
        if len(bad):
            count = len(np.unique(owners[bad]))
            raise AnnotationError(
                f'{self.ann_file}, line {self._linenos[owners[bad[0]]]}: label {flat[bad[0]]} '
                f'is out of range for {source}={num_classes} (labels must be 0..'
                f'{num_classes - 1}; {count} line(s) of this file have such labels)'
            )

    def _read_label_file(self, label_file: Optional[str]) -> Optional[List[str]]:
        """The class names of ``label_file``; every label of the list must name one of them."""
        if label_file is None:
            return None
        if not osp.isfile(label_file):
            raise AnnotationError(
                f'label_file {label_file!r} (for {self.ann_file}) does not exist: point it to the '
                'label map, one class name per line (tools/data/folders_to_lists.py writes one)'
            )
        names = load_label_map(label_file)
        self.check_labels(len(names), f'the label map {label_file} (classes)')
        return names

    def _init_class_sampling(self) -> None:
        classes, inverse, counts = np.unique(self._labels, return_inverse=True, return_counts=True)
        order = np.argsort(inverse, kind='stable')
        groups = np.split(order, np.cumsum(counts)[:-1])
        self.indices_by_class = {int(c): group for c, group in zip(classes, groups)}
        weights = (counts / len(self)) ** self.power
        self.class_prob = {int(c): float(w) for c, w in zip(classes, weights / weights.sum())}

    # ------------------------------------------------------------------ access
    @property
    def metainfo(self) -> dict:
        """Dataset meta information: the class names of ``label_file`` (else None) and ``num_classes``.

        A 1.x config's ``metainfo`` adds to it (and may name the classes itself).
        """
        return {'classes': self.class_names, 'num_classes': self.num_classes, **self._metainfo}

    def __len__(self) -> int:
        return len(self._paths)

    @property
    def annotation_nbytes(self) -> int:
        """Memory the parsed annotations take (paths, integer columns, labels), in bytes."""
        kept = self._paths.nbytes + sum(column.nbytes for column in self._ints.values())
        return int(kept + self._labels.nbytes)

    def get_path(self, idx: int) -> str:
        """The video file or frame directory of sample ``idx``, with the prefix."""
        path = self._paths[idx]
        return osp.join(self.data_prefix, path) if self.data_prefix is not None else path

    def get_label(self, idx: int) -> Union[int, List[int]]:
        """The label (or labels, for multi-class) of sample ``idx``."""
        return self._labels[idx] if self.multi_class else int(self._labels[idx])

    def get_data_info(self, idx: int) -> dict:
        """The annotation of sample ``idx`` as a 0.x ``video_infos`` entry."""
        info = {self.path_key: self.get_path(idx), 'label': self.get_label(idx)}
        for key, column in self._ints.items():
            info[key] = int(column[idx])
        return info

    @property
    def video_infos(self) -> List[dict]:
        """All annotations as a list of dicts (built on each access: costly)."""
        return [self.get_data_info(idx) for idx in range(len(self))]

    def get_labels(self) -> Union[np.ndarray, List[List[int]]]:
        """Every sample's label: an int array, or lists for multi-class."""
        if self.multi_class:
            return [self._labels[idx] for idx in range(len(self))]
        return self._labels.copy()

    # ------------------------------------------------------------------ samples
    def make_results(self, idx: int) -> dict:
        """The results dict fed to the pipeline for sample ``idx``."""
        results = self.get_data_info(idx)
        results['modality'] = self.modality
        results['start_index'] = self.start_index
        if self.multi_class:
            onehot = torch.zeros(self.num_classes)
            onehot[results['label']] = 1.0
            results['label'] = onehot
        return results

    def prepare_train_frames(self, idx: int) -> dict:
        """Run the pipeline on sample ``idx`` (training)."""
        return self.pipeline(self.make_results(idx))

    def prepare_test_frames(self, idx: int) -> dict:
        """Run the pipeline on sample ``idx`` (testing)."""
        return self.pipeline(self.make_results(idx))

    def _prepare(self, idx: int) -> dict:
        if self.test_mode:
            return self.prepare_test_frames(idx)
        return self.prepare_train_frames(idx)

    def __getitem__(self, idx: Union[int, SampleKey]) -> Union[dict, BrokenSample]:
        if isinstance(idx, SampleKey):
            # A training sampler's key: the augmentation is seeded from
            # (seed, epoch, index), the same in any data-loader worker.
            with seeded_sample(idx):
                return self[idx.index]
        try:
            return self._prepare(idx)
        except BrokenVideoError as error:
            if not self.test_mode:
                return self._replace_broken(idx, error)
            if not self.skip_broken:
                raise
            self.num_broken += 1
            return BrokenSample(int(idx), error.filename, error.reason)

    def _replace_broken(self, idx: int, error: BrokenVideoError) -> dict:
        for _ in range(self.max_refetch):
            self.num_broken += 1
            new_idx = int(np.random.randint(len(self)))
            warnings.warn(
                f'{error}; sample {idx} replaced by sample {new_idx}. '
                f'{self.num_broken} broken samples so far',
                BrokenDataWarning,
                stacklevel=2,
            )
            try:
                return self._prepare(new_idx)
            except BrokenVideoError as next_error:
                idx, error = new_idx, next_error
        raise BrokenVideoError(
            error.filename, f'{error.reason} (and {self.max_refetch} replacement samples)'
        )
