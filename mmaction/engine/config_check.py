"""Checks that catch misspelled keys and unknown ``type=`` names in 0.x configs.

A 0.x config file mixes the keys the tools read (``optimizer``, ``data``, ...)
with helper variables (``img_norm_cfg``, ``train_pipeline``, ...), so an
unknown top-level key is only an error when it looks like a misspelling of a
key the tools read. Keys inside ``data`` form a closed set and are checked
strictly.
"""

import difflib
import re
from contextlib import contextmanager
from typing import Iterator, List, Optional, Sequence

from mmaction.utils.errors import ConfigError

from .speed import SPEED_KEYS

#: Top-level keys that MMAction2 0.x's train/test tools (or this toolkit) read.
KNOWN_TOP_LEVEL_KEYS = frozenset(SPEED_KEYS) | frozenset(
    {
        'model', 'data', 'optimizer', 'optimizer_config', 'lr_config', 'momentum_config',
        'total_epochs', 'evaluation', 'checkpoint_config', 'log_config', 'dist_params',
        'log_level', 'load_from', 'resume_from', 'workflow', 'opencv_num_threads',
        'mp_start_method', 'work_dir', 'fp16', 'cudnn_benchmark', 'find_unused_parameters',
        'custom_hooks', 'module_hooks', 'seed', 'gpu_ids', 'omnisource', 'precise_bn',
        'train_cfg', 'test_cfg', 'eval_config', 'output_config', 'sync_bn', 'auto_resume',
        'deterministic', 'randomness', 'launcher',
    }
)  # fmt: skip

#: Keys of the ``data`` dict of a 0.x config.
KNOWN_DATA_KEYS = frozenset(
    {
        'videos_per_gpu', 'workers_per_gpu', 'persistent_workers', 'pin_memory', 'drop_last',
        'prefetch_factor', 'train', 'val', 'test', 'train_dataloader', 'val_dataloader',
        'test_dataloader',
    }
)  # fmt: skip

#: Keys of ``data.{train,val,test}_dataloader`` (0.x ``build_dataloader`` arguments).
KNOWN_LOADER_KEYS = frozenset(
    {
        'videos_per_gpu', 'workers_per_gpu', 'persistent_workers', 'pin_memory', 'drop_last',
        'prefetch_factor', 'shuffle',
    }
)  # fmt: skip


def _suggest(name: str, candidates: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=3, cutoff=0.6)
    if not close:
        return ''
    return ' Did you mean ' + ' or '.join(repr(c) for c in close) + '?'


def check_top_level_keys(cfg, filename: Optional[str] = None) -> None:
    """Reject top-level keys that look like misspellings of known keys.

    Args:
        cfg: The loaded config (``mmengine.Config`` or dict).
        filename: Config file name, used in the error message.

    Raises:
        ConfigError: naming the misspelled key and the key it resembles.
    """
    where = f' in config {filename}' if filename else ''
    for key in cfg.keys():
        if key in KNOWN_TOP_LEVEL_KEYS or key.startswith('_'):
            continue
        close = difflib.get_close_matches(key, sorted(KNOWN_TOP_LEVEL_KEYS), n=1, cutoff=0.8)
        if close:
            raise ConfigError(f'Unknown top-level key {key!r}{where}. Did you mean {close[0]!r}?')


def check_data_keys(data, filename: Optional[str] = None) -> None:
    """Check the keys of ``data`` and of its per-split loader overrides.

    Raises:
        ConfigError: naming the unknown key (``data.<key>``) and close matches.
    """
    where = f' in config {filename}' if filename else ''
    if not isinstance(data, dict):
        raise ConfigError(f'`data`{where} must be a dict, got {type(data).__name__}')
    for key in data.keys():
        if key not in KNOWN_DATA_KEYS:
            raise ConfigError(
                f'Unknown key data.{key}{where}.{_suggest(key, KNOWN_DATA_KEYS)} '
                f'Known keys: {", ".join(sorted(KNOWN_DATA_KEYS))}.'
            )
    for split in ('train', 'val', 'test'):
        loader = data.get(f'{split}_dataloader') or {}
        for key in loader.keys():
            if key not in KNOWN_LOADER_KEYS:
                raise ConfigError(
                    f'Unknown key data.{split}_dataloader.{key}{where}.'
                    f'{_suggest(key, KNOWN_LOADER_KEYS)}'
                )


def find_type_paths(cfg, type_name: str, prefix: str = '') -> List[str]:
    """Dotted paths of every dict in ``cfg`` whose ``type`` is ``type_name``."""
    found: List[str] = []
    if isinstance(cfg, dict):
        if cfg.get('type') == type_name:
            found.append(prefix or '<root>')
        for key, value in cfg.items():
            found += find_type_paths(value, type_name, f'{prefix}.{key}' if prefix else str(key))
    elif isinstance(cfg, (list, tuple)):
        for i, value in enumerate(cfg):
            found += find_type_paths(value, type_name, f'{prefix}[{i}]')
    return found


def _registered_names(registry_name: str) -> List[str]:
    import mmengine.registry as mm_registry

    from mmaction import registry as action_registry

    names = set()
    for module in (action_registry, mm_registry):
        for obj in vars(module).values():
            if getattr(obj, 'name', None) == registry_name and hasattr(obj, 'module_dict'):
                names.update(obj.module_dict.keys())
    return sorted(names)


_NOT_IN_REGISTRY = re.compile(r"['\"]?([\w.]+) is not in the ([\w:]+) registry")


@contextmanager
def explain_registry_errors(cfg, filename: Optional[str] = None) -> Iterator[None]:
    """Turn a registry's "X is not in the Y registry" KeyError into a ConfigError.

    The new message names the config key(s) holding ``type='X'`` and suggests
    close registered names.
    """
    try:
        yield
    except KeyError as err:
        match = _NOT_IN_REGISTRY.search(str(err))
        if match is None:
            raise
        type_name, registry = match.group(1), match.group(2)
        registry_name = registry.split('::')[-1]
        paths = find_type_paths(cfg.to_dict() if hasattr(cfg, 'to_dict') else cfg, type_name)
        where = f' in config {filename}' if filename else ''
        at = f' (at {", ".join(paths)})' if paths else ''
        hint = _suggest(type_name, _registered_names(registry_name))
        raise ConfigError(
            f'Unknown type {type_name!r}{at}{where}: no such {registry_name} is registered.{hint}'
        ) from err
