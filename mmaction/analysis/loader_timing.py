"""Timing of a dataset through a data loader, and of each pipeline step.

``tools/analysis/bench_processing.py`` (this project) and
``tools/analysis/compare_mmaction2/mmaction2_pipeline_speed.py`` (MMAction2
1.x, run by its own interpreter) both time their datasets with these
functions, so the two sides are measured the same way. MMAction2's package
is also called ``mmaction``, so its interpreter loads this file by its path:
it imports nothing of this package and needs only torch.
"""

import json
import time
from collections import defaultdict
from typing import Callable, Dict, List, Sequence


def time_loader(
    dataset,
    batch_size: int,
    workers: int,
    num_samples: int,
    collate_fn: Callable,
    seed: int = 0,
) -> Dict[str, float]:
    """Clips per second of ``dataset`` through a ``torch.utils.data.DataLoader``.

    Samples are drawn at random with replacement (seeded). The first batch,
    which includes starting the workers, is loaded before the clock starts.

    Args:
        dataset: Any map-style dataset.
        batch_size (int): Samples per batch.
        workers (int): Loader worker processes.
        num_samples (int): Samples to time (after the first batch).
        collate_fn (callable): How samples become a batch.
        seed (int): Seed of the sampler. Defaults to 0.

    Returns:
        dict: ``clips``, ``seconds``, ``clips_per_s``, ``cpu_ms_per_clip``
        (CPU time of this process and its workers per sample loaded; less
        sensitive than ``clips_per_s`` to other load on the machine) and
        ``first_batch_shape`` (of ``imgs``, or None).
    """
    import os

    import torch
    from torch.utils.data import DataLoader, RandomSampler

    generator = torch.Generator().manual_seed(seed)
    sampler = RandomSampler(
        dataset, replacement=True, num_samples=num_samples + batch_size, generator=generator
    )
    loader = DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        num_workers=workers,
        collate_fn=collate_fn,
        persistent_workers=False,
    )
    torch.set_num_threads(1)
    iterator = iter(loader)
    first = next(iterator)
    shape = _imgs_shape(first)
    clips = 0
    cpu_start, start = os.times(), time.perf_counter()
    for batch in iterator:
        clips += _batch_len(batch)
    elapsed = time.perf_counter() - start
    del iterator  # joins the workers, so that their CPU time is counted
    cpu_end = os.times()
    cpu = sum(cpu_end[:4]) - sum(cpu_start[:4])
    return dict(
        clips=clips,
        seconds=elapsed,
        clips_per_s=clips / elapsed,
        # The workers' CPU time covers every sample they loaded, the first
        # batch included; worker start-up (a fork) is small.
        cpu_ms_per_clip=cpu * 1000 / (clips + _batch_len(first)),
        first_batch_shape=shape,
    )


def _batch_len(batch) -> int:
    if isinstance(batch, dict):
        value = batch.get('imgs', batch.get('inputs'))
        return len(value)
    return len(batch)


def _imgs_shape(batch):
    value = batch.get('imgs', batch.get('inputs')) if isinstance(batch, dict) else None
    if hasattr(value, 'shape'):
        return list(value.shape)
    if isinstance(value, (list, tuple)) and value and hasattr(value[0], 'shape'):
        return [len(value), *value[0].shape]
    return None


def time_stages(
    transforms: Sequence[Callable], make_results: Callable[[int], dict], count: int
) -> List[Dict[str, float]]:
    """Milliseconds per sample that each pipeline step takes, in this process.

    Args:
        transforms (Sequence[callable]): The pipeline's steps.
        make_results (callable): Sample index to the pipeline's input dict.
        count (int): Samples to run (index ``i % len`` is up to the caller).

    Returns:
        list[dict]: One ``{'step', 'ms', 'cpu_ms', 'share'}`` per step
        (wall and CPU time per sample; share of the total wall time).
    """
    # One untimed sample first: lazy imports and first-call set-up are not timed.
    results = make_results(0)
    for step in transforms:
        results = step(results)
    wall: Dict[str, float] = defaultdict(float)
    cpu: Dict[str, float] = defaultdict(float)
    names = [type(step).__name__ for step in transforms]
    # A step that appears twice (two Resize) is reported twice.
    names = [
        f'{name} ({names[:position].count(name) + 1})' if names.count(name) > 1 else name
        for position, name in enumerate(names)
    ]
    for index in range(count):
        results = make_results(index)
        for name, step in zip(names, transforms):
            cpu_start, start = time.process_time(), time.perf_counter()
            results = step(results)
            wall[name] += time.perf_counter() - start
            cpu[name] += time.process_time() - cpu_start
    total = sum(wall.values()) or 1.0
    return [
        dict(
            step=name,
            ms=wall[name] / count * 1000,
            cpu_ms=cpu[name] / count * 1000,
            share=wall[name] / total,
        )
        for name in names
    ]


def format_stages(stages: List[Dict[str, float]]) -> str:
    """A markdown table of :func:`time_stages`' result, with a total row."""
    lines = ['| step | ms / clip | CPU ms / clip | share |', '| --- | ---: | ---: | ---: |']
    for stage in stages:
        lines.append(
            f'| {stage["step"]} | {stage["ms"]:.2f} | {stage["cpu_ms"]:.2f} | '
            f'{stage["share"]:.0%} |'
        )
    total_ms = sum(stage['ms'] for stage in stages)
    total_cpu = sum(stage['cpu_ms'] for stage in stages)
    lines.append(f'| total | {total_ms:.2f} | {total_cpu:.2f} | 100% |')
    return '\n'.join(lines)


def report(result: dict, as_json: bool, title: str) -> None:
    """Print a timing result: one JSON line, or a sentence and the stage table."""
    if as_json:
        print(json.dumps(result))
        return
    print(title)
    print(
        f'{result["clips"]} clips in {result["seconds"]:.2f} s: {result["clips_per_s"]:.1f} '
        f'clips/s, {result["cpu_ms_per_clip"]:.1f} CPU ms per clip'
    )
    if 'stages' in result:
        print(format_stages(result['stages']))
