"""A progress display: a live bar on a terminal, a few plain lines in a file.

On a terminal the bar (rich's) redraws in place and log lines print above
it. When the output goes to a file or a pipe, redrawing would fill it with
partial lines, so the display writes one plain line each time another
quarter (by default) of the work is done.
"""

import logging
import sys
import time
from datetime import timedelta
from typing import List, Optional, TextIO

from mmengine.logging import MMLogger

from .console import console_handlers, show


def format_duration(seconds: float) -> str:
    """``H:MM:SS`` of a number of seconds."""
    return str(timedelta(seconds=max(0, int(round(seconds)))))


class ProgressDisplay:
    """Shows the progress of ``total`` steps.

    Args:
        total (int): Number of steps.
        title (str): What is counted, e.g. ``'Epoch 3/8'`` or ``'Testing'``.
        interactive (bool, optional): Redraw in place. Default: whether
            stdout is a terminal.
        lines (int): In plain mode, how many lines the whole display writes
            (one per ``total / lines`` steps; the last at ``total``).
        transient (bool): On a terminal, remove the bar when closed.
        stream (TextIO, optional): Where to write; default ``sys.stdout``.
    """

    def __init__(
        self,
        total: int,
        title: str,
        interactive: Optional[bool] = None,
        lines: int = 4,
        transient: bool = False,
        stream: Optional[TextIO] = None,
    ) -> None:
        self.total = max(int(total), 1)
        self.title = title
        self.stream = stream or sys.stdout
        if interactive is None:
            interactive = bool(getattr(self.stream, 'isatty', lambda: False)())
        self.interactive = interactive
        self.lines = max(int(lines), 1)
        self.done = 0
        self.start = time.perf_counter()
        self._next_line = 1
        self._rich = None
        self._redirected: List[logging.StreamHandler] = []
        if interactive:
            self._start_rich(transient)

    def _start_rich(self, transient: bool) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._rich = Progress(
            TextColumn('{task.description}'),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn('{task.fields[info]}'),
            TimeElapsedColumn(),
            TextColumn('eta {task.fields[eta]}'),
            console=Console(file=self.stream),
            transient=transient,
        )
        self._task = self._rich.add_task(self.title, total=self.total, info='', eta='-')
        self._rich.start()
        # rich prints what goes to sys.stdout above the bar; point the log's
        # console handlers at that proxy so log lines do not tear the bar.
        for handler in console_handlers(MMLogger.get_current_instance()):
            if handler.stream is self.stream:
                handler.setStream(sys.stdout)
                self._redirected.append(handler)

    def eta(self) -> float:
        """Seconds left at the average speed so far."""
        elapsed = time.perf_counter() - self.start
        return elapsed / self.done * (self.total - self.done) if self.done else 0.0

    def update(self, done: int, info: str = '', eta: Optional[float] = None) -> None:
        """Set the number of steps done and the text shown next to the count.

        Args:
            done: Steps done so far (capped at ``total``).
            info: Short text, e.g. ``'loss 1.234  lr 1.0e-02'``.
            eta: Seconds left, when the caller knows better (e.g. the whole
                training run rather than this epoch); default: this display's.
        """
        self.done = min(int(done), self.total)
        eta_text = format_duration(self.eta() if eta is None else eta)
        if self._rich is not None:
            self._rich.update(self._task, completed=self.done, info=info, eta=eta_text)
            return
        if self.done * self.lines >= self._next_line * self.total:
            while self.done * self.lines >= self._next_line * self.total:
                self._next_line += 1
            elapsed = format_duration(time.perf_counter() - self.start)
            show(
                f'{self.title} [{self.done}/{self.total}]  {info}  {elapsed} elapsed, eta {eta_text}'
            )

    def close(self) -> None:
        """Stop redrawing (a terminal bar stays, unless transient)."""
        if self._rich is not None:
            self._rich.stop()
            self._rich = None
            for handler in self._redirected:
                handler.setStream(self.stream)
            self._redirected = []
