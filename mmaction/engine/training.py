"""Training entry point behind ``tools/train.py``."""

import os
import os.path as osp
from typing import Dict, Optional

from mmengine.config import Config

from .config.checks import explain_registry_errors
from .config.convert import convert_train_config
from .config.data import build_checked_datasets
from .options import TrainOptions
from .run_setup import announce_run, prepare_run
from .runtime.console import show
from .runtime.hooks.console_progress_hook import format_metric_lines
from .runtime.runner import ActionRunner


def _best_checkpoint(runner) -> Optional[str]:
    """The best checkpoint of the run (0.x: the newest ``best_*.pth`` of the work dir)."""
    path = runner.message_hub.get_info('best_ckpt')
    if path and osp.isfile(path):
        return path
    names = [n for n in os.listdir(runner.work_dir) if 'best' in n and n.endswith('.pth')]
    if not names:
        return None
    names.sort(key=lambda n: osp.getmtime(osp.join(runner.work_dir, n)))
    return osp.join(runner.work_dir, names[-1])


def _test_after_training(runner, test_last: bool, test_best: bool) -> Dict[str, dict]:
    """Test the last and/or best weights on ``data.test``; scores go to ``<name>_pred.pkl``."""
    from mmengine.dist import barrier

    barrier()
    runner.mark_checkpoint_loaded()
    plan = []
    if test_last:
        plan.append(('last', None))
    if test_best:
        best = _best_checkpoint(runner)
        if best is None:
            runner.logger.warning('--test-best: no best checkpoint found (was --validate given?)')
        else:
            plan.append(('best', best))
    results = {}
    for name, checkpoint in plan:
        if checkpoint is not None:
            runner.load_checkpoint(checkpoint)
        loop = runner.test_loop
        for metric in loop.evaluator.metrics:
            if hasattr(metric, 'out_file'):
                metric.out_file = osp.join(runner.work_dir, f'{name}_pred.pkl')
        metrics = runner.test()
        show(f'Testing results of the {name} checkpoint:\n' + format_metric_lines(metrics))
        results[name] = metrics
    return results


def train_model(
    cfg: Config, config_path: Optional[str] = None, options: Optional[TrainOptions] = None
) -> Dict[str, dict]:
    """Train (and optionally test) a model described by a 0.x config.

    Args:
        cfg: The 0.x config, after ``--cfg-options``.
        config_path: Path of the config file (messages, default work dir,
            name of the config copy in the work dir).
        options: The options of ``tools/train.py`` (defaults: ``TrainOptions()``).

    Returns:
        Test metrics by checkpoint name (``'last'``, ``'best'``) when
        ``test_last``/``test_best``; else an empty dict.
    """
    options = options or TrainOptions()
    settings, runner_cfg, notes = prepare_run(convert_train_config, cfg, config_path, options)
    with explain_registry_errors(cfg, config_path):
        datasets = build_checked_datasets(settings, settings['model'])
        # The runner builds the model config with the model builder (see ActionRunner).
        runner = ActionRunner(cfg=runner_cfg, verbose=options.verbose, **settings)
        announce_run('Training', config_path, runner, datasets, notes)
        runner.train()
        if not options.test:
            return {}
        return _test_after_training(runner, options.test_last, options.test_best)
