"""Load a config file and apply ``--cfg-options``, with one clear line for every mistake.

mmengine's ``Config.fromfile`` reports a missing file without its name and a
syntax error without the file and line; ``merge_from_dict`` creates any key
it is given, so a misspelled ``--cfg-options`` key, or one naming a helper
variable that the config has already used up, would be accepted and then
ignored. :func:`load_config` turns each of these into a :class:`ConfigError`.
"""

import ast
import difflib
import os
import os.path as osp
from typing import Any, List, Optional, Tuple

from mmengine.config import Config

from .checks import ConfigError, suggest
from .convert import KNOWN_TOP_LEVEL_KEYS


def _base_files(path: str) -> List[str]:
    """The ``_base_`` files a config file names (resolved next to it), if any."""
    try:
        tree = ast.parse(open(path, encoding='utf-8').read(), filename=path)
    except SyntaxError:
        return []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == '_base_' for t in node.targets
        ):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return []
            names = [value] if isinstance(value, str) else list(value)
            return [osp.join(osp.dirname(path), name) for name in names]
    return []


def _find_problem(path: str) -> Optional[str]:
    """What is wrong with ``path`` or one of its ``_base_`` files: syntax or a missing file."""
    if not osp.isfile(path):
        return f'config file {path} does not exist'
    try:
        compile(open(path, encoding='utf-8').read(), path, 'exec')
    except SyntaxError as err:
        return f'{path}, line {err.lineno}: syntax error: {err.msg}'
    for base in _base_files(path):
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


def _walk(cfg: Any, parts: List[str]) -> Tuple[Any, str]:
    """Follow ``parts`` (all but the last key of a dotted option) from ``cfg``."""
    node, walked = cfg, []
    for part in parts:
        if isinstance(node, (list, tuple)):
            if not part.isdigit() or int(part) >= len(node):
                raise KeyError(
                    (walked, part, f'It is a list of {len(node)} entries (0..{len(node) - 1}).')
                )
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            keys = list(node) if isinstance(node, dict) else []
            raise KeyError((walked, part, suggest(part, keys).strip()))
        walked.append(part)
    return node, '.'.join(walked)


def check_cfg_options(cfg: Config, options: dict, filename: str) -> None:
    """Refuse ``--cfg-options`` keys that do not exist in the config.

    Every key on the way to the option must exist (list indices in range).
    The last key may be new, since a component can take an argument its
    config leaves at the default: the component (or the section's handler)
    checks it when it is built. A new top-level key must be one the tools
    read (its handler checks what is set under it, e.g. ``compile.backend``),
    and a top-level helper variable (``img_norm_cfg``, ...) cannot be
    changed: the config has already used its value.

    Raises:
        ConfigError: Naming the option and the closest existing key.
    """
    plain = cfg.to_dict()
    for option in options:
        parts = str(option).split('.')
        top = parts[0]
        if top not in KNOWN_TOP_LEVEL_KEYS and not top.startswith('_'):
            if top in plain:
                raise ConfigError(
                    f'--cfg-options {option}: {top!r} is a helper variable of {filename}, whose '
                    'value the config has already used; change the keys that use it instead'
                )
            raise ConfigError(
                f'--cfg-options {option}: {filename} has no key {top!r} and the tools do not '
                f'read one.{suggest(top, sorted(KNOWN_TOP_LEVEL_KEYS))}'
            )
        if top not in plain:
            continue  # a section the config leaves out: its handler checks the keys
        try:
            _walk(plain, parts[:-1])
        except KeyError as err:
            walked, part, hint = err.args[0]
            where = '.'.join(walked) or 'the top level'
            raise ConfigError(
                f'--cfg-options {option}: {filename} has no key {part!r} under {where}.'
                + (f' {hint}' if hint else '')
            ) from None


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a 0.x config file and merge ``--cfg-options`` into it.

    Args:
        path: The config file.
        cfg_options: ``--cfg-options`` as parsed by mmengine's ``DictAction``.

    Returns:
        The config.

    Raises:
        ConfigError: The file (or a ``_base_``) is missing or has a syntax
            error (file and line named), or an option names no existing key.
    """
    if not osp.isfile(path):
        raise ConfigError(_missing_config_message(path))
    try:
        cfg = Config.fromfile(path)
    except (SyntaxError, FileNotFoundError) as err:
        problem = _find_problem(path) or f'{path}: {err}'
        raise ConfigError(problem) from err
    if cfg_options:
        check_cfg_options(cfg, cfg_options, path)
        cfg.merge_from_dict(cfg_options)
    return cfg
