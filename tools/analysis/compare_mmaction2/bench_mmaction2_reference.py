"""Reference figures of MMAction2 1.x, measured the way ``bench_train.py`` measures ours.

Run it with a Python that has MMAction2 1.x installed (its package is also
named ``mmaction``: use a separate virtual environment, never this project's),
on an MMAction2 1.x config, e.g. for the ratios in the README::

    /work/venvs/mmaction2/bin/python tools/analysis/compare_mmaction2/bench_mmaction2_reference.py \\
        MMACTION2/configs/recognition/tpn/tpn-slowonly_r50_8xb8-8x8x1-150e_kinetics400-rgb.py \\
        --part model --batch 1 --iters 3
    ... --part data --frames-root data/synthetic_k400like --workers 0 --iters 20

``model``: ``model.train_step`` (preprocessing, forward, loss, backward, SGD
step) on a synthetic uint8 batch of the training shape, float32, on the CPU.
``data``: the training pipeline of the config with its video decoding
replaced by ``RawFrameDecode``, over the raw frames of
``tools/data/synthetic/generate.py`` (Kinetics-style list), through
mmengine's data loader. Only this file's own code is used here; nothing of
MMAction2 is copied into the project.
"""

import argparse
import sys
import time
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='MMAction2 1.x reference speed')
    parser.add_argument('config', help='an MMAction2 1.x config file')
    parser.add_argument('--part', choices=['model', 'data'], default='model')
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument('--iters', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--workers', type=int, default=0)
    parser.add_argument('--frames-root', help='a synthetic data set (raw frames) for --part data')
    parser.add_argument(
        '--skip',
        nargs='+',
        default=[],
        metavar='TYPE',
        help="pipeline steps to leave out (1.2.0's ColorJitter fails under numpy 2)",
    )
    return parser.parse_args(argv)


def _model_step(cfg, batch: int):
    import torch
    from mmaction.structures import ActionDataSample
    from mmengine.optim import build_optim_wrapper

    from mmaction.registry import MODELS

    cfg.model.backbone.pretrained = None
    model = MODELS.build(cfg.model).train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    clip = [s for s in cfg.train_pipeline if s['type'] == 'SampleFrames'][0]['clip_len']
    inputs = [
        torch.randint(0, 256, (1, 3, clip, 224, 224), dtype=torch.uint8) for _ in range(batch)
    ]
    samples = [ActionDataSample().set_gt_label(torch.tensor([i % 400])) for i in range(batch)]
    data = dict(inputs=inputs, data_samples=samples)

    def step() -> int:
        model.train_step(data, optim_wrapper)
        return batch

    return step


def _data_step(cfg, args):
    from mmengine.runner import Runner

    pipeline = []
    for step in cfg.train_pipeline:
        if step['type'] in ('DecordInit', 'PyAVInit', 'OpenCVInit') or step['type'] in args.skip:
            continue
        if step['type'] in ('DecordDecode', 'PyAVDecode', 'OpenCVDecode'):
            step = dict(type='RawFrameDecode')
        pipeline.append(step)
    loader = cfg.train_dataloader
    loader.update(batch_size=args.batch, num_workers=args.workers)
    loader.persistent_workers = args.workers > 0
    loader.dataset = dict(
        type='RawframeDataset',
        ann_file=f'{args.frames_root}/synthetic_train_list_rawframes.txt',
        data_prefix=dict(img=f'{args.frames_root}/rawframes'),
        filename_tmpl='img_{:05}.jpg',
        pipeline=pipeline,
    )
    dataloader = Runner.build_dataloader(loader, seed=0)

    def batches():
        while True:
            yield from dataloader

    iterator = batches()

    def step() -> int:
        return len(next(iterator)['inputs'])

    return step


def main(argv: Optional[List[str]] = None) -> float:
    """Print and return clips/s."""
    args = parse_args(argv)
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import mmaction

    if not mmaction.__version__.startswith('1.'):
        sys.exit(f'error: this needs MMAction2 1.x, found mmaction {mmaction.__version__}')
    init_default_scope('mmaction')
    cfg = Config.fromfile(args.config)
    step = _model_step(cfg, args.batch) if args.part == 'model' else _data_step(cfg, args)
    for _ in range(args.warmup):
        step()
    clips, start = 0, time.perf_counter()
    for _ in range(args.iters):
        clips += step()
    elapsed = time.perf_counter() - start
    print(
        f'MMAction2 {mmaction.__version__}, torch {torch.__version__}: part {args.part}, '
        f'batch {args.batch}, {args.workers} workers: clips/s {clips / elapsed:.3f}, '
        f's/iter {elapsed / args.iters:.3f}'
    )
    return clips / elapsed


if __name__ == '__main__':
    main(sys.argv[1:])
