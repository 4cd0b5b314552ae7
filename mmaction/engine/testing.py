"""Testing entry point behind ``tools/test.py``."""

from typing import Callable, Dict, Optional

from mmengine.config import Config
from torch import nn

from .config.checks import explain_registry_errors
from .config.convert import convert_test_config
from .config.data import build_checked_datasets
from .model_builder import build_model
from .options import TestOptions
from .run_setup import announce_run, prepare_run
from .runtime.console import show
from .runtime.hooks.console_progress_hook import format_metric_lines
from .runtime.per_class_report import find_class_report, report_lines
from .runtime.runner import ActionRunner
from .speed.plan import SpeedPlan

#: Builds the model of a test run from the model config, the checkpoint, the
#: speed plan and the options; returns a model whose ``test_step`` gives the
#: per-video ``pred_score`` (and ``gt_label``), as the recognizers' does.
TestModelBuilder = Callable[[dict, str, SpeedPlan, TestOptions], nn.Module]


def build_pytorch_test_model(
    model_cfg: dict, checkpoint: str, speed: SpeedPlan, options: TestOptions
) -> nn.Module:
    """The PyTorch recognizer of a test run (the default :data:`TestModelBuilder`)."""
    return build_model(
        model_cfg, checkpoint, strict=True, speed=speed, fuse_conv_bn=options.fuse_conv_bn
    )


def test_model(
    cfg: Config,
    checkpoint: str,
    config_path: Optional[str] = None,
    options: Optional[TestOptions] = None,
    build: Optional[TestModelBuilder] = None,
) -> Dict[str, float]:
    """Test a checkpoint on ``data.test`` of a 0.x config.

    Args:
        cfg: The 0.x config, after ``--cfg-options``.
        checkpoint: Checkpoint path or URL (MMAction2 0.x/1.x or this
            toolkit's), loaded with ``weights_only=True``. It must fit the
            model: missing keys or other shapes are an error.
        config_path: Path of the config file.
        options: The options of ``tools/test.py`` (defaults: ``TestOptions()``).
        build: Builds the model (default: :func:`build_pytorch_test_model`);
            ``mmaction.apis.test_model`` passes the ONNX Runtime backend's.

    Returns:
        The metrics (identical on every process).
    """
    options = options or TestOptions()
    settings, runner_cfg, notes = prepare_run(convert_test_config, cfg, config_path, options)
    with explain_registry_errors(cfg, config_path):
        model_cfg = settings.pop('model')
        datasets = build_checked_datasets(settings, model_cfg)
        model = (build or build_pytorch_test_model)(
            model_cfg, checkpoint, settings['speed'], options
        )
        runner = ActionRunner(model=model, cfg=runner_cfg, verbose=options.verbose, **settings)
        announce_run('Testing', config_path, runner, datasets, notes)
        show(f'Checkpoint: {checkpoint}', runner.logger)
        results = runner.test()
    lines = [format_metric_lines(results)]
    out = next(
        (e['out_file'] for e in settings['test_evaluator'] if e['type'] == 'DumpVideoScores'), None
    )
    if out:
        lines.append(f'Scores of every video: {out}')
    report = find_class_report(runner.test_loop.evaluator)
    if report is not None and report.latest is not None:
        lines += [report_lines(report.latest, report.out_dir, 'the test videos'), *report.notes]
    show('\n'.join(lines), runner.logger)
    return results


# Not a pytest test, although the name (kept from MMAction2) starts with "test".
test_model.__test__ = False
