"""Rewrite a config file into the other MMAction2 dialect (``tools/convert_config.py``).

The config is loaded as every tool loads it (``_base_`` files and
``--cfg-options`` merged, every key checked), translated (0.x to 1.x by
:mod:`.zero_x` then :mod:`.idiom_one_x`; 1.x to 0.x by :mod:`.to_zero_x`),
and written as mmengine's ``pretty_text`` under a header that names the
source, the dialects, what was left out and the command. The written file
is loaded back and must be a config of the target dialect.
"""

import os
import os.path as osp
import shlex
from typing import List, Optional, Tuple

from mmengine.config import Config

from ..runtime.atomic_io import atomic_write_text
from . import to_zero_x, zero_x
from .checks import ConfigError
from .contract import DIALECTS
from .idiom_one_x import idiomatic_one_x
from .loader import config_dialect, load_config


def _other(dialect: str) -> str:
    return '1.x' if dialect == '0.x' else '0.x'


def _command(in_path: str, out_path: str, target: str, cfg_options: Optional[dict]) -> str:
    words = ['python', 'tools/convert_config.py', in_path, out_path, '--to', target]
    if cfg_options:
        words += ['--cfg-options'] + [f'{key}={value}' for key, value in cfg_options.items()]
    return ' '.join(shlex.quote(str(word)) for word in words)


def _one_x_notes(plain: dict, source: dict, defaults: zero_x.RunDefaults) -> List[str]:
    notes = list(defaults.notes)
    if 'val_dataloader' in plain:
        notes.append('1.x runs validate unless --no-validate (0.x runs only with --validate)')
    if source.get('seed') is not None:
        notes.append("randomness wins over --seed in 1.x (0.x's --seed wins over seed)")
    return notes


def _zero_x_notes(plain: dict, source: dict) -> List[str]:
    notes = []
    if 'val' in plain.get('data', {}):
        notes.append('0.x runs validate only with --validate (1.x runs unless --no-validate)')
    if (source.get('randomness') or {}).get('seed') is not None:
        notes.append("--seed wins over seed in 0.x (1.x's randomness wins over --seed)")
    return notes


def translate_config(cfg: Config, target: str) -> Tuple[dict, List[str]]:
    """The plain ``target``-dialect config of ``cfg`` and lines about what changed.

    Args:
        cfg: A loaded config of the other dialect.
        target: ``'0.x'`` or ``'1.x'``.

    Returns:
        ``(config, notes)``: a plain dict, and one line for each setting left
        out or run differently by default in the target dialect.
    """
    source = cfg.to_dict()
    if target == '1.x':
        plain, defaults = zero_x.translate(source)
        plain = idiomatic_one_x(plain)
        return plain, _one_x_notes(plain, source, defaults)
    plain, notes = to_zero_x.translate(source)
    return plain, notes + _zero_x_notes(plain, source)


def _header(in_path: str, source: str, target: str, notes: List[str], command: str) -> str:
    lines = [
        f'MMAction2 {target} config, converted from the {source} config {in_path}',
        'by tools/convert_config.py: _base_ files, helper variables and --cfg-options are '
        'resolved into it.',
    ]
    if notes:
        lines.append('Left out, or run differently by default:')
        lines += [f'  - {note}' for note in notes]
    lines.append(f'Command: {command}')
    return ''.join(f'# {line}\n' for line in lines) + '\n'


def convert_config_file(
    in_path: str, out_path: str, to: Optional[str] = None, cfg_options: Optional[dict] = None
) -> Tuple[str, str]:
    """Write ``in_path`` (after ``cfg_options``) as a config of the other dialect to ``out_path``.

    Args:
        in_path: The config file.
        out_path: The file to write (its folder is created).
        to: ``'0.x'`` or ``'1.x'``; None: the other dialect than the source's.
        cfg_options: ``--cfg-options`` (as typed, or a dict of values).

    Returns:
        ``(target, source)``: the dialects written and read.

    Raises:
        ConfigError: The config cannot be loaded, is already in ``to``, or
            has a key with no form in the target dialect.
    """
    cfg = load_config(in_path, cfg_options)
    source = config_dialect(cfg)
    target = to or _other(source)
    if target not in DIALECTS:
        raise ConfigError(f"--to {target}: use '0.x' or '1.x'")
    if target == source:
        raise ConfigError(
            f'{in_path} is already a MMAction2 {source} config: nothing to convert '
            f'(--to {_other(source)} rewrites it into the other dialect)'
        )
    plain, notes = translate_config(cfg, target)
    text = _header(in_path, source, target, notes, _command(in_path, out_path, target, cfg_options))
    if osp.dirname(out_path):
        os.makedirs(osp.dirname(out_path), exist_ok=True)
    atomic_write_text(out_path, text + Config(plain).pretty_text)
    written = config_dialect(load_config(out_path))
    if written != target:
        raise RuntimeError(f'{out_path} was written as a {target} config but reads as {written}')
    return target, source
