"""Chaining of data transforms into a pipeline."""

from typing import Callable, List, Optional, Sequence, Union

from mmaction.registry import TRANSFORMS


class Compose:
    """Apply a sequence of transforms to a results dict, one after the other.

    Transforms given as config dicts are built with this package's
    ``TRANSFORMS`` registry (which falls back to mmengine's), so configs work
    without setting a default registry scope.

    Args:
        transforms (Sequence[dict | callable]): Transform configs or objects.
    """

    def __init__(self, transforms: Sequence[Union[dict, Callable]]) -> None:
        if isinstance(transforms, dict) or not isinstance(transforms, Sequence):
            raise TypeError(
                f'pipeline must be a list of transform configs, got {type(transforms).__name__}'
            )
        self.transforms: List[Callable] = []
        for position, transform in enumerate(transforms):
            if isinstance(transform, dict):
                transform = TRANSFORMS.build(transform)
            if not callable(transform):
                raise TypeError(
                    f'pipeline step {position} must be a dict or a callable, '
                    f'got {type(transform).__name__}'
                )
            self.transforms.append(transform)

    def __call__(self, results: dict) -> Optional[dict]:
        """Run every transform; stop early (return None) if one returns None."""
        for transform in self.transforms:
            results = transform(results)
            if results is None:
                return None
        return results

    def __repr__(self) -> str:
        steps = ''.join(f'\n    {transform}' for transform in self.transforms)
        return f'{self.__class__.__name__}({steps}\n)'
