"""A matplotlib figure on the Agg canvas, and saving it."""

import os
import os.path as osp

from mmaction.utils.errors import ConfigError, missing_package

#: File types the figures can be saved as (matplotlib's Agg, PDF and SVG writers).
FIGURE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.pdf', '.svg')

INSTALL_MATPLOTLIB = 'pip install matplotlib (or pip install -e ".[analysis]")'


def check_figure_path(path: str, option: str = '--out') -> str:
    """Return ``path`` if its suffix is a figure type, else raise a ConfigError naming it."""
    if osp.splitext(path)[1].lower() not in FIGURE_SUFFIXES:
        raise ConfigError(
            f'{option} {path}: a figure file must end with one of {", ".join(FIGURE_SUFFIXES)}'
        )
    return path


def new_figure(width: float, height: float):
    """A ``matplotlib.figure.Figure`` of ``width`` x ``height`` inches on an Agg canvas.

    Raises:
        MissingPackageError: matplotlib is not installed.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise missing_package('matplotlib', 'Drawing figures', INSTALL_MATPLOTLIB) from None
    figure = Figure(figsize=(width, height), dpi=100, layout='constrained')
    FigureCanvasAgg(figure)  # attaches itself to the figure: headless rendering
    return figure


def save_figure(figure, path: str) -> None:
    """Save ``figure`` to ``path`` (the type follows the suffix), creating its folder."""
    check_figure_path(path)
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    figure.savefig(path)
