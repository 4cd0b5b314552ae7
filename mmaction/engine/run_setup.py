"""The start of a training or test run, shared by :mod:`.training` and :mod:`.testing`."""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config

from mmaction.utils import patch_mmengine_checkpoint_loading

from .config.checks import naming_config
from .config.convert import runner_config
from .config.loader import config_dialect
from .options import RunOptions
from .runtime.console import setup_console, show, show_run_header


def prepare_run(
    convert: Callable[..., Dict[str, Any]],
    cfg: Config,
    config_path: Optional[str],
    options: RunOptions,
) -> Tuple[Dict[str, Any], Config, List[str]]:
    """Register the components, set up the console and convert the 0.x config.

    Args:
        convert: ``convert_train_config`` or ``convert_test_config``.
        cfg: The 0.x config, after ``--cfg-options``.
        config_path: The config file, for messages.
        options: The run's command-line options.

    Returns:
        The Runner keyword arguments (``notes`` taken out), the config the
        Runner keeps, and the notes to log once the Runner's logger exists.
    """
    patch_mmengine_checkpoint_loading()
    import mmaction.datasets  # noqa: F401  (registers datasets and transforms)
    import mmaction.evaluation  # noqa: F401  (registers metrics)
    import mmaction.models  # noqa: F401  (registers models)

    setup_console(verbose=options.verbose)
    with naming_config(config_path):
        settings = convert(cfg, config_path, options)
    notes = settings.pop('notes')
    return settings, runner_config(cfg, settings['work_dir']), notes


def announce_run(
    kind: str, config_path: Optional[str], runner, datasets: Dict, notes: Sequence[str]
) -> None:
    """The run's header on the console, then the notes of the config conversion."""
    show_run_header(kind, config_path, runner, datasets, config_dialect(runner.cfg))
    for note in notes:
        show(note, runner.logger)
