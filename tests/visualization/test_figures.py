"""Headless figures: they decode as images and show what they were given."""

import sys

import numpy as np
import pytest
from matplotlib import image as mpimg

from mmaction.utils import ConfigError, MissingPackageError
from mmaction.visualization import (
    Curve,
    CurvePanel,
    check_figure_path,
    plot_confusion_matrix,
    plot_curve_panels,
)


def _ink(rgba, rows=slice(None), cols=slice(None)):
    """Fraction of non-white pixels in a region."""
    region = rgba[rows, cols, :3]
    return float(np.mean(region.min(axis=2) < 0.9))


def test_curve_panels_png(tmp_path):
    out = tmp_path / 'sub' / 'curve.png'
    panels = [
        CurvePanel('loss (training)', 'iteration', [Curve('run', np.arange(1, 9), np.linspace(2, 1, 8))]),
        CurvePanel('top1_acc (validation)', 'epoch', [Curve('run', np.array([1, 2]), np.array([0.2, 0.5]), True)], True),
    ]  # fmt: skip
    plot_curve_panels(panels, str(out), title='tiny')
    rgba = mpimg.imread(out)
    assert rgba.shape == (640, 900, 4)  # 9 x (2 x 3 + 0.4) inches at 100 dpi
    height = rgba.shape[0]
    assert _ink(rgba, slice(40, height // 2)) > 0.01  # both panels are drawn
    assert _ink(rgba, slice(height // 2, height)) > 0.01


def test_confusion_matrix_png(tmp_path):
    matrix = np.array([[3, 1, 0], [0, 2, 0], [1, 0, 5]])
    out = tmp_path / 'cm.png'
    plot_confusion_matrix(matrix, ['walk', 'run', 'jump'], str(out), 'Confusion matrix')
    rgba = mpimg.imread(out)
    assert rgba.shape[2] == 4 and rgba.shape[0] >= 500 and rgba.shape[1] >= 600
    # The largest count is the darkest blue: somewhere the image is dark.
    assert rgba[..., :3].sum(axis=2).min() < 1.0
    with pytest.raises(ValueError, match='3 class names'):
        plot_confusion_matrix(np.zeros((2, 2)), ['a', 'b', 'c'], str(out))
    # Many classes: no names or numbers, and the figure stops growing.
    big = tmp_path / 'big.png'
    plot_confusion_matrix(np.eye(70, dtype=int), [str(i) for i in range(70)], str(big))
    assert mpimg.imread(big).shape[:2] == (3000, 3150)


def test_figure_suffix_and_missing_matplotlib(tmp_path, monkeypatch):
    assert check_figure_path('a/b.pdf') == 'a/b.pdf'
    with pytest.raises(ConfigError, match=r'--out curve.txt: a figure file must end with one of'):
        check_figure_path('curve.txt')
    monkeypatch.setitem(sys.modules, 'matplotlib.figure', None)
    with pytest.raises(MissingPackageError, match='needs the matplotlib package: pip install'):
        plot_confusion_matrix(np.eye(2, dtype=int), ['a', 'b'], str(tmp_path / 'x.png'))
