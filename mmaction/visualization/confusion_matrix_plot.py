"""A confusion matrix as a heat map with class names."""

from typing import Sequence

import numpy as np

from .figure import new_figure, save_figure

# Above these class counts the names, then the numbers in the cells, no
# longer fit; the colours still show where the confusions are.
MAX_NAMED_CLASSES = 60
MAX_ANNOTATED_CLASSES = 30


def plot_confusion_matrix(
    matrix: np.ndarray, names: Sequence[str], out: str, title: str = 'Confusion matrix'
) -> None:
    """Draw a confusion matrix (rows true classes, columns predicted) and save it.

    Args:
        matrix (np.ndarray): ``(n, n)`` counts, or fractions when normalized
            (float).
        names (Sequence[str]): The ``n`` class names, by class index.
        out (str): The image file (``.png``, ``.pdf``, ``.svg``, ``.jpg``).
        title (str): Title over the matrix.

    Raises:
        MissingPackageError: matplotlib is not installed.
        ValueError: ``names`` does not have one name per row.
    """
    matrix = np.asarray(matrix)
    n = len(names)
    if matrix.shape != (n, n):
        raise ValueError(f'a {matrix.shape} matrix cannot take {n} class names')
    side = min(max(5.0, 0.45 * n + 2.5), 30.0)  # 400 classes: 7 pixels a cell
    figure = new_figure(side + 1.5, side)
    axes = figure.subplots()
    fractions = np.issubdtype(matrix.dtype, np.floating)
    top = 1.0 if fractions else max(int(matrix.max()), 1)
    image = axes.imshow(matrix, cmap='Blues', vmin=0, vmax=top, interpolation='nearest')
    colorbar = figure.colorbar(image, ax=axes, fraction=0.046, pad=0.02)
    if not fractions:
        from matplotlib.ticker import MaxNLocator

        colorbar.locator = MaxNLocator(integer=True)  # counts: no 0.2 of a video
        colorbar.update_ticks()
    if n <= MAX_NAMED_CLASSES:
        axes.set_xticks(range(n), labels=names, rotation=45, ha='right', rotation_mode='anchor')
        axes.set_yticks(range(n), labels=names)
    if n <= MAX_ANNOTATED_CLASSES:
        for (row, col), value in np.ndenumerate(matrix):
            if value:
                text = f'{value:.2f}' if fractions else str(int(value))
                colour = 'white' if value > top / 2 else 'black'
                axes.text(col, row, text, ha='center', va='center', color=colour, fontsize=8)
    axes.set_xlabel('predicted class')
    axes.set_ylabel('true class')
    axes.set_title(title)
    save_figure(figure, out)
