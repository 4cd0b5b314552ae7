"""Figures of the analysis tools (training curves, confusion matrices), drawn headless.

Everything here draws on matplotlib's Agg canvas directly (no ``pyplot``, no
display, no global backend switch), so it works on servers and inside other
programs alike. matplotlib is an optional dependency: without it, drawing
raises a :class:`~mmaction.utils.MissingPackageError` that says what to
install.
"""

from .confusion_matrix_plot import plot_confusion_matrix
from .curve_plot import Curve, CurvePanel, plot_curve_panels
from .figure import FIGURE_SUFFIXES, check_figure_path, new_figure, save_figure

__all__ = [
    'FIGURE_SUFFIXES',
    'Curve',
    'CurvePanel',
    'check_figure_path',
    'new_figure',
    'plot_confusion_matrix',
    'plot_curve_panels',
    'save_figure',
]
