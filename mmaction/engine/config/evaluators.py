"""The evaluators of a validation or test run: the config's metrics, the command line's files.

A 1.x ``val_evaluator``/``test_evaluator`` is a metric config or a list of
them; 0.x configs reach here translated (``evaluation.metrics``,
``eval_config``, ``output_config``). ``tools/test.py``'s ``--eval`` replaces
the metrics of ``AccMetric`` (``--eval-options`` updates their options),
``--out`` adds the 0.x score file (``DumpVideoScores``), ``--dump`` the 1.x
one (``DumpResults``, v1.2.0's structure). Every run also lists the videos it
could not read (``BrokenVideoReport``) and builds the per-class report
(``PerClassReport``: a test writes it to ``<work_dir>/class_report``, a
training run the best validation's to ``<work_dir>/class_report_val`` through
:func:`class_report_hook`).
"""

import copy
import os.path as osp
import re
from typing import Any, List, Optional, Sequence

from .checks import ConfigError, check_section_keys, suggest
from .runtime import acc_metric_cfg, eval_options_to_metric_options

#: Metric types of the toolkit (and mmengine's ``DumpResults``) and their arguments.
METRIC_KEYS = {
    'AccMetric': (
        'type',
        'metric_list',
        'metric_options',
        'collect_device',
        'prefix',
        'result_names',
    ),
    'DumpVideoScores': ('type', 'out_file', 'collect_device'),
    'DumpResults': ('type', 'out_file_path', 'collect_device', 'collect_dir'),
    'BrokenVideoReport': ('type', 'out_file'),
}


def _name_patterns(dialect: str) -> List[str]:
    """The result names of ``AccMetric`` in a dialect, as regexes (``{k}``: the top-k value)."""
    from mmaction.evaluation.metrics.acc_metric import RESULT_NAMES

    prefix, names = RESULT_NAMES[dialect]
    return [(f'{prefix}/' if prefix else '') + names[m] for m in sorted(names)]


def result_key(name: str, to: str) -> str:
    """An ``AccMetric`` result name (a ``save_best`` key) in the names of dialect ``to``.

    ``top1_acc`` (0.x) is ``acc/top1`` (1.x), ``mean_class_accuracy`` is
    ``acc/mean1``; ``'auto'`` and names of no ``AccMetric`` result stay.
    """
    source = '0.x' if to == '1.x' else '1.x'
    for old, new in zip(_name_patterns(source), _name_patterns(to)):
        match = re.fullmatch(re.escape(old).replace(r'\{k\}', r'(\d+)'), name)
        if match:
            return new.replace('{k}', match.group(1)) if match.groups() else new
    return name


def broken_video_report(work_dir: str, split: str) -> dict:
    """Config of the metric that lists the unreadable videos of ``split`` in the work dir."""
    return dict(type='BrokenVideoReport', out_file=osp.join(work_dir, f'broken_{split}_videos.txt'))


def class_report_hook(work_dir: str) -> dict:
    """Config of the hook that writes the per-class report of the best validation epoch."""
    return dict(type='ClassReportHook', out_dir=osp.join(work_dir, 'class_report_val'))


def _as_list(evaluators: Any, where: str, result_names: str) -> List[dict]:
    if evaluators is None:
        return []
    items = [evaluators] if isinstance(evaluators, dict) else evaluators
    if not isinstance(items, (list, tuple)) or not all(isinstance(e, dict) for e in items):
        raise ConfigError(f'{where} must be a metric dict or a list of them, got {evaluators!r}')
    out = []
    for i, item in enumerate(items):
        kind = item.get('type')
        at = f'{where}[{i}]' if len(items) > 1 else where
        if kind not in METRIC_KEYS:
            raise ConfigError(
                f'{at}: metric type {kind!r} is not available.'
                f'{suggest(str(kind), list(METRIC_KEYS))} Available: {", ".join(METRIC_KEYS)}.'
            )
        check_section_keys(at, item, METRIC_KEYS[kind])
        if kind == 'AccMetric':
            extra = {k: item[k] for k in ('collect_device', 'prefix') if k in item}
            item = acc_metric_cfg(
                item.get('metric_list', ('top_k_accuracy', 'mean_class_accuracy')),
                item.get('metric_options'),
                result_names=item.get('result_names', result_names),
                **extra,
            )
        out.append(copy.deepcopy(item))
    return out


def _with_options(metric: dict, eval_options: Optional[dict]) -> dict:
    """``metric`` (an ``AccMetric`` config) with 0.x ``--eval-options`` merged into its options."""
    if not eval_options:
        return metric
    merged = copy.deepcopy(metric.get('metric_options') or {})
    for name, values in eval_options_to_metric_options(eval_options).items():
        merged.setdefault(name, {}).update(values)
    return dict(metric, metric_options=merged)


def runner_evaluators(
    evaluators: Any,
    split: str,
    work_dir: str,
    out: Optional[str] = None,
    dump: Optional[str] = None,
    metrics: Optional[Sequence[str]] = None,
    eval_options: Optional[dict] = None,
    result_names: str = '0.x',
) -> List[dict]:
    """The Runner's evaluator list of a split.

    Args:
        evaluators: The config's ``<split>_evaluator`` (dict, list or None).
        split: ``'val'`` or ``'test'``.
        work_dir: Where the list of unreadable videos goes.
        out: ``--out``: per-video scores, 0.x's file.
        dump: ``--dump``: per-video predictions, MMAction2 1.x's pickle.
        metrics: ``--eval`` metric names: they replace the config's metrics.
        eval_options: ``--eval-options`` (0.x): options of those metrics.
        result_names: The metric names ``AccMetric`` reports where the
            config does not say: the config's dialect's (``top1_acc`` in
            0.x, ``acc/top1`` in 1.x).

    Raises:
        ConfigError: An unknown metric or argument, or (testing) nothing to
            compute or write.
    """
    items = _as_list(evaluators, f'{split}_evaluator', result_names)
    if metrics:
        items = [e for e in items if e['type'] != 'AccMetric']
        items.insert(0, acc_metric_cfg(list(metrics), result_names=result_names))
    items = [_with_options(e, eval_options) if e['type'] == 'AccMetric' else e for e in items]
    if out:
        items = [e for e in items if e['type'] != 'DumpVideoScores']
        items.append(dict(type='DumpVideoScores', out_file=out))
    if dump:
        if not dump.endswith(('.pkl', '.pickle')):
            raise ConfigError(f'--dump {dump}: the file must end with .pkl or .pickle')
        items = [e for e in items if e['type'] != 'DumpResults']
        items.append(dict(type='DumpResults', out_file_path=dump))
    if not items:
        if split == 'val':
            raise ConfigError("The config has no val_evaluator (e.g. dict(type='AccMetric'))")
        raise ConfigError(
            'Nothing to do: give --eval METRIC... and/or --out FILE or --dump FILE.pkl '
            '(or a test_evaluator in the config)'
        )
    # A test writes its report at once; a validation's waits for the hook (best epoch only).
    report_dir = osp.join(work_dir, 'class_report') if split == 'test' else None
    return items + [
        broken_video_report(work_dir, split),
        dict(type='PerClassReport', out_dir=report_dir),
    ]


def test_accuracy_metric(
    evaluators: Any,
    metrics: Optional[Sequence[str]] = None,
    eval_options: Optional[dict] = None,
    result_names: str = '0.x',
) -> Optional[dict]:
    """The ``AccMetric`` config a test run computes (None when it computes none).

    The same rules as :func:`runner_evaluators`: ``--eval`` replaces the
    config's metrics, ``--eval-options`` updates their options.
    """
    items = _as_list(evaluators, 'test_evaluator', result_names)
    if metrics:
        return _with_options(acc_metric_cfg(list(metrics), result_names=result_names), eval_options)
    found = next((e for e in items if e['type'] == 'AccMetric'), None)
    return _with_options(found, eval_options) if found else None
