"""Checks of keys and values inside a config's sections, and of ``type=`` names met while building.

The top-level keys are the contract's business (:mod:`.contract`); here
are the checks of what a section holds (``lr_config``, ``data``,
``optimizer``, ...), of values (positive integers, numbers), and the
translation of registry and constructor errors into one line that names
the config key at fault.
"""

import difflib
import re
from contextlib import contextmanager
from typing import Iterator, List, Optional, Sequence, Tuple

from mmaction.utils.errors import ConfigError

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


def suggest(name: str, candidates: Sequence[str]) -> str:
    """`` Did you mean 'x'?`` for the candidates close to ``name``, or an empty string."""
    return _suggest(name, candidates)


def check_section_keys(
    section: str, keys, known, filename: Optional[str] = None, kind: str = ''
) -> None:
    """Refuse keys of a 0.x config section (``lr_config``, ``evaluation``, ...) it does not read.

    Args:
        section: The section's name, e.g. ``'lr_config'``.
        keys: The keys the config gives it.
        known: The keys its handler reads.
        filename: The config file, for the message.
        kind: What the section is, when that decides its keys (e.g. ``'SGD'``).

    Raises:
        ConfigError: Naming the first unknown key, the closest known one and
            the known keys.
    """
    unknown = sorted(set(keys) - set(known))
    if unknown:
        where = f' in config {filename}' if filename else ''
        of = f'{section} ({kind})' if kind else section
        raise ConfigError(
            f'Unknown key {section}.{unknown[0]}{where}.{_suggest(unknown[0], known)} '
            f'Known keys of {of}: {", ".join(sorted(known))}.'
        )


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


def _registered_class(type_name: str) -> Optional[type]:
    """The class registered as ``type_name`` in any registry of ours or mmengine's."""
    import mmengine.registry as mm_registry

    from mmaction import registry as action_registry

    for module in (action_registry, mm_registry):
        for obj in vars(module).values():
            if isinstance(obj, mm_registry.Registry):
                found = obj.module_dict.get(type_name)
                if isinstance(found, type):
                    return found
    return None


def init_parameters(cls: type) -> List[str]:
    """Keyword arguments ``cls(...)`` accepts, following ``**kwargs`` up the class tree."""
    import inspect

    names: List[str] = []
    for klass in cls.__mro__:
        if '__init__' not in vars(klass):
            continue
        parameters = inspect.signature(klass.__init__).parameters.values()
        names += [p.name for p in parameters if p.name != 'self' and p.kind != p.VAR_POSITIONAL]
        if not any(p.kind == p.VAR_KEYWORD for p in parameters):
            break
    return [name for name in dict.fromkeys(names) if name not in ('args', 'kwargs')]


def find_key_paths(cfg, key: str, prefix: str = '') -> List[Tuple[str, dict]]:
    """``(dotted path, dict)`` of every dict in ``cfg`` with a ``type`` and the key ``key``."""
    found: List[Tuple[str, dict]] = []
    if isinstance(cfg, dict):
        if key in cfg and isinstance(cfg.get('type'), str):
            found.append((prefix or '<root>', cfg))
        for name, value in cfg.items():
            found += find_key_paths(value, key, f'{prefix}.{name}' if prefix else str(name))
    elif isinstance(cfg, (list, tuple)):
        for i, value in enumerate(cfg):
            found += find_key_paths(value, key, f'{prefix}[{i}]')
    return found


_NOT_IN_REGISTRY = re.compile(r"['\"]?([\w.]+) is not in the ([\w:]+) registry")
_UNEXPECTED_ARGUMENT = re.compile(r"(\w+)\.__init__\(\) got an unexpected keyword argument '(\w+)'")


def _explain_unexpected_argument(err: TypeError, cfg, filename: Optional[str]) -> ConfigError:
    """A ConfigError for ``X.__init__() got an unexpected keyword argument 'k'``, or None."""
    match = _UNEXPECTED_ARGUMENT.search(str(err))
    if match is None:
        return None
    class_name, key = match.groups()
    plain = cfg.to_dict() if hasattr(cfg, 'to_dict') else cfg
    for path, node in find_key_paths(plain, key):
        cls = _registered_class(node['type'])
        if cls is None or class_name not in {klass.__name__ for klass in cls.__mro__}:
            continue
        where = f' in config {filename}' if filename else ''
        accepted = init_parameters(cls)
        hint = _suggest(key, accepted) or f' {node["type"]} takes: {", ".join(accepted)}.'
        return ConfigError(f'Unknown argument {key!r} for {node["type"]} (at {path}){where}.{hint}')
    return None


@contextmanager
def naming_config(filename: Optional[str]) -> Iterator[None]:
    """Add ``(config FILE)`` to a ConfigError raised inside that does not name the file yet."""
    try:
        yield
    except ConfigError as err:
        if filename and filename not in str(err):
            raise ConfigError(f'{err} (config {filename})') from err
        raise


@contextmanager
def explain_registry_errors(cfg, filename: Optional[str] = None) -> Iterator[None]:
    """Turn unknown ``type=`` names and arguments met while building into ConfigErrors.

    A registry's "X is not in the Y registry" KeyError names the config
    key(s) holding ``type='X'`` and suggests close registered names. A
    component's "unexpected keyword argument 'k'" TypeError names the
    component, where the config sets ``k`` and the closest parameter. Other
    errors propagate unchanged.
    """
    try:
        yield
    except TypeError as err:
        explained = _explain_unexpected_argument(err, cfg, filename)
        if explained is None:
            raise
        raise explained from err
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


def positive_int(value, key: str, what: str) -> int:
    """``value`` as an int, or a ConfigError naming ``key`` when it is not a positive integer."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f'{key}={value!r}: must be a positive integer ({what})')
    return value


def non_negative_int(value, key: str, what: str) -> int:
    """``value`` as an int, or a ConfigError naming ``key`` when it is not an integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f'{key}={value!r}: must be an integer >= 0 ({what})')
    return value


def number(value, key: str, what: str, positive: bool = False) -> float:
    """``value`` as a float, or a ConfigError naming ``key`` when it is not a (positive) number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f'{key}={value!r}: must be a number ({what})')
    if positive and not value > 0:
        raise ConfigError(f'{key}={value!r}: must be greater than 0 ({what})')
    return float(value)
