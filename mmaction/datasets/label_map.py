"""Class names of a data set: the label map file, one name per line."""

from typing import List, Optional

from mmaction.utils.errors import AnnotationError


def load_label_map(path: str, num_classes: Optional[int] = None) -> List[str]:
    """Read a label map: line ``i`` (from 0) names class ``i``.

    This is the format of MMAction2's ``label_map_k400.txt`` and of the
    synthetic data set's ``label_map.txt``. Surrounding white space is
    stripped and empty lines at the end are ignored.

    Args:
        path: The text file.
        num_classes: The number of classes of the model; the file must name
            exactly that many, so that no name lands on the wrong class.

    Returns:
        The class names, in label order.

    Raises:
        FileNotFoundError: No such file.
        AnnotationError: An empty line among the names, no names at all, or
            not ``num_classes`` names.
    """
    with open(path, encoding='utf-8') as file:
        names = [line.strip() for line in file.read().splitlines()]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise AnnotationError(f'Label map {path} is empty: expected one class name per line')
    if '' in names:
        raise AnnotationError(
            f'Label map {path}, line {names.index("") + 1}: empty line; every line from the first '
            'to the last must name one class'
        )
    if num_classes is not None and len(names) != num_classes:
        raise AnnotationError(
            f'Label map {path} names {len(names)} classes but the model has '
            f'num_classes={num_classes}: use the label map of the data set the model was '
            'trained on'
        )
    return names
