"""Dataset of video files listed in an annotation file."""

from typing import Callable, Dict, Sequence, Union

from mmaction.registry import DATASETS

from .annotation_list import read_annotation_list
from .base import BaseDataset
from .mmengine_dataset_args import split_mmengine_dataset_args


@DATASETS.register_module()
class VideoDataset(BaseDataset):
    """Videos with labels, for action recognition.

    Each non-empty line of the annotation file is ``path label``, or
    ``path label1 label2 ...`` with ``multi_class=True``::

        some/path/000.mp4 1
        some/path/001.mp4 3

    Samples start as ``{'filename', 'label', 'start_index', 'modality'}``;
    the video decoding transforms add ``total_frames``.

    Videos with a rotation flag (portrait phone videos) are decoded upright,
    as players show them, by every decoder (``autorotate=True``). MMAction2
    feeds the frames as stored; ``autorotate=False`` does that too (the
    samples then carry ``autorotate=False`` for the decoders).

    Both MMAction2 dialects build it: 0.x's ``data_prefix='folder'`` and
    1.x's ``data_prefix=dict(video='folder')``, ``data_root``, ``delimiter``
    and the mmengine arguments (see
    :func:`~.mmengine_dataset_args.split_mmengine_dataset_args`).

    Args:
        ann_file (str): Path of the annotation file.
        pipeline (list[dict | callable]): Transform configs or objects.
        data_prefix (str | dict, optional): The folder of the videos, as a
            string (0.x) or ``dict(video=...)`` (1.x). Defaults to None.
        start_index (int): Index of a video's first frame. Defaults to 0.
        delimiter (str): What separates the path from the label(s) (1.x).
            The default ``' '`` splits at any run of white space, as 0.x
            did (1.x splits at single spaces, the same for well-formed
            lists); any other string splits at that string, each part
            stripped of white space, so paths may hold spaces. Defaults to
            ``' '``.
        autorotate (bool): Turn the frames of a video with a rotation flag
            as its display matrix says. Defaults to True.
        **kwargs: The other arguments of :class:`BaseDataset`
            (``test_mode, multi_class, num_classes, modality,
            sample_by_class, power, dynamic_length, skip_broken,
            max_refetch, metainfo, label_file``) and the mmengine ones.
    """

    def __init__(
        self,
        ann_file: str,
        pipeline: Sequence[Union[dict, Callable]],
        data_prefix: Union[None, str, dict] = None,
        start_index: int = 0,
        delimiter: str = ' ',
        autorotate: bool = True,
        **kwargs,
    ) -> None:
        if not isinstance(delimiter, str) or not delimiter:
            raise ValueError(
                f'VideoDataset: delimiter must be a non-empty string, got {delimiter!r}'
            )
        self.delimiter = delimiter
        self.autorotate = bool(autorotate)
        ann_file, data_prefix, metainfo = split_mmengine_dataset_args(
            'VideoDataset', 'video', ann_file, data_prefix, kwargs
        )
        super().__init__(
            ann_file,
            pipeline,
            data_prefix=data_prefix,
            start_index=start_index,
            metainfo=metainfo,
            **kwargs,
        )

    def load_annotations(self) -> Dict[str, list]:
        """Parse ``path label [label ...]`` lines (or a 0.x JSON list) into columns."""
        return read_annotation_list(
            self.ann_file, 'video', self.multi_class, delimiter=self.delimiter
        )

    def make_results(self, idx: int) -> dict:
        """The results dict of sample ``idx``; ``autorotate=False`` only when asked."""
        results = super().make_results(idx)
        if not self.autorotate:
            # Only the exception travels: the decoders rotate unless told otherwise.
            results['autorotate'] = False
        return results
