"""Testing entry point behind ``tools/test.py``."""

from typing import Any, Dict, List, Optional

from mmengine.config import Config
from mmengine.dist import get_dist_info

from mmaction.registry import MODELS
from mmaction.utils import load_checkpoint, patch_mmengine_checkpoint_loading

from .config_adapter import KEEP_AVERAGE_CLIPS, convert_test_config, runner_config
from .config_check import explain_registry_errors
from .fuse_conv_bn import fuse_conv_bn
from .runner import ActionRunner

_DEPRECATED_EVAL_OPTIONS = {'topk': 'top_k_accuracy'}


def eval_options_to_metric_options(eval_options: Optional[dict]) -> dict:
    """Map 0.x ``--eval-options`` onto ``AccMetric``'s ``metric_options``.

    Accepts ``metric_options=dict(...)`` as 0.x's ``dataset.evaluate`` did,
    and its deprecated short form ``topk=(1, 5)``.
    """
    options: Dict[str, dict] = {}
    for key, value in (eval_options or {}).items():
        if key == 'metric_options':
            for metric, metric_opts in dict(value).items():
                options.setdefault(metric, {}).update(metric_opts)
        elif key in _DEPRECATED_EVAL_OPTIONS:
            options.setdefault(_DEPRECATED_EVAL_OPTIONS[key], {})[key] = value
        else:
            raise ValueError(
                f'--eval-options: unknown option {key!r}; use metric_options.<metric>.<name>=... '
                f'or {", ".join(_DEPRECATED_EVAL_OPTIONS)}'
            )
    return options


def test_model(
    cfg: Config,
    checkpoint: str,
    config_path: Optional[str] = None,
    *,
    metrics: Optional[List[str]] = None,
    eval_options: Optional[dict] = None,
    out: Optional[str] = None,
    average_clips: Any = KEEP_AVERAGE_CLIPS,
    fuse_conv_bn_layers: bool = False,
    work_dir: Optional[str] = None,
    launcher: str = 'none',
) -> Dict[str, float]:
    """Test a checkpoint on ``data.test`` of a 0.x config.

    Args:
        cfg: The 0.x config, after ``--cfg-options``.
        checkpoint: Checkpoint path or URL (MMAction2 0.x/1.x or this
            toolkit's), loaded with ``weights_only=True``.
        config_path: Path of the config file.
        metrics: ``--eval`` names, e.g. ``['top_k_accuracy', 'mean_class_accuracy']``.
        eval_options: ``--eval-options``.
        out: ``--out``: write per-video scores (``.json``/``.pkl``/``.yaml``).
        average_clips: ``--average-clips``.
        fuse_conv_bn_layers: ``--fuse-conv-bn``.
        work_dir: Where the log goes.
        launcher: ``--launcher``.

    Returns:
        The metrics (identical on every process).
    """
    patch_mmengine_checkpoint_loading()
    import mmaction.datasets  # noqa: F401  (registers datasets and transforms)
    import mmaction.evaluation  # noqa: F401  (registers metrics)
    import mmaction.models  # noqa: F401  (registers models)

    # 0.x also read these from the config; the command line wins.
    output_config = dict(cfg.get('output_config') or {})
    eval_config = dict(cfg.get('eval_config') or {})
    out = out or output_config.get('out')
    metrics = metrics or eval_config.pop('metrics', None)
    eval_config.pop('metrics', None)
    eval_options = dict(eval_config, **(eval_options or {}))
    settings = convert_test_config(
        cfg,
        config_path,
        metrics=metrics,
        metric_options=eval_options_to_metric_options(eval_options),
        out=out,
        average_clips=average_clips,
        work_dir=work_dir,
        launcher=launcher,
    )
    notes = settings.pop('notes')
    runner_cfg = runner_config(cfg, settings['work_dir'])
    with explain_registry_errors(cfg, config_path):
        model = MODELS.build(settings.pop('model'))
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
        model.eval()
        if fuse_conv_bn_layers:
            model = fuse_conv_bn(model)
        runner = ActionRunner(model=model, cfg=runner_cfg, **settings)
        for note in notes:
            runner.logger.info(note)
        results = runner.test()
    rank, _ = get_dist_info()
    if rank == 0:
        if out:
            print(f'\nwriting results to {out}')
        for name, value in results.items():
            print(f'{name}: {value:.04f}')
    return results


# Not a pytest test, although the name (kept from MMAction2) starts with "test".
test_model.__test__ = False
