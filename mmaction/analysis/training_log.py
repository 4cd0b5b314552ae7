"""Reads the JSON training logs: this toolkit's and MMAction2 0.x's.

The engine decides where and how a run logs (``convert_log_config`` turns
0.x's ``TextLoggerHook`` into mmengine's ``LocalVisBackend``), so the reader
of those logs lives here, next to that choice, as :mod:`.auto_resume` reads
the checkpoints the engine writes.

Formats:

* this toolkit (mmengine): ``WORK_DIR/<timestamp>/vis_data/scalars.json``,
  JSON lines; a training record has ``epoch``, ``iter`` (the global
  iteration), ``step`` and the values (``lr``, ``loss``, ``loss_cls``,
  ``top1_acc``, ``time``, ...); a validation record has the metrics and
  ``step`` = the epoch.
* 0.x: ``WORK_DIR/<timestamp>.log.json``, a first line with ``env_info``,
  then records with ``mode`` (``train`` or ``val``), ``epoch`` and ``iter``
  (the iteration within the epoch).

A work dir may hold several runs (``--auto-resume`` starts a new timestamp
folder): they are read in time order, and a later run's records replace
those of the steps it repeats.
"""

import glob
import json
import os.path as osp
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmaction.utils.errors import ConfigError, ResultFileError
from mmaction.visualization.curve_plot import Curve, CurvePanel

__all__ = [
    'TrainTimeStats',
    'TrainingLog',
    'curve_panels',
    'find_log_files',
    'read_training_log',
    'resolve_key',
    'train_time_stats',
]

TRAIN, VAL = 'train', 'val'
_BOOKKEEPING = frozenset({'epoch', 'iter', 'step', 'mode'})


@dataclass
class TrainingLog:
    """The records of one training run (or of the runs of one work dir).

    Attributes:
        name (str): A short name for legends and messages.
        files (list[str]): The log files read, in time order.
        train (list[dict]): Training records in iteration order; each has
            ``epoch``, ``iter`` (the global iteration) and the values.
        val (list[dict]): Validation records in epoch order; each has
            ``epoch`` and the metrics.
        iters_estimated (bool): ``iter`` was derived from the iteration
            within the epoch (0.x logs): ``(epoch - 1) * N + iter``, with N
            the largest iteration logged in an epoch.
    """

    name: str
    files: List[str]
    train: List[Dict[str, Any]] = field(default_factory=list)
    val: List[Dict[str, Any]] = field(default_factory=list)
    iters_estimated: bool = False

    def keys(self, phase: str) -> List[str]:
        """The value keys of the ``'train'`` or ``'val'`` records, sorted."""
        records = self.train if phase == TRAIN else self.val
        return sorted({key for record in records for key in record} - _BOOKKEEPING)

    def series(self, key: str, phase: str) -> Tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` of ``key``: x is the iteration (training) or the epoch (validation)."""
        records = self.train if phase == TRAIN else self.val
        position = 'iter' if phase == TRAIN else 'epoch'
        points = [(r[position], r[key]) for r in records if r.get(key) is not None]
        if not points:
            raise ResultFileError(self.missing_key_message(key, phase))
        x, y = zip(*points)
        return np.asarray(x), np.asarray(y, dtype=np.float64)

    def missing_key_message(self, key: str, phase: str) -> str:
        """One line saying that ``key`` is not logged and which keys are."""
        where = 'training' if phase == TRAIN else 'validation'
        return (
            f'{self.name}: no {where} record has {key!r}; training records have '
            f'{", ".join(self.keys(TRAIN)) or "nothing"}; validation records have '
            f'{", ".join(self.keys(VAL)) or "nothing"}'
        )


def find_log_files(path: str) -> List[str]:
    """The JSON log files that ``path`` stands for, in time order.

    Args:
        path (str): A work dir, a ``<timestamp>`` folder of one, a
            ``scalars.json`` (or ``vis_data/<timestamp>.json``) or a 0.x
            ``.log.json`` file.

    Returns:
        list[str]: The files to read.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ResultFileError: ``path`` is a folder without training logs.
    """
    if osp.isfile(path):
        return [path]
    if not osp.isdir(path):
        raise FileNotFoundError(f'training log not found: {path}')
    patterns = ('vis_data/scalars.json', '*/vis_data/scalars.json', '*.log.json')
    for pattern in patterns:
        # Timestamp folder names (YYYYMMDD_HHMMSS) sort in time order.
        files = sorted(glob.glob(osp.join(path, pattern)))
        if files:
            return files
    raise ResultFileError(
        f'{path}: no training log found; give a work dir, one of its <timestamp> folders, '
        'a vis_data/scalars.json or a 0.x .log.json file'
    )


def _display_name(path: str) -> str:
    path = osp.normpath(path)
    if osp.basename(path) == 'scalars.json':  # WORK_DIR/<timestamp>/vis_data/scalars.json
        timestamp_dir = osp.dirname(osp.dirname(path))
        return f'{osp.basename(osp.dirname(timestamp_dir))}/{osp.basename(timestamp_dir)}'
    if osp.isdir(osp.join(path, 'vis_data')):  # a timestamp folder
        return f'{osp.basename(osp.dirname(path))}/{osp.basename(path)}'
    return osp.basename(path)


def _classify(record: Dict[str, Any]) -> Optional[str]:
    """``'train'``, ``'val'`` or None (a header or test record) for one log line."""
    if 'mode' in record:  # 0.x
        return record['mode'] if record['mode'] in (TRAIN, VAL) and 'epoch' in record else None
    if 'epoch' in record and 'iter' in record:
        return TRAIN
    if 'step' in record:  # mmengine's validation record: step is the epoch
        return VAL
    return None


def _read_records(path: str) -> List[Tuple[str, Dict[str, Any]]]:
    records = []
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ResultFileError(
                    f'{path}, line {lineno}: not a JSON record ({err.msg}); a training log has '
                    'one JSON object per line'
                ) from None
            if not isinstance(record, dict):
                raise ResultFileError(
                    f'{path}, line {lineno}: a {type(record).__name__}, not a JSON object: '
                    'this is not a training log'
                )
            phase = _classify(record)
            if phase is not None:
                records.append((phase, record))
    return records


def read_training_log(path: str) -> TrainingLog:
    """Read the training log(s) that ``path`` stands for (see :func:`find_log_files`).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ResultFileError: A line is not a JSON object, or no file holds a
            training or validation record.
    """
    files = find_log_files(path)
    train: Dict[Tuple[int, int], Dict[str, Any]] = {}
    val: Dict[int, Dict[str, Any]] = {}
    legacy = False
    for file in files:
        for phase, record in _read_records(file):
            legacy = legacy or 'mode' in record
            if phase == TRAIN:
                train[(int(record['epoch']), int(record['iter']))] = record
            else:
                epoch = int(record['epoch'] if 'mode' in record else record['step'])
                val[epoch] = dict(record, epoch=epoch)
    if not train and not val:
        raise ResultFileError(
            f'{", ".join(files)}: no training or validation record (is this a training log?)'
        )
    log = TrainingLog(_display_name(path), files, iters_estimated=legacy)
    log.train = [train[key] for key in sorted(train)]
    log.val = [val[epoch] for epoch in sorted(val)]
    if legacy and log.train:
        per_epoch = max(int(r['iter']) for r in log.train)
        log.train = [dict(r, iter=(r['epoch'] - 1) * per_epoch + r['iter']) for r in log.train]
    return log


def resolve_key(logs: Sequence[TrainingLog], key: str) -> Tuple[str, str]:
    """Which records a ``--keys`` entry means: ``(phase, key)``.

    ``train:KEY`` and ``val:KEY`` choose explicitly. A bare key means the
    validation value where any log validates it (``top1_acc`` is also logged
    for training batches, but the validation accuracy is the one wanted),
    else the training value.

    Raises:
        ResultFileError: No log has the key.
    """
    phase, _, name = key.rpartition(':')
    if phase:
        if phase not in (TRAIN, VAL):
            raise ResultFileError(f'--keys {key}: the prefix must be "train:" or "val:"')
        return phase, name
    for candidate in (VAL, TRAIN):
        if any(name in log.keys(candidate) for log in logs):
            return candidate, name
    raise ResultFileError(logs[0].missing_key_message(name, TRAIN))


def _legend_label(logs: Sequence[TrainingLog], legend, log_index: int, key_index: int, keys):
    if legend is None:
        return logs[log_index].name
    if len(legend) == len(logs):
        return legend[log_index]
    return legend[log_index * len(keys) + key_index]


def curve_panels(
    logs: Sequence[TrainingLog], keys: Sequence[str], legend: Optional[Sequence[str]] = None
) -> List[CurvePanel]:
    """One panel per key with one curve per log, for ``analyze_logs.py plot_curve``.

    Training values are drawn over the iteration, validation values over
    the epoch (see :func:`resolve_key` for which one a key means).

    Args:
        logs (Sequence[TrainingLog]): The runs.
        keys (Sequence[str]): ``--keys``.
        legend (Sequence[str], optional): One name per log, or (as 0.x) one
            per log and key, log by log; default: the logs' names.

    Raises:
        ConfigError: ``legend`` has another length.
        ResultFileError: A log lacks a key.
    """
    if legend is not None and len(legend) not in (len(logs), len(logs) * len(keys)):
        raise ConfigError(
            f'--legend has {len(legend)} names: give one per log ({len(logs)}) or one per log '
            f'and key ({len(logs) * len(keys)})'
        )
    panels = []
    for key_index, key in enumerate(keys):
        phase, name = resolve_key(logs, key)
        if phase == VAL:
            panel = CurvePanel(f'{name} (validation)', 'epoch', integer_x=True)
        else:
            estimated = any(log.iters_estimated for log in logs)
            xlabel = 'iteration (estimated from 0.x epochs)' if estimated else 'iteration'
            panel = CurvePanel(f'{name} (training)', xlabel)
        for log_index, log in enumerate(logs):
            x, y = log.series(name, phase)
            label = _legend_label(logs, legend, log_index, key_index, keys)
            panel.curves.append(Curve(label, x, y, markers=phase == VAL))
        panels.append(panel)
    return panels


@dataclass
class TrainTimeStats:
    """Seconds per training iteration, per epoch and overall.

    Attributes:
        epochs (list[int]): The epochs with timed iterations.
        epoch_means (np.ndarray): Mean ``time`` of each of ``epochs``.
        mean (float): Mean over all the iterations counted.
    """

    epochs: List[int]
    epoch_means: np.ndarray
    mean: float

    @property
    def slowest(self) -> Tuple[int, float]:
        """tuple[int, float]: The slowest epoch and its mean."""
        index = int(np.argmax(self.epoch_means))
        return self.epochs[index], float(self.epoch_means[index])

    @property
    def fastest(self) -> Tuple[int, float]:
        """tuple[int, float]: The fastest epoch and its mean."""
        index = int(np.argmin(self.epoch_means))
        return self.epochs[index], float(self.epoch_means[index])

    @property
    def std(self) -> float:
        """float: Standard deviation of the epoch means."""
        return float(np.std(self.epoch_means))


def train_time_stats(log: TrainingLog, include_outliers: bool = False) -> TrainTimeStats:
    """Time per iteration from the ``time`` of the training records.

    Args:
        log (TrainingLog): The run.
        include_outliers (bool): Count the first record of every epoch too;
            by default it is left out (it includes starting the data loader),
            unless it is the epoch's only record.

    Raises:
        ResultFileError: No training record has a ``time``.
    """
    by_epoch: Dict[int, List[float]] = {}
    for record in log.train:
        if record.get('time') is not None:
            by_epoch.setdefault(int(record['epoch']), []).append(float(record['time']))
    if not by_epoch:
        raise ResultFileError(log.missing_key_message('time', TRAIN))
    epochs = sorted(by_epoch)
    kept = [
        by_epoch[e] if include_outliers or len(by_epoch[e]) == 1 else by_epoch[e][1:]
        for e in epochs
    ]
    means = np.asarray([np.mean(times) for times in kept])
    return TrainTimeStats(epochs, means, float(np.mean(np.concatenate(kept))))
