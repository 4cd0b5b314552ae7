"""Testing entry point behind ``tools/test.py``."""

from typing import Dict, Optional

from mmengine.config import Config

from mmaction.registry import MODELS
from mmaction.utils import load_checkpoint, patch_mmengine_checkpoint_loading

from .config.checks import explain_registry_errors, naming_config
from .config.convert import convert_test_config, runner_config
from .config.data import build_checked_datasets
from .options import TestOptions
from .runtime.console import setup_console, show, show_run_header
from .runtime.hooks.console_progress_hook import format_metric_lines
from .runtime.runner import ActionRunner
from .speed.fuse_conv_bn import fuse_conv_bn


def test_model(
    cfg: Config,
    checkpoint: str,
    config_path: Optional[str] = None,
    options: Optional[TestOptions] = None,
) -> Dict[str, float]:
    """Test a checkpoint on ``data.test`` of a 0.x config.

    Args:
        cfg: The 0.x config, after ``--cfg-options``.
        checkpoint: Checkpoint path or URL (MMAction2 0.x/1.x or this
            toolkit's), loaded with ``weights_only=True``. It must fit the
            model: missing keys or other shapes are an error.
        config_path: Path of the config file.
        options: The options of ``tools/test.py`` (defaults: ``TestOptions()``).

    Returns:
        The metrics (identical on every process).
    """
    options = options or TestOptions()
    patch_mmengine_checkpoint_loading()
    import mmaction.datasets  # noqa: F401  (registers datasets and transforms)
    import mmaction.evaluation  # noqa: F401  (registers metrics)
    import mmaction.models  # noqa: F401  (registers models)

    setup_console(verbose=options.verbose)
    with naming_config(config_path):
        settings = convert_test_config(cfg, config_path, options)
    notes = settings.pop('notes')
    runner_cfg = runner_config(cfg, settings['work_dir'])
    with explain_registry_errors(cfg, config_path):
        model_cfg = settings.pop('model')
        datasets = build_checked_datasets(settings, model_cfg)
        model = MODELS.build(model_cfg)
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
        model.eval()
        if options.fuse_conv_bn:
            model = fuse_conv_bn(model)
        runner = ActionRunner(model=model, cfg=runner_cfg, verbose=options.verbose, **settings)
        show_run_header('Testing', config_path, runner, datasets)
        for note in notes:
            show(note, runner.logger)
        show(f'Checkpoint: {checkpoint}', runner.logger)
        results = runner.test()
    lines = [format_metric_lines(results)]
    out = next(
        (e['out_file'] for e in settings['test_evaluator'] if e['type'] == 'DumpVideoScores'), None
    )
    if out:
        lines.append(f'Scores of every video: {out}')
    show('\n'.join(lines), runner.logger)
    return results


# Not a pytest test, although the name (kept from MMAction2) starts with "test".
test_model.__test__ = False
