"""Figures and images drawn headless: training curves, confusion matrices, frame grids, heat maps.

Everything here draws on matplotlib's Agg canvas directly (no ``pyplot``, no
display, no global backend switch), so it works on servers and inside other
programs alike. matplotlib is an optional dependency: without it, drawing
raises a :class:`~mmaction.utils.MissingPackageError` that says what to
install.
"""

from .confusion_matrix_plot import plot_confusion_matrix
from .curve_plot import Curve, CurvePanel, plot_curve_panels
from .figure import FIGURE_SUFFIXES, check_figure_path, new_figure, save_figure
from .frame_grid import add_title, as_rgb_uint8, frame_grid, scale_up
from .heatmap_overlay import heat_colors, overlay_heatmap
from .timeline_plot import plot_timeline

__all__ = [
    'FIGURE_SUFFIXES',
    'Curve',
    'CurvePanel',
    'add_title',
    'as_rgb_uint8',
    'check_figure_path',
    'frame_grid',
    'heat_colors',
    'new_figure',
    'overlay_heatmap',
    'plot_confusion_matrix',
    'plot_curve_panels',
    'plot_timeline',
    'save_figure',
    'scale_up',
]
