"""``--cfg-options key=value ...``: parsed safely, checked against the config, merged.

mmengine's ``DictAction`` parses values as it reads the command line; a
value such as ``[dict(type='SampleFrames', clip_len=8)]`` sends its parser
into an endless recursion. Here the command line keeps the raw text
(:class:`CfgOptionsAction`) and :func:`parse_cfg_options` turns it into
values: Python literals first (``8``, ``0.1``, ``'text'``, ``[1, 2]``,
``(1, 2)``, ``{'k': 1}``, ``True``, ``None``), then mmengine's unquoted forms
(``[a,b]``, ``a,b``, ``true``); anything else is a :class:`ConfigError`
naming the option and saying how to write it.

:func:`check_cfg_options` refuses an option whose path does not exist in
the config (every key on the way must), one that changes a helper
variable the config has already used, and a new top-level key that the
config's dialect does not read.
"""

import argparse
import ast
import re
from typing import Any, Dict, List, Optional, Tuple

from .checks import ConfigError, suggest
from .contract import TABLES

# A call such as dict(...) or list(...) in a value: not a literal, not mmengine's list syntax.
_CALL = re.compile(r'[A-Za-z_]\w*\s*\(')


class RawCfgOptions(dict):
    """``--cfg-options`` as typed: option -> the text after ``=`` (parsed by :func:`parse_cfg_options`)."""


class CfgOptionsAction(argparse.Action):
    """argparse action that keeps ``key=value`` pairs as text, in a :class:`RawCfgOptions`."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        options = getattr(namespace, self.dest, None) or RawCfgOptions()
        options = RawCfgOptions(options)
        for item in values:
            key, sep, value = item.partition('=')
            if not sep or not key:
                parser.error(f'{option_string} {item}: write key=value, e.g. total_epochs=4')
            options[key] = value
        setattr(namespace, self.dest, options)


def _hint(option: str) -> str:
    return (
        f'set the fields one at a time (e.g. {option}.0.clip_len=8) or write the value as a '
        "Python literal: 8, 0.1, 'text', [1, 2], (1, 2), {'key': 1}, True, None"
    )


def parse_value(option: str, text: str) -> Any:
    """The value of ``option=text``, as mmengine's ``DictAction`` reads it, without its recursion.

    Raises:
        ConfigError: The text is neither a literal nor mmengine's list syntax.
    """
    from mmengine.config import DictAction

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        pass
    if _CALL.search(text):
        raise ConfigError(
            f'--cfg-options {option}={text}: the value could not be parsed ({text.split("(")[0]}(...) '
            f'is a call, not a value): {_hint(option)}'
        )
    try:
        return DictAction._parse_iterable(text)
    except (RecursionError, AssertionError, ValueError, IndexError) as err:
        raise ConfigError(
            f'--cfg-options {option}={text}: the value could not be parsed: {_hint(option)}'
        ) from err


def parse_cfg_options(options: Optional[dict]) -> Dict[str, Any]:
    """Parsed values of ``--cfg-options`` (a dict of values passes through unchanged)."""
    if not options:
        return {}
    if not isinstance(options, RawCfgOptions):
        return dict(options)
    return {key: parse_value(key, text) for key, text in options.items()}


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


def check_cfg_options(plain: dict, options: dict, dialect: str, filename: str) -> None:
    """Refuse ``--cfg-options`` keys that do not exist in the config.

    Every key on the way to the option must exist (list indices in range).
    The last key may be new, since a component can take an argument its
    config leaves at the default: the component (or the section's handler)
    checks it when it is built. A new top-level key must be one the
    dialect's handlers read (they check what is set under it, e.g.
    ``compile.backend``), and a top-level helper variable (``img_norm_cfg``,
    ...) cannot be changed: the config has already used its value.

    Args:
        plain: The config as a plain dict.
        options: The parsed options.
        dialect: The config's dialect.
        filename: The config file, for the message.

    Raises:
        ConfigError: Naming the option and the closest existing key.
    """
    known = TABLES[dialect]
    for option in options:
        parts = str(option).split('.')
        top = parts[0]
        if top not in known and not top.startswith('_'):
            if top in plain:
                raise ConfigError(
                    f'--cfg-options {option}: {top!r} is a helper variable of {filename}, whose '
                    'value the config has already used; change the keys that use it instead'
                )
            raise ConfigError(
                f'--cfg-options {option}: {filename} has no key {top!r} and MMAction2 {dialect} '
                f'configs do not read one.{suggest(top, sorted(known))}'
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
