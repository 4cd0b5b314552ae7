"""The timeline of the long-video demo as a figure: each class's score along the video."""

from typing import Dict, List, Optional

from .figure import new_figure


def plot_timeline(timeline: dict, max_classes: int = 5, title: Optional[str] = None):
    """Draw the scores of the classes that lead some window, against time.

    Args:
        timeline: What :func:`mmaction.apis.long_video.recognize_long_video`
            returns: ``windows`` with ``start_sec``, ``end_sec`` and
            ``top_k`` entries (``index``, ``label``, ``score``).
        max_classes: Classes drawn at most: those that lead most windows.
        title: Shown above the axes.

    Returns:
        matplotlib.figure.Figure: On an Agg canvas (save it or hand it to a
        web page); a class is drawn where it is in a window's top-k and as 0
        elsewhere.
    """
    windows = timeline['windows']
    wins: Dict[int, int] = {}
    names: Dict[int, str] = {}
    for window in windows:
        for entry in window['top_k']:
            names[entry['index']] = entry['label'] or str(entry['index'])
        if window['top_k']:
            best = window['top_k'][0]['index']
            wins[best] = wins.get(best, 0) + 1
    shown = sorted(wins, key=lambda index: (-wins[index], index))[:max_classes]
    times = [(window['start_sec'] + window['end_sec']) / 2 for window in windows]
    figure = new_figure(8, 3)
    axes = figure.subplots()
    for index in shown:
        scores: List[float] = []
        for window in windows:
            found = [entry['score'] for entry in window['top_k'] if entry['index'] == index]
            scores.append(found[0] if found else 0.0)
        axes.plot(times, scores, marker='o', markersize=4, label=names[index])
    axes.set_xlabel('time (s), middle of each window')
    axes.set_ylabel('score')
    axes.set_ylim(bottom=0)
    axes.grid(True, alpha=0.3)
    if shown:
        axes.legend(fontsize='small')
    axes.set_title(title or f'{len(windows)} windows of {timeline["window"]} frames')
    return figure
