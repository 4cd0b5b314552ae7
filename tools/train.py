"""Train a recognizer from a MMAction2 config (0.x or 1.x), with either release's command line."""

import argparse
import os
import sys
import warnings


def parse_args(argv=None) -> argparse.Namespace:
    """Command lines of MMAction2 0.x's and 1.x's ``tools/train.py``, plus --auto-resume."""
    from mmaction.engine.cli import add_amp_argument, add_cfg_options

    parser = argparse.ArgumentParser(description='Train a recognizer')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    resume = parser.add_mutually_exclusive_group()
    resume.add_argument('--resume-from', help='the checkpoint file to resume from (0.x)')
    resume.add_argument(
        '--auto-resume',
        action='store_true',
        help='resume from the newest complete checkpoint of the work dir, if any (0.x)',
    )
    resume.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        metavar='CKPT',
        help='resume from CKPT; alone: from the newest complete checkpoint of the work dir (1.x)',
    )
    validation = parser.add_mutually_exclusive_group()
    validation.add_argument(
        '--validate',
        action='store_true',
        default=None,
        help='validate during training (the default of 1.x configs, not of 0.x ones)',
    )
    validation.add_argument(
        '--no-validate',
        dest='validate',
        action='store_false',
        help='do not validate during training (1.x)',
    )
    parser.add_argument(
        '--test-last', action='store_true', help='test the last checkpoint after training'
    )
    parser.add_argument(
        '--test-best', action='store_true', help='test the best checkpoint after training'
    )
    group_gpus = parser.add_mutually_exclusive_group()
    group_gpus.add_argument('--gpus', type=int, help='(compatibility; one GPU per process)')
    group_gpus.add_argument(
        '--gpu-ids', type=int, nargs='+', help='(compatibility; one GPU per process)'
    )
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--diff-seed',
        '--diff-rank-seed',
        dest='diff_seed',
        action='store_true',
        help='use a different seed on every rank',
    )
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate to the total batch size (auto_scale_lr.base_batch_size)',
    )
    parser.add_argument('--deterministic', action='store_true', help='use deterministic algorithms')
    add_cfg_options(parser, example='model.backbone.depth=18')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher',
    )
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument(
        '--verbose',
        action='store_true',
        help='also show the environment, the config, the hooks and every log line on the '
        'console (they always go to the log file)',
    )
    add_amp_argument(parser)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main(argv=None) -> None:
    """Parse the command line, load the config and train."""
    args = parse_args(argv)
    from mmaction.engine import TrainOptions, cli_guard, load_config, train_model

    if args.gpus is not None or args.gpu_ids is not None:
        warnings.warn(
            '--gpus/--gpu-ids are accepted for compatibility and ignored: a process uses one '
            'device; use tools/dist_train.sh for several GPUs',
            stacklevel=1,
        )
    options = TrainOptions(
        work_dir=args.work_dir,
        launcher=args.launcher,
        verbose=args.verbose,
        validate=args.validate,
        test_last=args.test_last,
        test_best=args.test_best,
        resume=args.resume_from or args.resume or ('auto' if args.auto_resume else None),
        seed=args.seed,
        diff_seed=args.diff_seed,
        deterministic=args.deterministic,
        auto_scale_lr=args.auto_scale_lr,
        amp=args.amp,
    )
    with cli_guard():
        cfg = load_config(args.config, args.cfg_options)
        train_model(cfg, args.config, options)


if __name__ == '__main__':
    sys.exit(main())
