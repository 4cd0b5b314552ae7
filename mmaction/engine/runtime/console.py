"""What the tools show on the console: a few lines about the run, the whole log in a file.

mmengine's logger writes everything (environment, config, hook table, a
line every few iterations) both to the console and to the log file. The
tools keep the file complete and make the console short:

- records marked with :data:`CONSOLE` (see :func:`show`) are shown as their
  bare message, without the time/level prefix;
- other INFO records go to the log file only, unless ``--verbose``;
- warnings are shown, in one line each and once, except known harmless
  notices of mmengine (:data:`QUIET_WARNINGS`);
- Python ``warnings.warn`` calls become such one-line log warnings too.

Only the first process (rank 0) writes to the console, as mmengine does.
"""

import logging
import warnings
from typing import Dict, Optional, Set, Tuple

from mmengine.logging import MMLogger

#: ``extra=`` of a log record that the console shows (as its bare message).
CONSOLE = {'console': True}

#: Starts of mmengine log warnings that say nothing the user can act on.
QUIET_WARNINGS = (
    # Every build from a registry without an ``mmaction`` child (loops,
    # optimizers, schedulers, ...) falls back to mmengine's, which is right.
    'Failed to search registry with scope',
    # The tools already print their own one-line summary of a partial load.
    'The model and loaded state dict do not match exactly',
    # mmengine's CheckpointHook builds a FileClient on every run (mmengine's
    # own call, kept there for compatibility until mmengine 1.0).
    '"FileClient" will be deprecated in future',
    '"HardDiskBackend" is the alias of "LocalBackend"',
)


class ConsoleFilter(logging.Filter):
    """Lets through what the console shows (see the module docstring).

    Args:
        verbose (bool): Show every record, as mmengine would.
    """

    def __init__(self, verbose: bool = False) -> None:
        super().__init__()
        self.verbose = verbose

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether the console shows ``record``."""
        if getattr(record, 'console', False):
            return True
        if record.levelno < logging.WARNING:
            return self.verbose
        return self.verbose or not str(record.msg).startswith(QUIET_WARNINGS)


class ConsoleFormatter(logging.Formatter):
    """Shows :data:`CONSOLE` records as their bare message; others as ``inner`` formats them."""

    def __init__(self, inner: Optional[logging.Formatter]) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        """The console text of ``record``."""
        if getattr(record, 'console', False):
            return record.getMessage()
        return self.inner.format(record)


def console_handlers(logger: logging.Logger):
    """The handlers of ``logger`` that write to a terminal stream (not a file)."""
    return [
        handler
        for handler in logger.handlers
        if isinstance(handler, logging.StreamHandler)
        and not isinstance(handler, logging.FileHandler)
    ]


def setup_console(logger: Optional[logging.Logger] = None, verbose: bool = False) -> None:
    """Make ``logger``'s console output short (idempotent).

    Args:
        logger: An mmengine logger; default: the current one.
        verbose: Show everything on the console, as mmengine does by default.
    """
    logger = logger or MMLogger.get_current_instance()
    for handler in console_handlers(logger):
        for old in [f for f in handler.filters if isinstance(f, ConsoleFilter)]:
            handler.removeFilter(old)
        handler.addFilter(ConsoleFilter(verbose))
        if not isinstance(handler.formatter, ConsoleFormatter):
            handler.setFormatter(ConsoleFormatter(handler.formatter))
    capture_warnings()


def show(message: str, logger: Optional[logging.Logger] = None) -> None:
    """Put ``message`` in the log file and, as it is, on the console of rank 0.

    Args:
        message: The text (may span lines).
        logger: An mmengine logger; default: the current one.
    """
    (logger or MMLogger.get_current_instance()).info(message, extra=CONSOLE)


_SEEN_WARNINGS: Set[Tuple[type, str]] = set()


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    text = ' '.join(str(message).split())
    key = (category, text)
    if key in _SEEN_WARNINGS:
        return
    _SEEN_WARNINGS.add(key)
    MMLogger.get_current_instance().warning(f'{category.__name__}: {text}')


def capture_warnings() -> None:
    """Show Python warnings as one-line log warnings, each text once per process."""
    warnings.showwarning = _show_warning


def show_run_header(
    action: str,
    config_path: Optional[str],
    runner,
    datasets: Dict[str, object],
    dialect: Optional[str] = None,
) -> None:
    """Say what is being run: config (and its dialect), work dir, device, data sizes, model size.

    Args:
        action: ``'Training'`` or ``'Testing'``.
        config_path: The config file.
        runner: The runner (its model is built and on its device).
        datasets: The built datasets by split name.
        dialect: The config's MMAction2 dialect, ``'0.x'`` or ``'1.x'``.
    """
    model = getattr(runner.model, 'module', runner.model)
    first = next(model.parameters(), None)
    device = first.device if first is not None else 'cpu'
    params = sum(p.numel() for p in model.parameters())
    processes = f', {runner.world_size} processes' if runner.world_size > 1 else ''
    sizes = ', '.join(f'{split} {len(dataset)} videos' for split, dataset in datasets.items())
    lines = [
        f'{action} {config_path or "(config object)"}',
        *([f'  config dialect: MMAction2 {dialect}'] if dialect else []),
        f'  work dir: {runner.work_dir}   log: {runner.logger.log_file}',
        f'  device:   {device}{processes}',
        f'  data:     {sizes}',
        f'  model:    {type(model).__name__}, {params / 1e6:.2f} M parameters',
    ]
    show('\n'.join(lines), runner.logger)
