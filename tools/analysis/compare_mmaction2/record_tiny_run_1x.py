"""Record a tiny MMAction2 1.x TPN run (run with MMAction2 1.x's interpreter, not this toolkit's).

Trains ``tests/data/reference/mmaction2_1x_tiny/config.py`` for its 2 epochs
with MMAction2's own ``tools/train.py``, then runs MMAction2's
``tools/test.py CONFIG CKPT --dump scores.pkl`` on the final checkpoint, and
copies the checkpoint (``epoch_2.pth``), the dump (``scores.pkl``) and the
two logs into the reference folder. The training videos are made first with
this toolkit's generator (its own interpreter)::

    PYTHONPATH=$PWD python tools/data/synthetic/generate.py --out /tmp/syn1x \\
        --num-train-per-class 2 --num-val-per-class 1 --frames 24 --width 48 --height 48
    cd /tmp && /path/to/mmaction2-venv/bin/python \\
        /path/to/repo/tools/analysis/compare_mmaction2/record_tiny_run_1x.py \\
        --mmaction2 /path/to/mmaction2-src --data /tmp/syn1x --work /tmp/rec1x

Run it from outside this repository (``cd /tmp``): from inside it, Python
would import this toolkit's ``mmaction`` package instead of MMAction2's.

Workaround for MMAction2 1.2.0 (mmengine 0.10) under torch >= 2.6, whose
``torch.load`` defaults to ``weights_only=True``: mmengine's checkpoint
loading (``tools/test.py`` loading the trained checkpoint) passes no
``weights_only`` and would refuse the pickled message hub. The subprocesses
get ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``, torch's own switch back to the
old default; MMAction2's source is not changed.
"""

import argparse
import os
import os.path as osp
import shutil
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
REFERENCE = osp.join('tests', 'data', 'reference', 'mmaction2_1x_tiny')
# Where the config expects the training data, relative to the working folder.
TRAIN_DATA = osp.join('data', 'synthetic_1x_tiny')


def _run(args: list, cwd: str, log: str) -> None:
    env = dict(os.environ, TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD='1', PYTHONHASHSEED='0')
    print('+', ' '.join(args), flush=True)
    with open(log, 'w') as out:
        subprocess.run(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, check=True)


def _link(target: str, link: str) -> None:
    os.makedirs(osp.dirname(link), exist_ok=True)
    if osp.lexists(link):
        os.remove(link)
    os.symlink(target, link)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--mmaction2', required=True, help='MMAction2 1.x source folder')
    parser.add_argument('--data', required=True, help='the generated synthetic data set')
    parser.add_argument('--work', required=True, help='scratch folder (working directory)')
    args = parser.parse_args()

    work = osp.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    # The config's relative paths resolve inside the scratch folder.
    _link(osp.join(REPO, REFERENCE), osp.join(work, REFERENCE))
    _link(osp.abspath(args.data), osp.join(work, TRAIN_DATA))
    config = osp.join(REFERENCE, 'config.py')
    tools = osp.join(osp.abspath(args.mmaction2), 'tools')
    work_dir = osp.join(work, 'work_dir')
    if osp.isdir(work_dir):
        shutil.rmtree(work_dir)

    train_log = osp.join(work, 'train.log')
    test_log = osp.join(work, 'test.log')
    _run(
        [sys.executable, osp.join(tools, 'train.py'), config, '--work-dir', work_dir],
        work,
        train_log,
    )
    checkpoint = osp.join(work_dir, 'epoch_2.pth')
    dump = osp.join(work, 'scores.pkl')
    _run(
        [
            sys.executable,
            osp.join(tools, 'test.py'),
            config,
            checkpoint,
            '--dump',
            dump,
            '--work-dir',
            osp.join(work, 'test_work_dir'),
        ],
        work,
        test_log,
    )

    out = osp.join(REPO, REFERENCE)
    shutil.copyfile(checkpoint, osp.join(out, 'epoch_2.pth'))
    shutil.copyfile(dump, osp.join(out, 'scores.pkl'))
    shutil.copyfile(train_log, osp.join(out, 'train.log'))
    shutil.copyfile(test_log, osp.join(out, 'test.log'))
    print(f'wrote epoch_2.pth, scores.pkl, train.log and test.log to {out}')


if __name__ == '__main__':
    main()
