"""Imports of the package run downhill: no module imports a layer above its own.

Layers, top to bottom (``tools/`` and ``demo/`` scripts sit above them all)::

    mmaction.apis
    mmaction.deploy, mmaction.analysis
    mmaction.engine
    mmaction.models, mmaction.datasets, mmaction.evaluation, mmaction.visualization
    mmaction.utils
    mmaction.registry (and the package root, ``mmaction.__version__``)

An import may go down, or sideways within its own top-level package; an
import of another package of the same layer is sideways across packages and
refused too. Inside ``mmaction.engine`` the entry points (``training``,
``testing``, their ``run_setup``, ``cli``) and the ``mmaction.engine``
facade sit above the subpackages ``config``, ``runtime`` and ``speed``,
which never import them (the runner does use ``model_builder``, a service
below the entry points). Every import counts, the lazy ones inside
functions included.
"""

import ast
import os
import os.path as osp
from typing import Iterator, List, Optional, Tuple

PACKAGE = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'mmaction')

LAYERS = (
    ('mmaction.apis',),
    ('mmaction.deploy', 'mmaction.analysis'),
    ('mmaction.engine',),
    ('mmaction.models', 'mmaction.datasets', 'mmaction.evaluation', 'mmaction.visualization'),
    ('mmaction.utils',),
    ('mmaction.registry', 'mmaction'),
)
#: Height of each top-level package: the higher, the further up.
HEIGHT = {package: len(LAYERS) - i for i, layer in enumerate(LAYERS) for package in layer}
#: The engine's entry points, above its subpackages.
ENGINE_ENTRY_POINTS = ('training', 'testing', 'run_setup', 'cli')
ENGINE_SUBPACKAGES = ('config', 'runtime', 'speed')


def package_modules() -> Iterator[Tuple[str, str]]:
    """``(module name, file path)`` of every module of the package."""
    root = osp.dirname(PACKAGE)
    for folder, _, files in os.walk(PACKAGE):
        for name in sorted(files):
            if name.endswith('.py'):
                path = osp.join(folder, name)
                module = osp.relpath(path, root)[: -len('.py')].replace(os.sep, '.')
                yield module.removesuffix('.__init__'), path


def imported_modules(module: str, path: str) -> Iterator[Tuple[int, str]]:
    """``(line, absolute module)`` of every ``mmaction`` import in the file, lazy ones too."""
    with open(path, encoding='utf-8') as file:
        tree = ast.parse(file.read(), filename=path)
    package = module if path.endswith('__init__.py') else module.rsplit('.', 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split('.')
                base = '.'.join(parts[: len(parts) - node.level + 1])
                target = f'{base}.{node.module}' if node.module else base
            else:
                target = node.module
            # ``from mmaction import registry`` imports the module mmaction.registry.
            for alias in node.names:
                candidate = f'{target}.{alias.name}'
                is_module = osp.isfile(module_file(candidate) or '')
                yield node.lineno, candidate if is_module else target


def module_file(module: str) -> Optional[str]:
    """The file of a ``mmaction`` module or package, or None outside the package."""
    if module != 'mmaction' and not module.startswith('mmaction.'):
        return None
    base = osp.join(osp.dirname(PACKAGE), *module.split('.'))
    return base + '.py' if osp.isfile(base + '.py') else osp.join(base, '__init__.py')


def top_package(module: str) -> Optional[str]:
    """The layer-defining package of a module (``mmaction.engine.speed.plan`` -> ``mmaction.engine``)."""
    if module == 'mmaction':
        return 'mmaction'
    if not module.startswith('mmaction.'):
        return None
    return '.'.join(module.split('.')[:2])


def upward_import(importer: str, imported: str) -> Optional[str]:
    """Why ``importer`` may not import ``imported``, or None when the import runs downhill."""
    own, other = top_package(importer), top_package(imported)
    if other is None or own == other:
        return _engine_entry_point_import(importer, imported) if own == 'mmaction.engine' else None
    if HEIGHT[other] > HEIGHT[own]:
        return f'{other} is a layer above {own}'
    if HEIGHT[other] == HEIGHT[own]:
        return f'{other} is beside {own} (same layer, another package)'
    return None


def _engine_entry_point_import(importer: str, imported: str) -> Optional[str]:
    parts, target = importer.split('.'), imported.split('.')
    in_subpackage = len(parts) > 3 and parts[2] in ENGINE_SUBPACKAGES
    if in_subpackage and (imported == 'mmaction.engine' or target[2:3] == ['__init__']):
        return 'an engine subpackage imports the mmaction.engine facade'
    if in_subpackage and len(target) > 2 and target[2] in ENGINE_ENTRY_POINTS:
        return f'an engine subpackage imports the entry point mmaction.engine.{target[2]}'
    return None


def layering_violations() -> List[str]:
    """One line per upward import: file, line, the import and why it is refused."""
    found = []
    for module, path in package_modules():
        for line, imported in sorted(set(imported_modules(module, path))):
            reason = upward_import(module, imported)
            if reason:
                where = osp.relpath(path, osp.dirname(PACKAGE))
                found.append(f'{where}:{line}: imports {imported}: {reason}')
    return found


def test_imports_run_downhill():
    violations = layering_violations()
    assert not violations, 'imports that go up the layers:\n' + '\n'.join(violations)


def test_the_check_sees_upward_and_lazy_imports(tmp_path):
    assert upward_import('mmaction.models.heads.tpn_head', 'mmaction.engine.speed.plan')
    assert upward_import('mmaction.analysis.bench_train', 'mmaction.deploy.onnx_export')
    assert upward_import('mmaction.engine.runtime.runner', 'mmaction.engine.training')
    assert upward_import('mmaction.engine.speed.plan', 'mmaction.engine')
    assert upward_import('mmaction.engine.training', 'mmaction.engine.runtime.runner') is None
    assert upward_import('mmaction.apis.inference', 'mmaction.engine.config.loader') is None
    assert upward_import('mmaction.utils.checkpoint', 'torch') is None
    lazy = tmp_path / 'lazy.py'
    lazy.write_text('def f():\n    from ..engine import cli_guard\n')
    imports = list(imported_modules('mmaction.models.lazy', str(lazy)))
    assert imports == [(2, 'mmaction.engine')]


def test_no_product_module_is_named_like_a_test():
    named = [path for _, path in package_modules() if osp.basename(path).startswith('test_')]
    assert not named, f'product modules named like tests: {named}'
