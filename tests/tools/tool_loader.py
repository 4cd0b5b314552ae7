"""Load a script under ``tools/`` (not a package) as a module, for the tools tests."""

import importlib.util
import os.path as osp
import sys
from types import ModuleType
from typing import Optional

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool(rel_path: str, name: Optional[str] = None) -> ModuleType:
    """Import the script ``rel_path`` (relative to the repository root).

    Args:
        rel_path (str): Path of the script, e.g. ``'tools/data/build_file_list.py'``.
        name (str, optional): Module name; default: the script's file name
            without ``.py``.

    Returns:
        ModuleType: The executed module, also registered in ``sys.modules``.
    """
    if name is None:
        name = osp.splitext(osp.basename(rel_path))[0]
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO, rel_path))
    module = importlib.util.module_from_spec(spec)
    # Registered so that worker processes can pickle its functions by name.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
