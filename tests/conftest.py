"""Fixtures shared by the whole test suite: tiny synthetic data and one tiny trained run.

The helpers that run the tools live in ``tests/tools/tpn_run_helpers.py``;
this file puts that folder on ``sys.path`` so every test can import them.
"""

import os.path as osp
import sys
from dataclasses import dataclass
from typing import List

import pytest

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), 'tools'))

from tpn_run_helpers import CONFIG, TEST, data_options, make_data, run, train  # noqa: E402


@dataclass
class TrainedRun:
    """A finished run of the synthetic TPN config on :func:`tiny_synthetic`.

    Attributes:
        data_root: The synthetic data set (``videos/``, lists, label map).
        config: The config file trained.
        cfg_options: ``--cfg-options`` pointing the config at ``data_root``.
        work_dir: The training work dir (logs, ``epoch_1.pth``, ``epoch_2.pth``).
        checkpoint: The final checkpoint.
        result_json: ``tools/test.py --out`` of the checkpoint on ``data.test``
            (8 videos, one score list each, ``average_clips='prob'``).
    """

    data_root: str
    config: str
    cfg_options: List[str]
    work_dir: str
    checkpoint: str
    result_json: str


@pytest.fixture(scope='session')
def tiny_synthetic(tmp_path_factory) -> str:
    """16 training and 8 validation videos: 8 classes, 16 frames of 64x64 each."""
    return make_data(str(tmp_path_factory.mktemp('tiny') / 'synthetic'), 2, 1, frames=16)


@pytest.fixture(scope='session')
def tiny_trained_run(tiny_synthetic, tmp_path_factory) -> TrainedRun:
    """Train the synthetic config 2 epochs (validating each), then test it with ``--out``.

    Read-only for the tests that use it: they share one run.
    """
    work_dir = str(tmp_path_factory.mktemp('tiny_run') / 'work')
    opts = data_options(tiny_synthetic) + ['total_epochs=2', 'evaluation.interval=1']
    train(work_dir, opts, '--validate', '--seed', '0', '--deterministic')
    checkpoint = osp.join(work_dir, 'epoch_2.pth')
    result_json = osp.join(work_dir, 'result.json')
    run([sys.executable, TEST, CONFIG, checkpoint, '--work-dir', work_dir,
         '--eval', 'top_k_accuracy', 'mean_class_accuracy', '--out', result_json,
         '--cfg-options', *opts])  # fmt: skip
    return TrainedRun(tiny_synthetic, CONFIG, opts, work_dir, checkpoint, result_json)
