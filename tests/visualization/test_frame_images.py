"""Frame grids, heat-map overlays and the timeline figure."""

import numpy as np
import pytest

from mmaction.visualization import (
    add_title,
    as_rgb_uint8,
    frame_grid,
    heat_colors,
    overlay_heatmap,
    plot_timeline,
)


def test_grid_puts_rows_of_frames_in_order():
    rows = np.arange(2 * 3, dtype=np.uint8).reshape(2, 3, 1, 1, 1).repeat(3, axis=-1)
    rows = np.ascontiguousarray(np.broadcast_to(rows, (2, 3, 4, 4, 3))) * 10
    grid = frame_grid(list(rows), min_side=8)  # 4x4 frames scaled 2x to 8x8
    assert grid.shape == (2 * 8 + 2, 3 * 8 + 2 * 2, 3)
    for r in range(2):
        for c in range(3):
            tile = grid[r * 10 : r * 10 + 8, c * 10 : c * 10 + 8]
            assert (tile == (r * 3 + c) * 10).all()
    assert (grid[8:10] == 255).all() and (grid[:, 8:10] == 255).all()  # white gaps


def test_title_bar_sits_above_and_keeps_the_image():
    image = np.zeros((20, 300, 3), np.uint8)
    titled = add_title(image, ['first line', 'second line'])
    assert titled.shape == (2 * 22 + 6 + 20, 300, 3)
    assert (titled[-20:] == 0).all()
    bar = titled[:-20]
    assert bar.min() == 0 and (bar == 255).mean() > 0.8  # black text on white


def test_as_rgb_uint8_scales_floats_and_shows_flow_as_grey():
    floats = np.array([[[[-1.0, 0.0, 1.0]]]], np.float32)
    assert as_rgb_uint8(floats).tolist() == [[[[0, 128, 255]]]]
    flow = np.array([[[[10, 200]]]], np.uint8)
    assert as_rgb_uint8(flow).tolist() == [[[[10, 10, 10]]]]


def test_heat_colours_run_from_blue_to_red():
    cold, hot = heat_colors(np.array([[0.0, 1.0]]))[0]
    assert cold[2] > 100 and cold[0] == 0  # blue
    assert hot[0] > 100 and hot[2] == 0  # red


def test_overlay_blends_by_alpha():
    frames = np.full((2, 4, 4, 3), 200, np.uint8)
    heat = np.zeros((2, 4, 4), np.float32)
    mixed = overlay_heatmap(frames, heat, alpha=0.25)
    expected = np.round(0.75 * 200 + 0.25 * heat_colors(heat).astype(np.float64))
    np.testing.assert_array_equal(mixed, expected)
    with pytest.raises(ValueError, match='does not fit'):
        overlay_heatmap(frames, heat[:1])


def test_timeline_draws_the_leading_classes():
    windows = [
        dict(start_sec=0.0, end_sec=1.0, top_k=[dict(index=2, label='b', score=0.9),
                                               dict(index=0, label='a', score=0.1)]),
        dict(start_sec=0.5, end_sec=1.5, top_k=[dict(index=0, label='a', score=0.6)]),
        dict(start_sec=1.0, end_sec=2.0, top_k=[dict(index=2, label='b', score=0.7)]),
    ]  # fmt: skip
    figure = plot_timeline(dict(windows=windows, window=16))
    axes = figure.axes[0]
    lines = {line.get_label(): line for line in axes.get_lines()}
    assert list(lines) == ['b', 'a']  # b leads two windows, a one
    assert lines['b'].get_xdata().tolist() == [0.5, 1.0, 1.5]
    assert lines['b'].get_ydata().tolist() == [0.9, 0.0, 0.7]
    assert lines['a'].get_ydata().tolist() == [0.1, 0.6, 0.0]
    assert axes.get_title() == '3 windows of 16 frames'
