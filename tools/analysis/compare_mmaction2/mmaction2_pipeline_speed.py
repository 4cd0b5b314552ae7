"""Clips per second of an MMAction2 1.x dataset, in MMAction2's own interpreter.

``bench_video_pipelines.py`` runs this script with the Python of a separate
MMAction2 1.x installation (its package is also called ``mmaction``, so it
cannot share an environment with this project) to compare its data pipelines
with ours, measured by the same code (``mmaction/analysis/loader_timing.py``
of this project, loaded by its path). Nothing in this project imports it or
MMAction2.

The spec is a config file with ``dataset`` (an MMAction2 1.x dataset config)
and ``batch_size``. Samples are collated with mmengine's ``pseudo_collate``,
as MMAction2's runner does.

Example::

    /work/venvs/mmaction2/bin/python tools/analysis/compare_mmaction2/mmaction2_pipeline_speed.py spec.py \\
        --workers 2 --num-samples 160 --json
"""

import argparse
import importlib.util
import os.path as osp
import sys
from typing import List, Optional

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def _load_loader_timing():
    """This project's timing code, by path: here ``mmaction`` is MMAction2's package."""
    path = osp.join(REPO, 'mmaction', 'analysis', 'loader_timing.py')
    spec = importlib.util.spec_from_file_location('tpn_loader_timing', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


loader_timing = _load_loader_timing()


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Clips/s of an MMAction2 1.x dataset')
    parser.add_argument('spec', help='config file with dataset=dict(...) and batch_size=N')
    parser.add_argument('--workers', type=int, default=2, help='loader workers')
    parser.add_argument('--num-samples', type=int, default=200, help='clips to load and time')
    parser.add_argument('--stages', type=int, default=0, metavar='N', help='time each step')
    parser.add_argument('--seed', type=int, default=0, help='seed of the sampler')
    parser.add_argument('--json', action='store_true', help='print the result as one JSON line')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope

    import mmaction
    import mmaction.datasets  # noqa: F401  (registers datasets and transforms)
    from mmaction.registry import DATASETS

    init_default_scope('mmaction')
    spec = Config.fromfile(args.spec)
    dataset = DATASETS.build(spec.dataset)
    batch_size = spec.get('batch_size', 8)
    result = loader_timing.time_loader(
        dataset, batch_size, args.workers, args.num_samples, pseudo_collate, args.seed
    )
    result.update(
        batch_size=batch_size,
        workers=args.workers,
        samples=len(dataset),
        version=f'MMAction2 {mmaction.__version__}',
    )
    if args.stages:
        result['stages'] = loader_timing.time_stages(
            dataset.pipeline.transforms,
            lambda index: dataset.get_data_info(index % len(dataset)),
            args.stages,
        )
    loader_timing.report(
        result, args.json, f'{args.spec}: {len(dataset)} samples ({result["version"]})'
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
