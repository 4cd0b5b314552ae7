"""Load a config file of either MMAction2 dialect, with one clear line for every mistake.

Every tool loads its config here. mmengine's ``Config.fromfile`` reports a
missing file without its name and a syntax error without the file and
line; ``merge_from_dict`` creates any key it is given. :func:`load_config`
names the file and line at fault, detects the dialect, checks every
top-level key against the dialect's contract (:mod:`.contract`), and
checks and merges ``--cfg-options`` (:mod:`.cfg_options`).
"""

import difflib
import os
import os.path as osp
from typing import List, Optional, Tuple

from mmengine.config import Config

from .cfg_options import check_cfg_options, parse_cfg_options
from .checks import ConfigError
from .contract import check_top_level_keys, detect_dialect, handler_of
from .usage import base_files, used_names


def _find_problem(path: str) -> Optional[str]:
    """What is wrong with ``path`` or one of its ``_base_`` files: syntax or a missing file."""
    if not osp.isfile(path):
        return f'config file {path} does not exist'
    try:
        compile(open(path, encoding='utf-8').read(), path, 'exec')
    except SyntaxError as err:
        return f'{path}, line {err.lineno}: syntax error: {err.msg}'
    for base in base_files(path):
        problem = _find_problem(base)
        if problem:
            return f'{problem} (a _base_ of {path})' if not osp.isfile(base) else problem
    return None


def _missing_config_message(path: str) -> str:
    folder = osp.dirname(path) or '.'
    names = sorted(n for n in os.listdir(folder) if n.endswith('.py')) if osp.isdir(folder) else []
    close = difflib.get_close_matches(osp.basename(path), names, n=1, cutoff=0.6)
    hint = f' Did you mean {osp.join(folder, close[0])}?' if close else ''
    return f'config file {path} does not exist.{hint}'


def config_dialect(cfg) -> str:
    """``'0.x'`` or ``'1.x'``: the MMAction2 dialect of a config (file, ``Config`` or dict).

    The keys decide (:func:`~.contract.detect_dialect`); for a config read
    from a file, the helper variables its source uses are not counted.
    """
    plain = cfg.to_dict() if hasattr(cfg, 'to_dict') else dict(cfg)
    filename = getattr(cfg, 'filename', None)
    return detect_dialect(plain, used_names(filename), filename)


def describe_keys(cfg) -> List[Tuple[str, str]]:
    """``(key, what reads it)`` for every top-level key of a config, for ``print_config.py``."""
    dialect = config_dialect(cfg)
    return [(key, handler_of(key, dialect)) for key in cfg.keys()]


def merge_cfg_options(
    cfg: Config, cfg_options: Optional[dict], filename: Optional[str] = None
) -> Config:
    """Check ``cfg_options`` against ``cfg`` and merge them in (in place); returns ``cfg``.

    Raises:
        ConfigError: An option names no existing key, a helper variable, or
            has a value that cannot be parsed.
    """
    options = parse_cfg_options(cfg_options)
    if options:
        check_cfg_options(cfg.to_dict(), options, config_dialect(cfg), filename or 'the config')
        cfg.merge_from_dict(options)
    return cfg


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config file of either dialect and merge ``--cfg-options`` into it.

    Args:
        path: The config file.
        cfg_options: ``--cfg-options``: as typed on the command line
            (:class:`~.cfg_options.RawCfgOptions`, parsed here) or a dict of
            values.

    Returns:
        The config.

    Raises:
        ConfigError: The file (or a ``_base_``) is missing or has a syntax
            error (file and line named); the config mixes the dialects or has
            a key no handler reads; an option names no existing key or has a
            value that cannot be parsed.
    """
    if not osp.isfile(path):
        raise ConfigError(_missing_config_message(path))
    try:
        cfg = Config.fromfile(path)
    except (SyntaxError, FileNotFoundError) as err:
        problem = _find_problem(path) or f'{path}: {err}'
        raise ConfigError(problem) from err
    used = used_names(path)
    plain = cfg.to_dict()
    check_top_level_keys(plain, detect_dialect(plain, used, path), used, path)
    return merge_cfg_options(cfg, cfg_options, path)
