"""The config contract: for each MMAction2 dialect, every top-level key and the handler that reads it.

This table is the one place that says which keys a config may hold. Loading
checks a config against it (:func:`check_top_level_keys`), the dialect is
detected from it (:func:`detect_dialect`), ``print_config.py`` shows it
(:func:`handler_of`), and the translations read the config only through a
:class:`KeyReader`, which refuses a key the table does not give them and
can tell which keys were given but never read: so no key is accepted and
then ignored.

A top-level name that is not a key of the config's dialect is allowed only
when it is a helper variable that another assignment uses (read from the
source, :mod:`.usage`) or a private name (``_x``). Anything else is an
error naming the key: a key of the other dialect, a near-miss of a known
key (with the closest one), or a name nothing reads.
"""

import copy
import difflib
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Set

from .checks import ConfigError

#: Names other assignments use (:func:`~.usage.used_names`); None: unknown (no source).
Used = Optional[FrozenSet[str]]

DIALECTS = ('0.x', '1.x')

# Keys of the toolkit's own, read the same way in both dialects.
_SHARED = {
    'model': 'model: the recognizer to build',
    'load_from': 'runtime: weights to start from',
    'load_class_rows': "runtime: the heads' class rows of load_from, by position or by name",
    'work_dir': 'runtime: the work directory',
    'custom_hooks': 'runtime: extra hooks',
    'log_level': 'runtime: the log level',
    'sync_bn': 'runtime: SyncBatchNorm across processes',
    'find_unused_parameters': 'runtime: DistributedDataParallel(find_unused_parameters)',
    'precision': 'speed: the precision of the model',
    'channels_last': 'speed: channels-last memory format',
    'compile': 'speed: torch.compile of backbone, neck and head',
    'nonfinite_loss': 'runtime: what a NaN/inf loss does',
}

#: MMAction2 0.x: key -> the handler of :mod:`.zero_x` that reads it.
ZERO_X_KEYS: Dict[str, str] = dict(
    _SHARED,
    data='zero_x.data: data loaders and datasets',
    optimizer='zero_x.optim: the optimizer',
    optimizer_config='zero_x.optim: gradient clipping, accumulation, fp16 hook',
    fp16='zero_x.optim: float16 with loss scaling',
    lr_config='zero_x.schedule: learning-rate policy',
    total_epochs='zero_x.loops: training length',
    evaluation='zero_x.loops: validation interval, metrics, best checkpoint',
    eval_config='zero_x.loops: metrics of tools/test.py',
    output_config='zero_x.loops: score file of tools/test.py',
    workflow='zero_x.loops: train (and val) stages',
    checkpoint_config='zero_x.hooks: checkpoint saving',
    log_config='zero_x.hooks: logging interval and back-ends',
    dist_params='zero_x.env: distributed back-end',
    cudnn_benchmark='zero_x.env: cuDNN benchmark mode',
    mp_start_method='zero_x.env: data-loader worker start method',
    opencv_num_threads='zero_x.env: OpenCV threads',
    seed='zero_x.env: random seed',
    deterministic='zero_x.env: deterministic algorithms',
    resume_from='zero_x.env: checkpoint to resume from',
    auto_resume='zero_x.env: resume from the newest checkpoint of the work dir',
    gpu_ids='zero_x.env: (ignored: one process per GPU)',
    train_cfg='zero_x.model: training settings of the model',
    test_cfg='zero_x.model: test settings of the model',
)

#: 0.x features this toolkit does not implement: a config that sets one is refused.
UNSUPPORTED_0X = ('omnisource', 'multigrid', 'precise_bn', 'momentum_config', 'module_hooks')

#: MMAction2 1.x: key -> the handler of :mod:`.one_x` that reads it.
ONE_X_KEYS: Dict[str, str] = dict(
    _SHARED,
    train_dataloader='one_x.data: the training data loader',
    val_dataloader='one_x.data: the validation data loader',
    test_dataloader='one_x.data: the test data loader',
    train_cfg='one_x.loops: the training loop',
    val_cfg='one_x.loops: the validation loop',
    test_cfg='one_x.loops: the test loop',
    optim_wrapper='one_x.optim: optimizer, clipping, accumulation, mixed precision',
    param_scheduler='one_x.optim: learning-rate schedule',
    auto_scale_lr='one_x.optim: learning rate scaled to the batch size',
    val_evaluator='one_x.evaluators: validation metrics',
    test_evaluator='one_x.evaluators: test metrics',
    default_hooks='one_x.hooks: runtime, logging, checkpoint hooks',
    log_processor='one_x.hooks: log smoothing',
    visualizer='one_x.hooks: log back-ends',
    env_cfg='one_x.env: cuDNN, worker start, distributed back-end',
    randomness='one_x.env: seed and determinism',
    resume='one_x.env: resume training',
    launcher='one_x.env: job launcher',
    default_scope='one_x.env: registry scope (mmaction)',
    model_wrapper_cfg='one_x.env: DistributedDataParallel settings',
)

TABLES: Dict[str, Dict[str, str]] = {'0.x': ZERO_X_KEYS, '1.x': ONE_X_KEYS}
ZERO_X_ONLY = frozenset(ZERO_X_KEYS) - frozenset(ONE_X_KEYS)
ONE_X_ONLY = frozenset(ONE_X_KEYS) - frozenset(ZERO_X_KEYS)


def _where(filename: Optional[str]) -> str:
    return f' in config {filename}' if filename else ''


def _markers(keys: Iterable[str], only: FrozenSet[str], used: Used) -> List[str]:
    # A key of one dialect that other assignments use is a helper variable there
    # (a 1.x config may write optimizer = dict(...) and optim_wrapper = dict(optimizer=optimizer)).
    return sorted(k for k in keys if k in only and k not in (used or ()))


def detect_dialect(keys: Iterable[str], used: Used = None, filename: Optional[str] = None) -> str:
    """The dialect of a config: ``'1.x'`` when it has 1.x keys, else ``'0.x'``.

    Args:
        keys: The config's top-level keys.
        used: Names that other assignments of the config file use (None:
            unknown).
        filename: The config file, for the message.

    Raises:
        ConfigError: The config has keys only 0.x reads and keys only 1.x
            reads: it names both sets.
    """
    keys = list(keys)
    old = _markers(keys, ZERO_X_ONLY, used)
    new = _markers(keys, ONE_X_ONLY, used)
    if old and new:
        raise ConfigError(
            f'The config{_where(filename)} mixes MMAction2 0.x keys ({", ".join(old)}) with '
            f'1.x keys ({", ".join(new)}): keep one dialect (tools/convert_config.py rewrites a '
            'config into the other)'
        )
    return '1.x' if new else '0.x'


def _suggest(name: str, candidates: Iterable[str], cutoff: float) -> Optional[str]:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=cutoff)
    return close[0] if close else None


def check_top_level_keys(
    keys: Iterable[str], dialect: str, used: Used, filename: Optional[str] = None
) -> None:
    """Refuse every top-level key that no handler of ``dialect`` reads and nothing uses.

    Args:
        keys: The config's top-level keys.
        dialect: ``'0.x'`` or ``'1.x'``.
        used: The names other assignments of the config file use. None (a
            config built in code, without a source to read) takes unknown
            names for helper variables, unless they are a key of the other
            dialect or a near-miss of a known key.
        filename: The config file, for the message.

    Raises:
        ConfigError: Naming the first such key: a key of the other dialect
            (with its counterpart when it has one), a near-miss of a known
            key (with the closest), a refused 0.x feature, or an unused name.
    """
    table = TABLES[dialect]
    other = '1.x' if dialect == '0.x' else '0.x'
    for key in keys:
        if key in table or key.startswith('_'):
            continue
        if dialect == '0.x' and key in UNSUPPORTED_0X:
            raise ConfigError(f'`{key}` is not supported by this toolkit (config {filename})')
        if used is not None and key in used:
            continue
        if key in TABLES[other]:
            raise ConfigError(
                f'{key!r} is a MMAction2 {other} key, but the config{_where(filename)} is '
                f'written in {dialect} ({_dialect_evidence(dialect)}): use the {dialect} '
                'keys, or rewrite the config with tools/convert_config.py'
            )
        close = _suggest(key, table, 0.75)
        if close:
            raise ConfigError(
                f'Unknown top-level key {key!r}{_where(filename)}. Did you mean {close!r}?'
            )
        if used is None:
            continue  # no source to tell a helper variable from a stray key
        raise ConfigError(
            f'Top-level key {key!r}{_where(filename)} is read by no handler of MMAction2 '
            f'{dialect} configs and used by no other assignment: remove it or rename it to the '
            f'key it was meant to be (print_config.py lists the keys and their handlers)'
        )


def _dialect_evidence(dialect: str) -> str:
    return 'data, optimizer, lr_config, ...' if dialect == '0.x' else 'train_dataloader, ...'


def handler_of(key: str, dialect: str) -> str:
    """What reads ``key`` in ``dialect`` (``'helper variable'`` when no handler does)."""
    if key.startswith('_'):
        return 'private helper'
    return TABLES[dialect].get(key, 'helper variable (used by other assignments)')


class KeyReader:
    """The top-level keys of one config, read only through the dialect's table.

    Args:
        cfg: The plain config dict.
        dialect: ``'0.x'`` or ``'1.x'``.
    """

    def __init__(self, cfg: Dict[str, Any], dialect: str) -> None:
        self._cfg = cfg
        self._table = TABLES[dialect]
        self.dialect = dialect
        self._read: Set[str] = set()

    def _check(self, key: str) -> None:
        if key not in self._table:
            raise KeyError(f'{key!r} is not a key of the {self.dialect} contract')
        self._read.add(key)

    def get(self, key: str, default: Any = None) -> Any:
        """A deep copy of ``cfg[key]`` (``default`` when absent or None)."""
        self._check(key)
        value = self._cfg.get(key)
        return copy.deepcopy(value) if value is not None else default

    def has(self, key: str) -> bool:
        """Whether the config gives ``key`` a value other than None."""
        self._check(key)
        return self._cfg.get(key) is not None

    def unread(self) -> List[str]:
        """Keys of the table that the config gives but no handler has read."""
        return sorted(k for k in self._cfg if k in self._table and k not in self._read)

    def finish(self) -> None:
        """Fail loudly if a given key was accepted but not read (a bug of the translation)."""
        left = self.unread()
        if left:
            raise RuntimeError(f'config keys accepted but not read: {", ".join(left)}')
