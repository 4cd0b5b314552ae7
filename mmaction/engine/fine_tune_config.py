"""A short fine-tuning config for lists made by ``tools/data/folders_to_lists.py``.

Behind ``tools/new_config.py``. The config inherits a base config
(``_base_``) and sets only what changes: the data (lists, folders, the label
map as the data sets' ``label_file``), the number of classes of the head and
of a TPN's auxiliary head, the weights to start from (``load_from``, their
class rows matched by name: ``load_class_rows='by_name'``) and a fine-tuning
schedule (a tenth of the base learning rate, fewer epochs, a one-epoch
warm-up, the best epoch kept). The options users reach for when fine-tuning
are there as commented-out lines under MMAction2's names: ``frozen_stages``,
``paramwise_cfg``, ``class_weight`` (computed from the training counts) and
``sample_by_class``/``power``. Every line carries a short comment.

The config is written in the base's dialect. A 0.x base may be written as
1.x: its translation (what the toolkit runs) is written beside the config as
its base. A 1.x base cannot become 0.x.
"""

import json
import os
import os.path as osp
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from mmaction.datasets.annotation_list import read_annotation_list
from mmaction.utils.errors import ConfigError

from .config.convert import as_one_x, model_cfg_for_testing
from .config.loader import config_dialect, load_config
from .model_builder import build_model
from .runtime.fine_tune_load import check_fine_tune_fit

__all__ = ['FineTuneOptions', 'write_fine_tune_config']

#: Fine-tuning learning rate: the base config's divided by this.
LR_DIVISOR = 10
#: Default epochs: at most this many (and at most half the base's).
MAX_DEFAULT_EPOCHS = 10

#: ``(indent, code, comment)``: one line of the written config.
Line = Tuple[int, str, str]


@dataclass
class FineTuneOptions:
    """The options of ``tools/new_config.py``.

    Attributes:
        base: The config to start from.
        lists: The output folder of ``tools/data/folders_to_lists.py``.
        out: The config file to write.
        pretrained: Checkpoint path or URL to fine-tune from (``load_from``).
        epochs: Epochs to train (default: half the base's, at most 10).
        dialect: ``'0.x'`` or ``'1.x'`` (default: the base's).
    """

    base: str
    lists: str
    out: str
    pretrained: Optional[str] = None
    epochs: Optional[int] = None
    dialect: Optional[str] = None


@dataclass
class _Facts:
    """What the written config needs to know of the base and the lists."""

    meta: dict
    one_x: Dict[str, Any]
    lr: float
    epochs: int
    tpn: bool
    backbone_pretrained: bool


def _read_lists(folder: str) -> dict:
    path = osp.join(folder, 'lists.json')
    if not osp.isfile(path):
        raise ConfigError(
            f'{path} not found: --lists takes the output folder of '
            'tools/data/folders_to_lists.py VIDEOS_ROOT OUT_DIR (run it first)'
        )
    with open(path, encoding='utf-8') as file:
        meta = json.load(file)
    for split in ('train', 'val'):
        meta[split]['list'] = osp.join(folder, meta[split]['list'])
    meta['label_map'] = osp.join(folder, meta['label_map'])
    return meta


def _facts(cfg, base: str, meta: dict) -> _Facts:
    src, _ = as_one_x(cfg, base)
    optimizer = (src.get('optim_wrapper') or {}).get('optimizer') or {}
    model = src.get('model') or {}
    dataset = ((src.get('train_dataloader') or {}).get('dataset')) or {}
    wanted = 'RawframeDataset' if meta['format'] == 'rawframes' else 'VideoDataset'
    if dataset.get('type') != wanted:
        raise ConfigError(
            f'the lists hold {meta["format"]} but the base config {base} trains on a '
            f'{dataset.get("type")}: start from a config whose data set is a {wanted}'
        )
    neck = model.get('neck') or {}
    return _Facts(
        meta=meta,
        one_x=src,
        lr=float(optimizer.get('lr', 0.01)),
        epochs=int((src.get('train_cfg') or {}).get('max_epochs', 2 * MAX_DEFAULT_EPOCHS)),
        tpn=isinstance(neck, dict) and isinstance(neck.get('aux_head_cfg'), dict),
        backbone_pretrained=bool((model.get('backbone') or {}).get('pretrained')),
    )


def _path(path: str) -> str:
    """A path as the config writes it: relative to the working directory when inside it."""
    path = osp.abspath(path)
    rel = osp.relpath(path, os.getcwd())
    return path if rel.startswith('..') else rel


def _class_weights(meta: dict) -> List[float]:
    """Inverse-frequency weights of the training counts (1.0 for a class of average size)."""
    counts = [0] * len(meta['classes'])
    for label in read_annotation_list(meta['train']['list'], kind='any')['label']:
        counts[label] += 1
    mean = sum(counts) / len(counts)
    return [round(mean / count, 3) if count else 0.0 for count in counts]


def _render(lines: List[Line]) -> str:
    """The config text: each line with its comment (a commented-out option starts with '# ').

    A line that closes a ``dict(`` or ``[`` says which one it ends.
    """
    out, opened = [], []
    for indent, code, comment in lines:
        if code.endswith(('(', '[')) and not code.startswith('#'):
            opened.append(code.split('=')[0].strip())
        elif code in ('),', ')', ']') and opened:
            comment = comment or f'end of {opened.pop()}'
        text = '    ' * indent + code
        out.append(f'{text}  # {comment}' if comment else text)
    return '\n'.join(out) + '\n'


def _head(options: FineTuneOptions, facts: _Facts, base_ref: str) -> List[Line]:
    meta = facts.meta
    return [
        (0, f'# Fine-tuning of {_path(options.base)} on {len(meta["classes"])} classes', ''),
        (0, f'# (lists of {_path(options.lists)}), written by tools/new_config.py.', ''),
        (0, f'_base_ = [{base_ref!r}]', 'the model, pipelines and runtime this config changes'),
        (0, '', ''),
        (
            0,
            f'data_root = {_path(meta["train"]["root"])!r}',
            "where the training list's paths start",
        ),
        (0, f'data_root_val = {_path(meta["val"]["root"])!r}', "where the val list's paths start"),
        (0, f'ann_file_train = {_path(meta["train"]["list"])!r}', 'the training videos'),
        (
            0,
            f'ann_file_val = {_path(meta["val"]["list"])!r}',
            'validated on, and tested by test.py',
        ),
        (
            0,
            f'label_file = {_path(meta["label_map"])!r}',
            'class names, printed instead of indices',
        ),
        (0, f'num_classes = {len(meta["classes"])}', 'the classes of the label map'),
    ]


def _model(facts: _Facts, weights: List[float]) -> List[Line]:
    lines: List[Line] = [
        (0, 'model = dict(', 'only the classes change; the rest is the base model')
    ]
    freeze = ('# frozen_stages=1,', 'freeze the stem and stage 1: fewer weights to fit')
    if facts.backbone_pretrained:
        lines += [
            (1, 'backbone=dict(', 'the backbone of the base'),
            (2, 'pretrained=None,', 'its weights come from load_from: no ImageNet download'),
            (2, *freeze),
            (1, '),', ''),
        ]
    else:
        lines.append((1, f'# backbone=dict({freeze[0][2:-1]}),', freeze[1]))
    if facts.tpn:
        lines.append(
            (1, 'neck=dict(aux_head_cfg=dict(out_channels=num_classes)),', "TPN's auxiliary head")
        )
    lines += [
        (1, 'cls_head=dict(', 'the classification head'),
        (2, 'num_classes=num_classes,', 'one score per class of the label map'),
        (2, f"# loss_cls=dict(type='CrossEntropyLoss', class_weight={weights}),",
         'weigh rare classes up (inverse frequency, label order)'),
        (1, '),', ''),
        (0, ')', ''),
    ]  # fmt: skip
    return lines


def _weights(options: FineTuneOptions) -> List[Line]:
    if options.pretrained:
        source = (
            0,
            f'load_from = {_path_or_url(options.pretrained)!r}',
            'the weights to start from',
        )
    else:
        source = (0, 'load_from = None', 'a checkpoint file or model-zoo URL to fine-tune from')
    return [
        source,
        (0, "load_class_rows = 'by_name'", 'head rows kept for the classes the checkpoint names'),
    ]


def _path_or_url(value: str) -> str:
    return value if '://' in value else _path(value)


def _milestone(epochs: int) -> int:
    """The epoch after which the rate drops tenfold (two thirds in; none for 1-2 epochs)."""
    return max(1, round(epochs * 2 / 3)) if epochs >= 3 else epochs


def _zero_x_rest(facts: _Facts, lr: float, epochs: int, paramwise: Line) -> List[Line]:
    step = _milestone(epochs)
    return [
        (0, 'data = dict(', 'the lists replace the base ones; pipelines and batches stay'),
        (1, 'train=dict(', 'the training videos'),
        (2, 'ann_file=ann_file_train, data_prefix=data_root, label_file=label_file,', 'the lists'),
        (2, '# sample_by_class=True, power=0,', 'class-balanced: each class drawn equally often'),
        (1, '),', ''),
        (1, 'val=dict(ann_file=ann_file_val, data_prefix=data_root_val, label_file=label_file),',
         'validated every epoch'),
        (1, 'test=dict(ann_file=ann_file_val, data_prefix=data_root_val, label_file=label_file),',
         'what tools/test.py tests'),
        (0, ')', ''),
        (0, 'optimizer = dict(', "the base's optimizer, with a smaller step"),
        (1, f'lr={lr:g},', f"a tenth of the base's {facts.lr:g}: the weights start trained"),
        paramwise,
        (0, ')', ''),
        (0, 'lr_config = dict(', "the fine-tuning schedule (replaces the base's)"),
        (1, '_delete_=True,', "nothing of the base's schedule is kept"),
        (1, f"policy='step', step=[{step}],", f'the rate drops tenfold after epoch {step}'),
        (1, "warmup='linear', warmup_by_epoch=True,", 'rising linearly over the first epoch'),
        (1, 'warmup_iters=1, warmup_ratio=0.1,', 'from a tenth of the rate'),
        (0, ')', ''),
        (0, f'total_epochs = {epochs}', 'fine-tuning needs few epochs'),
        (0, "evaluation = dict(interval=1, save_best='auto')", 'validate each epoch, keep the best'),
    ]  # fmt: skip


def _one_x_loader(split: str, ann: str, root: str, video_key: Optional[str]) -> List[Line]:
    prefix = f'dict({video_key}={root})' if video_key else root
    what = dict(train='the training videos', val='validated every epoch', test='tested by test.py')
    if split != 'train':
        return [
            (0, f'{split}_dataloader = dict(', what[split]),
            (1, f'dataset=dict(ann_file={ann}, data_prefix={prefix}, label_file=label_file),',
             'the list, its folder, the class names'),
            (0, ')', ''),
        ]  # fmt: skip
    return [
        (
            0,
            'train_dataloader = dict(',
            'the lists replace the base ones; pipelines and batches stay',
        ),
        (1, 'dataset=dict(', what[split]),
        (2, f'ann_file={ann}, data_prefix={prefix}, label_file=label_file,', 'the lists'),
        (2, '# sample_by_class=True, power=0,', 'class-balanced: each class drawn equally often'),
        (1, '),', ''),
        (0, ')', ''),
    ]


def _one_x_rest(facts: _Facts, lr: float, epochs: int, paramwise: Line) -> List[Line]:
    step = _milestone(epochs)
    prefix = ((facts.one_x.get('train_dataloader') or {}).get('dataset') or {}).get('data_prefix')
    key = None
    if isinstance(prefix, dict):
        key = 'img' if facts.meta['format'] == 'rawframes' else 'video'
    lines = _one_x_loader('train', 'ann_file_train', 'data_root', key)
    for split in ('val', 'test'):
        lines += _one_x_loader(split, 'ann_file_val', 'data_root_val', key)
    warmup = "dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,"
    return lines + [
        (0, 'optim_wrapper = dict(', "the base's optimizer, with a smaller step"),
        (1, f'optimizer=dict(lr={lr:g}),', f"a tenth of the base's {facts.lr:g}: trained weights"),
        paramwise,
        (0, ')', ''),
        (0, 'param_scheduler = [', "the fine-tuning schedule (replaces the base's)"),
        (1, warmup, 'rising linearly over the first epoch'),
        (2, 'convert_to_iter_based=True),', 'from a tenth of the rate, step by step'),
        (1, f'dict(type=\'MultiStepLR\', milestones=[{step}], gamma=0.1, by_epoch=True),',
         f'the rate drops tenfold after epoch {step}'),
        (0, ']', ''),
        (0, f'train_cfg = dict(max_epochs={epochs}, val_interval=1)', 'few epochs, each validated'),
        (0, "default_hooks = dict(checkpoint=dict(type='CheckpointHook', save_best='auto'))",
         'keep the best epoch'),
    ]  # fmt: skip


def render_config(options: FineTuneOptions, facts: _Facts, dialect: str, base_ref: str) -> str:
    """The text of the fine-tuning config."""
    epochs = options.epochs or max(1, min(MAX_DEFAULT_EPOCHS, facts.epochs // 2))
    lr = facts.lr / LR_DIVISOR
    paramwise = (
        1,
        "# paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}),",
        'the backbone learns 10x slower than the heads',
    )
    rest = _zero_x_rest if dialect == '0.x' else _one_x_rest
    stem = osp.splitext(osp.basename(options.out))[0]
    lines = (
        _head(options, facts, base_ref)
        + _model(facts, _class_weights(facts.meta))
        + _weights(options)
        + rest(facts, lr, epochs, paramwise)
        + [(0, f"work_dir = './work_dirs/{stem}'", 'logs, checkpoints, per-class reports')]
    )
    return _render(lines)


def _base_reference(options: FineTuneOptions, cfg, dialect: str, base_dialect: str) -> str:
    """What ``_base_`` names: the base (relative to the new config), or its 1.x translation."""
    out_dir = osp.dirname(osp.abspath(options.out))
    if dialect == base_dialect:
        base = osp.abspath(options.base)
        inside = not osp.relpath(base, os.getcwd()).startswith('..')
        # Relative within the checkout (so the pair moves with it), else absolute.
        return osp.relpath(base, out_dir) if inside and _path(out_dir) != out_dir else base
    if base_dialect == '1.x':
        raise ConfigError(
            f'--dialect 0.x: the base config {options.base} is MMAction2 1.x, which cannot be '
            'written as 0.x: leave --dialect out (or start from a 0.x base)'
        )
    from mmengine.config import Config

    # A config inherits only its own dialect: the 1.x form of the base becomes the base.
    translated = osp.splitext(osp.abspath(options.out))[0] + '_base_1x.py'
    Config(as_one_x(cfg, options.base)[0]).dump(translated)
    return osp.basename(translated)


def _check_pretrained(config_file: str, pretrained: Optional[str], num_classes: int) -> None:
    """A local ``--pretrained`` must fit the new config's model but for the class layers."""
    if not pretrained or '://' in pretrained:
        return  # a URL is checked when training starts (mmengine downloads it then)
    if not osp.isfile(pretrained):
        raise ConfigError(
            f'--pretrained {pretrained}: no such file (give a checkpoint file or a model-zoo URL)'
        )
    from mmaction.utils import load_checkpoint_file

    model = build_model(model_cfg_for_testing(load_config(config_file)))
    check_fine_tune_fit(model, load_checkpoint_file(pretrained), num_classes, pretrained)


def write_fine_tune_config(options: FineTuneOptions) -> Dict[str, Any]:
    """Write the fine-tuning config (checked by loading it, and the weights against its model).

    Returns:
        What was written: ``out``, ``dialect``, ``epochs``, ``lr``,
        ``classes``, ``train`` and ``val`` (video counts).

    Raises:
        ConfigError: No ``lists.json`` in ``options.lists``; the base reads
            other data (videos vs frame folders); a 1.x base asked to be
            written as 0.x; a missing ``--pretrained`` file; a bad value.
        CheckpointError: ``--pretrained`` holds another architecture.
    """
    if options.epochs is not None and options.epochs < 1:
        raise ConfigError(f'--epochs {options.epochs}: must be at least 1')
    meta = _read_lists(options.lists)
    cfg = load_config(options.base)
    base_dialect = config_dialect(cfg)
    dialect = options.dialect or base_dialect
    facts = _facts(cfg, options.base, meta)
    out = osp.abspath(options.out)
    os.makedirs(osp.dirname(out), exist_ok=True)
    text = render_config(
        options, facts, dialect, _base_reference(options, cfg, dialect, base_dialect)
    )
    # Checked under a hidden name beside the target (so _base_ resolves the same), then renamed.
    checking = osp.join(osp.dirname(out), f'.{osp.basename(out)}.checking.py')
    try:
        with open(checking, 'w', encoding='utf-8') as file:
            file.write(text)
        _check_pretrained(checking, options.pretrained, len(meta['classes']))
        os.replace(checking, out)
    finally:
        if osp.exists(checking):
            os.remove(checking)
    epochs = options.epochs or max(1, min(MAX_DEFAULT_EPOCHS, facts.epochs // 2))
    return dict(
        out=options.out,
        dialect=dialect,
        epochs=epochs,
        lr=facts.lr / LR_DIVISOR,
        classes=len(meta['classes']),
        train=meta['train']['videos'],
        val=meta['val']['videos'],
    )
