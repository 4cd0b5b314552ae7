"""Dataset of video files listed in an annotation file."""

from typing import Callable, Dict, Sequence, Union

from mmaction.registry import DATASETS

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
        """Parse ``path label [label ...]`` lines into columns."""
        filenames, labels, linenos = [], [], []
        parse_labels = self.parse_labels
        single = not self.multi_class
        for lineno, line in enumerate(self.read_annotation_lines(), 1):
            tokens = line.split()
            if len(tokens) == 2 and single and tokens[1].isdigit():
                label = int(tokens[1])  # the common case, without a call
            elif not tokens:
                continue
            else:
                label = parse_labels(tokens[1:], lineno)
            filenames.append(tokens[0])
            labels.append(label)
            linenos.append(lineno)
        return {'filename': filenames, 'label': labels, 'lineno': linenos}
