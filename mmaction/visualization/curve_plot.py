"""Training curves: one panel per logged key, one line per run."""

from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import numpy as np

from .figure import new_figure, save_figure


@dataclass
class Curve:
    """One line of a panel.

    Attributes:
        label (str): Legend entry.
        x (np.ndarray): Positions (iterations or epochs).
        y (np.ndarray): Values.
        markers (bool): Mark every point (for sparse, per-epoch values).
    """

    label: str
    x: np.ndarray
    y: np.ndarray
    markers: bool = False


@dataclass
class CurvePanel:
    """One set of axes: the curves of one key.

    Attributes:
        title (str): Shown above the axes.
        xlabel (str): Name of the x axis.
        curves (list[Curve]): The lines.
        integer_x (bool): Only whole numbers on the x axis (epochs).
    """

    title: str
    xlabel: str
    curves: List[Curve] = field(default_factory=list)
    integer_x: bool = False


def plot_curve_panels(panels: Sequence[CurvePanel], out: str, title: Optional[str] = None) -> None:
    """Draw the panels one above the other and save the figure.

    Args:
        panels (Sequence[CurvePanel]): What to draw, top to bottom.
        out (str): The image file (``.png``, ``.pdf``, ``.svg``, ``.jpg``).
        title (str, optional): Title over all panels.

    Raises:
        MissingPackageError: matplotlib is not installed.
    """
    from matplotlib.ticker import MaxNLocator

    figure = new_figure(9, 3 * len(panels) + (0.4 if title else 0))
    for axes, panel in zip(figure.subplots(len(panels), 1, squeeze=False)[:, 0], panels):
        for curve in panel.curves:
            axes.plot(
                curve.x,
                curve.y,
                label=curve.label,
                marker='o' if curve.markers else None,
                markersize=4,
                linewidth=1.5 if curve.markers else 1.0,
            )
        axes.set_title(panel.title)
        axes.set_xlabel(panel.xlabel)
        axes.grid(True, alpha=0.3)
        if panel.integer_x:
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.legend(fontsize='small')
    if title:
        figure.suptitle(title)
    save_figure(figure, out)
