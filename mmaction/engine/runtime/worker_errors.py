"""Explain data-loader workers that died: what probably killed them and what to lower.

PyTorch reports a dead worker with a ``RuntimeError`` such as "DataLoader
worker (pid 123) is killed by signal: Killed." (the kernel's out-of-memory
killer sends SIGKILL), "... Bus error ..." (shared memory, ``/dev/shm``, is
full) or "DataLoader worker (pid(s) 123) exited unexpectedly". These say
nothing about the setting to change; :func:`worker_failure_message` does.
"""

import re
from typing import Iterator, Optional

_KILLED = re.compile(r'DataLoader worker \(pid (\d+)\) is killed by signal: ([^.]+)\.')
_EXITED = re.compile(r'DataLoader worker \(pid\(s\) ([\d, ]+)\) exited unexpectedly')

_LOWER = (
    'lower data.workers_per_gpu (each worker holds its own videos in memory) or data.videos_per_gpu'
)


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def worker_failure_message(error: BaseException) -> Optional[str]:
    """One line on a data-loader worker's death, or None when ``error`` is about something else.

    Args:
        error: The exception that ended the run; its causes are searched too.

    Returns:
        The cause, as far as it can be told, and the setting to lower.
    """
    exited = None
    for link in _chain(error):
        text = str(link)
        killed = _KILLED.search(text)
        if killed:
            pid, signal_name = killed.groups()
            return _killed_message(pid, signal_name.strip())
        exited = exited or _EXITED.search(text)
    if exited:
        return (
            f'data-loader worker (pid {exited.group(1)}) exited unexpectedly, most likely killed '
            f'by the system when memory ran out: {_LOWER}'
        )
    return None


def _killed_message(pid: str, signal_name: str) -> str:
    if signal_name == 'Killed':
        return (
            f'data-loader worker (pid {pid}) was killed (SIGKILL), most likely by the system '
            f'because memory ran out: {_LOWER}'
        )
    if signal_name == 'Bus error':
        return (
            f'data-loader worker (pid {pid}) died of a bus error: the shared memory (/dev/shm) '
            'through which workers hand over batches is full; make /dev/shm larger (docker: '
            '--shm-size=8g) or lower data.workers_per_gpu or data.videos_per_gpu'
        )
    return (
        f'data-loader worker (pid {pid}) was killed by signal: {signal_name}; run with '
        '--cfg-options data.workers_per_gpu=0 to see the failing step in the main process'
    )
