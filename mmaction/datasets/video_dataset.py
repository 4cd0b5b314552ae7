"""Dataset of video files listed in an annotation file."""

from typing import Callable, Dict, Sequence, Union

from mmaction.registry import DATASETS

from .annotation_list import read_annotation_list
from .base import BaseDataset


@DATASETS.register_module()
class VideoDataset(BaseDataset):
    """Videos with labels, for action recognition.

    Each non-empty line of the annotation file is ``path label``, or
    ``path label1 label2 ...`` with ``multi_class=True``::

        some/path/000.mp4 1
        some/path/001.mp4 3

    Samples start as ``{'filename', 'label', 'start_index', 'modality'}``;
    the video decoding transforms add ``total_frames``.

    Args:
        ann_file (str): Path of the annotation file.
        pipeline (list[dict | callable]): Transform configs or objects.
        start_index (int): Index of a video's first frame. Defaults to 0.
        **kwargs: The other arguments of :class:`BaseDataset`
            (``data_prefix, test_mode, multi_class, num_classes, modality,
            sample_by_class, power, dynamic_length, skip_broken,
            max_refetch``).
    """

    def __init__(
        self,
        ann_file: str,
        pipeline: Sequence[Union[dict, Callable]],
        start_index: int = 0,
        **kwargs,
    ) -> None:
        super().__init__(ann_file, pipeline, start_index=start_index, **kwargs)

    def load_annotations(self) -> Dict[str, list]:
        """Parse ``path label [label ...]`` lines (or a 0.x JSON list) into columns."""
        return read_annotation_list(self.ann_file, 'video', self.multi_class)
