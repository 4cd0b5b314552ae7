"""Dataset of videos extracted to frame directories."""

from typing import Callable, Dict, Optional, Sequence, Union

from mmaction.registry import DATASETS

from .annotation_list import read_annotation_list
from .base import BaseDataset
from .mmengine_dataset_args import split_mmengine_dataset_args


@DATASETS.register_module()
class RawframeDataset(BaseDataset):
    """Directories of extracted frames with labels, for action recognition.

    Each non-empty line of the annotation file is
    ``frame_dir total_frames label [label ...]``, or with ``with_offset=True``
    ``frame_dir offset total_frames label [label ...]`` (a clip of a longer
    frame directory that starts ``offset`` frames in)::

        some/directory-1 163 1
        some/directory-2 122 1

    Samples start as ``{'frame_dir', 'total_frames', 'label',
    'filename_tmpl', 'start_index', 'modality'}`` plus ``offset`` with
    ``with_offset``.

    Args:
        ann_file (str): Path of the annotation file.
        pipeline (list[dict | callable]): Transform configs or objects.
        data_prefix (str | dict, optional): Directory prepended to every
            ``frame_dir``, as a string (0.x) or ``dict(img=...)`` (1.x).
            Defaults to None.
        test_mode (bool): Whether this is a validation/test set.
            Defaults to False.
        filename_tmpl (str): Name of frame ``i`` as ``filename_tmpl.format(i)``
            (for Flow: ``filename_tmpl.format('x' | 'y', i)``).
            Defaults to ``'img_{:05}.jpg'``.
        with_offset (bool): The annotation has an offset column.
            Defaults to False.
        multi_class (bool): Multi-label annotations. Defaults to False.
        num_classes (int, optional): Number of classes. Defaults to None.
        start_index (int): Index of the first frame file. Defaults to 1.
        modality (str): ``'RGB'`` or ``'Flow'``. Defaults to ``'RGB'``.
        sample_by_class (bool): See :class:`BaseDataset`. Defaults to False.
        power (float): See :class:`BaseDataset`. Defaults to 0.
        dynamic_length (bool): See :class:`BaseDataset`. Defaults to False.
        **kwargs: ``skip_broken``, ``max_refetch``, ``label_file`` of :class:`BaseDataset`,
            and 1.x's ``data_root``, ``metainfo`` and mmengine arguments (see
            :func:`~.mmengine_dataset_args.split_mmengine_dataset_args`).
    """

    def __init__(
        self,
        ann_file: str,
        pipeline: Sequence[Union[dict, Callable]],
        data_prefix: Union[None, str, dict] = None,
        test_mode: bool = False,
        filename_tmpl: str = 'img_{:05}.jpg',
        with_offset: bool = False,
        multi_class: bool = False,
        num_classes: Optional[int] = None,
        start_index: int = 1,
        modality: str = 'RGB',
        sample_by_class: bool = False,
        power: float = 0.0,
        dynamic_length: bool = False,
        **kwargs,
    ) -> None:
        ann_file, data_prefix, metainfo = split_mmengine_dataset_args(
            'RawframeDataset', 'img', ann_file, data_prefix, kwargs
        )
        unknown = set(kwargs) - {'skip_broken', 'max_refetch', 'label_file'}
        if unknown:
            # 0.x accepted and silently used short-cycle (multigrid) options;
            # they are not implemented here, so refuse them loudly.
            raise TypeError(f'RawframeDataset got unsupported argument(s) {sorted(unknown)}')
        self.filename_tmpl = filename_tmpl
        self.with_offset = with_offset
        super().__init__(
            ann_file,
            pipeline,
            data_prefix=data_prefix,
            test_mode=test_mode,
            multi_class=multi_class,
            num_classes=num_classes,
            start_index=start_index,
            modality=modality,
            sample_by_class=sample_by_class,
            power=power,
            dynamic_length=dynamic_length,
            metainfo=metainfo,
            **kwargs,
        )

    def load_annotations(self) -> Dict[str, list]:
        """Parse ``frame_dir [offset] total_frames label [label ...]`` lines (or JSON)."""
        return read_annotation_list(self.ann_file, 'rawframes', self.multi_class, self.with_offset)

    def make_results(self, idx: int) -> dict:
        """The results dict of sample ``idx``, with ``filename_tmpl``."""
        results = super().make_results(idx)
        results['filename_tmpl'] = self.filename_tmpl
        return results
