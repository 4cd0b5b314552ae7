"""The short console: what it shows, what only the log file gets, warnings in one line."""

import io
import logging
import warnings

from mmengine.logging import MMLogger

from mmaction.engine.runtime.console import CONSOLE, setup_console, show
from mmaction.engine.runtime.progress import ProgressDisplay, format_duration


def _logger(tmp_path, name, verbose=False):
    logger = MMLogger.get_instance(name, log_file=str(tmp_path / f'{name}.log'))
    stream = io.StringIO()
    for handler in logger.handlers:
        if type(handler) is logging.StreamHandler:
            handler.setStream(stream)
    setup_console(logger, verbose)
    return logger, stream


def test_console_shows_marked_lines_and_warnings_the_file_keeps_everything(tmp_path):
    logger, stream = _logger(tmp_path, 'console_a')
    logger.info('Config:\nmodel = dict(...)')
    show('Epoch 1 val: top1_acc: 0.5000', logger)
    logger.warning('something odd')
    logger.warning('Failed to search registry with scope "mmaction" in the "loop" registry')
    console = stream.getvalue().splitlines()
    assert console[0] == 'Epoch 1 val: top1_acc: 0.5000'  # no time/level prefix
    assert len(console) == 2 and 'WARNING - something odd' in console[1]
    log = (tmp_path / 'console_a.log').read_text()
    assert 'Config:' in log and 'Epoch 1 val' in log and 'Failed to search registry' in log


def test_verbose_shows_everything(tmp_path):
    logger, stream = _logger(tmp_path, 'console_b', verbose=True)
    logger.info('Config:\nmodel = dict(...)')
    assert 'Config:' in stream.getvalue()


def test_python_warnings_become_one_line_each_once(tmp_path):
    logger, stream = _logger(tmp_path, 'console_c')
    with warnings.catch_warnings():
        warnings.simplefilter('always')
        for _ in range(3):
            warnings.warn('first line\n  second line', UserWarning, stacklevel=1)
    lines = [ln for ln in stream.getvalue().splitlines() if 'first line' in ln]
    assert len(lines) == 1 and lines[0].endswith('UserWarning: first line second line')


def test_plain_progress_writes_a_few_lines(tmp_path):
    logger, stream = _logger(tmp_path, 'console_d')
    bar = ProgressDisplay(10, 'Testing', interactive=False, lines=4)
    for done in range(1, 11):
        bar.update(done, 'loss 1.0')
    bar.close()
    lines = stream.getvalue().splitlines()
    assert [ln.split(']')[0] for ln in lines] == [
        'Testing [3/10',
        'Testing [5/10',
        'Testing [8/10',
        'Testing [10/10',
    ]
    assert all('loss 1.0' in ln and 'eta' in ln for ln in lines)


def test_interactive_progress_redraws_in_place():
    stream = io.StringIO()
    stream.isatty = lambda: True
    bar = ProgressDisplay(5, 'Epoch 1/2', stream=stream)
    assert bar.interactive
    for done in range(1, 6):
        bar.update(done, 'loss 0.5', eta=12)
    bar.close()
    text = stream.getvalue()
    assert 'Epoch 1/2' in text and '5/5' in text and 'eta 0:00:12' in text


def test_format_duration():
    assert format_duration(3725.4) == '1:02:05' and format_duration(-1) == '0:00:00'
    assert CONSOLE == {'console': True}
