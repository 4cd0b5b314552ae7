"""Which top-level names of a config file are helper variables used by other assignments.

A config file mixes the keys the tools read (``optimizer``, ``data``, ...)
with helper variables (``img_norm_cfg``, ``train_pipeline``, ...). Once the
file is evaluated, a helper's value has been copied into the keys that use
it and the evaluated config no longer shows that it was used; the source
does. :func:`used_names` reads the Python syntax tree of the file and of
its ``_base_`` files: a top-level name is *used* when any assignment loads
it, or when a file refers to it as ``{{_base_.name}}``.
"""

import ast
import os.path as osp
import re
from functools import lru_cache
from typing import FrozenSet, List, Optional, Set, Tuple

# mmengine's text substitution of a base file's variable: {{_base_.name}} or {{ _base_.name.x }}.
_BASE_REFERENCE = re.compile(r'\{\{\s*_base_\.(\w+)')


def base_files(path: str) -> List[str]:
    """The ``_base_`` files a config file names, resolved next to it (none if unreadable)."""
    try:
        tree = ast.parse(open(path, encoding='utf-8').read(), filename=path)
    except (OSError, SyntaxError, ValueError):
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
            return [osp.normpath(osp.join(osp.dirname(path), name)) for name in names]
    return []


def _names_loaded(source: str, filename: str) -> Set[str]:
    tree = ast.parse(source, filename=filename)
    loaded = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    # A name only read in its own augmented assignment (x += 1) is not used by another key.
    return loaded | set(_BASE_REFERENCE.findall(source))


def _files(path: str, seen: Optional[Set[str]] = None) -> List[str]:
    seen = set() if seen is None else seen
    path = osp.abspath(path)
    if path in seen or not osp.isfile(path):
        return []
    seen.add(path)
    files = [path]
    for base in base_files(path):
        files += _files(base, seen)
    return files


@lru_cache(maxsize=64)
def _used_names_cached(path: str, stamps: Tuple[Tuple[str, float], ...]) -> FrozenSet[str]:
    used: Set[str] = set()
    for name, _ in stamps:
        try:
            used |= _names_loaded(open(name, encoding='utf-8').read(), name)
        except (OSError, SyntaxError, ValueError):
            continue  # the loader reports unreadable files with their line
    return frozenset(used)


def used_names(path: Optional[str]) -> Optional[FrozenSet[str]]:
    """The names that assignments of ``path`` or of its ``_base_`` files read.

    Args:
        path: The config file.

    Returns:
        The used names; None when there is no file to read (a config built
        in code, or a dict): then nothing is known about helper variables.
    """
    if not path or not osp.isfile(path):
        return None
    files = _files(path)
    stamps = tuple((name, osp.getmtime(name)) for name in files)
    return _used_names_cached(osp.abspath(path), stamps)
