"""Training speed of a config: clips/s, s/iter, peak memory and MFU (``tools/analysis/bench_train.py``).

Three parts can be measured, each built exactly as ``tools/train.py`` builds
it (:func:`~mmaction.engine.convert_train_config`, the run's
:class:`~mmaction.engine.speed.plan.SpeedPlan` applied by the model builder,
mmengine's optimizer wrapper and data loader):

``model``
    ``model.train_step`` (preprocessing, forward, loss, backward, optimizer
    step) on a synthetic batch of the training input shape, already on the
    device: what the model alone can do.
``data``
    the training data loader alone.
``all``
    the training loop: the loader feeds ``model.train_step``, as mmengine's
    ``EpochBasedTrainLoop`` does (without its logging and checkpoint hooks);
    the time spent waiting for the next batch is reported too.

MFU is the training FLOPs of one step (forward and backward, counted once
with PyTorch's ``FlopCounterMode``; 2 FLOPs per multiply-accumulate)
divided by the step time and by the device's dense peak for the precision
(:data:`PEAK_TFLOPS`, or ``peak_tflops``).
"""

import copy
import dataclasses
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional

import torch

from mmaction.engine.input_spec import read_input_spec
from mmaction.engine.model_builder import build_model
from mmaction.engine.runtime.device_batches import decode_on_model_device
from mmaction.engine.speed.model_compile import first_line, graph_breaks
from mmaction.engine.speed.precision import default_device_type
from mmaction.utils.errors import UserError

#: Dense peak TFLOP/s (no sparsity) by GPU name and precision, from NVIDIA's data
#: sheets (SXM parts). Matched as a substring of ``torch.cuda.get_device_name()``,
#: in this order.
PEAK_TFLOPS: Dict[str, Dict[str, float]] = {
    'H200': {'bf16': 989.0, 'fp16': 989.0, 'tf32': 495.0, 'fp32': 67.0},
    'H100': {'bf16': 989.0, 'fp16': 989.0, 'tf32': 495.0, 'fp32': 67.0},
    'A100': {'bf16': 312.0, 'fp16': 312.0, 'tf32': 156.0, 'fp32': 19.5},
}
PARTS = ('model', 'data', 'all')


@dataclass
class BenchOptions:
    """What to measure (the options of ``tools/analysis/bench_train.py``).

    Attributes:
        part: ``'model'``, ``'data'`` or ``'all'``.
        batch: Clips per step; default ``data.videos_per_gpu``.
        precision: One of :data:`~mmaction.engine.speed.precision.PRECISIONS`;
            default: the config's ``precision``, else ``tf32`` on CUDA
            (PyTorch's default for convolutions) and ``fp32`` on the CPU.
        channels_last: Channels-last model and input (else the config's).
        compile: ``torch.compile`` the model (else the config's).
        workers: Data-loader workers; default ``data.workers_per_gpu``.
        iters: Timed steps.
        warmup: Untimed steps first (at least 1; compilation happens here).
        peak_tflops: The device's peak for MFU, instead of :data:`PEAK_TFLOPS`.
        cudnn_benchmark: Set ``torch.backends.cudnn.benchmark``; default the
            config's ``cudnn_benchmark``.
        profile: After timing, run this many more steps under
            ``torch.profiler`` and report the operators that took the time.
    """

    part: str = 'model'
    batch: Optional[int] = None
    precision: Optional[str] = None
    channels_last: bool = False
    compile: bool = False
    workers: Optional[int] = None
    iters: int = 20
    warmup: int = 3
    peak_tflops: Optional[float] = None
    cudnn_benchmark: Optional[bool] = None
    profile: int = 0


@dataclass
class BenchResult:
    """The figures of one benchmark run (see :func:`format_result`).

    ``peak_memory_mb`` is ``torch.cuda.max_memory_allocated`` over steps 2..N
    (None on the CPU); ``flops_per_clip`` is the training FLOPs of one clip
    (None for ``data``); ``mfu`` needs a known peak; ``data_wait_fraction``
    is for ``all`` only. For a compiled model, ``compile_s`` is the first
    step's time less a timed step's, and ``graph_breaks`` the number of
    graph breaks dynamo met (their reasons, first lines, in
    ``graph_break_reasons``).
    """

    config: str
    part: str
    device: str
    device_name: str
    batch: int
    input_shape: List[int]
    precision: str
    channels_last: bool
    compiled: bool
    cudnn_benchmark: bool
    iters: int
    s_per_iter: float
    clips_per_s: float
    peak_memory_mb: Optional[float] = None
    flops_per_clip: Optional[float] = None
    achieved_tflops: Optional[float] = None
    peak_tflops: Optional[float] = None
    mfu: Optional[float] = None
    data_wait_fraction: Optional[float] = None
    compile_s: Optional[float] = None
    graph_breaks: Optional[int] = None
    graph_break_reasons: List[str] = field(default_factory=list)
    versions: Dict[str, Any] = field(default_factory=dict)
    profile_table: Optional[str] = None
    notes: List[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Plain dict (for JSON)."""
        return asdict(self)


def versions() -> Dict[str, Any]:
    """torch, CUDA and cuDNN versions."""
    return dict(
        torch=torch.__version__, cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version()
    )


def peak_tflops(device_name: str, precision: str) -> Optional[float]:
    """The dense peak of a GPU for a precision, from :data:`PEAK_TFLOPS` (None if unknown)."""
    for name, peaks in PEAK_TFLOPS.items():
        if name in device_name:
            return peaks.get(precision)
    return None


def _bench_config(cfg: Any, options: BenchOptions, device_type: str) -> dict:
    """The 1.x form of ``cfg`` (either dialect) with the benchmark's settings as config keys."""
    from mmaction.engine.config.convert import as_one_x
    from mmaction.engine.config.optim import mixed_precision_request

    src, _ = as_one_x(cfg)
    if options.precision is not None:
        src['precision'] = options.precision
    elif src.get('precision') is None and not mixed_precision_request(src.get('optim_wrapper')):
        src['precision'] = 'tf32' if device_type == 'cuda' else 'fp32'
    if options.channels_last:
        src['channels_last'] = True
    if options.compile:
        src['compile'] = src.get('compile') or True
    if options.cudnn_benchmark is not None:
        src.setdefault('env_cfg', {})['cudnn_benchmark'] = options.cudnn_benchmark
    loader = src.setdefault('train_dataloader', {})
    if options.batch is not None:
        loader['batch_size'] = options.batch
    if options.workers is not None:
        loader['num_workers'] = options.workers
    return src


class _Timer:
    """Wall-clock timing that waits for the device first."""

    def __init__(self, device: torch.device) -> None:
        self.device = device

    def sync(self) -> None:
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)

    def now(self) -> float:
        self.sync()
        return time.perf_counter()


def _synthetic_batch(cfg: dict, model, batch: int, device: torch.device) -> dict:
    """A collated batch of the training input shape, on the device."""
    shape = read_input_spec(cfg, 'train').batch_shape(batch)
    preprocessor = getattr(model, 'data_preprocessor', None)
    if getattr(preprocessor, 'mean', None) is not None:  # frames stay uint8 until the model
        imgs = torch.randint(0, 256, shape, dtype=torch.uint8, device=device)
    else:
        imgs = torch.randn(shape, device=device)
    num_classes = int(cfg['model']['cls_head']['num_classes'])
    label = torch.randint(0, num_classes, (batch, 1), device=device)
    return dict(imgs=imgs, label=label)


def count_train_flops(model, batch: dict, autocast) -> int:
    """FLOPs of one training step's forward and backward (``FlopCounterMode``)."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        data = model.data_preprocessor(batch, True)
        with autocast:
            losses = model(**data, mode='loss')
        loss, _ = model.parse_losses(losses)
        loss.backward()
    model.zero_grad(set_to_none=True)
    return int(counter.get_total_flops())


def _cycle(loader) -> Iterator:
    """Batches of ``loader`` over as many epochs as needed."""
    while True:
        yield from loader


def _build_loader(settings: dict):
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner

    import mmaction.datasets  # noqa: F401  (registers datasets and transforms)
    from mmaction.engine.runtime.console import setup_console

    setup_console()  # no registry-scope fallback notices on the console
    with DefaultScope.overwrite_default_scope('mmaction'):
        return Runner.build_dataloader(copy.deepcopy(settings['train_dataloader']), seed=0)


def _run_steps(step: Callable[[], int], options: BenchOptions, timer: _Timer) -> Dict[str, float]:
    """Warm up, then time ``options.iters`` calls of ``step`` (which returns clips done).

    ``first`` is the time of the first step, which compiles a compiled model.
    """
    start = timer.now()
    step()
    first = timer.now() - start
    if timer.device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(timer.device)  # peak over steps 2..N
    for _ in range(options.warmup - 1):
        step()
    clips = 0
    start = timer.now()
    for _ in range(options.iters):
        clips += step()
    elapsed = timer.now() - start
    return dict(elapsed=elapsed, clips=clips, first=first)


def _build_model(settings: dict, device: torch.device):
    """The training model, in its memory format but not compiled yet: FLOPs are counted eager.

    Not ``init_weights``: no pretrained download, and speed does not depend on values.
    """
    eager = dataclasses.replace(settings['speed'], compile=None)
    return build_model(settings['model'], speed=eager, device=device, training=True)


def _device(device: Optional[str]) -> torch.device:
    found = default_device_type()
    device = torch.device(device or found)
    if device.type != found:
        raise UserError(
            f'--device {device.type}: this process sees {found.upper()} as its device '
            '(for the CPU on a GPU machine, set CUDA_VISIBLE_DEVICES= before starting)'
        )
    return device


def _loop_step(settings: dict, model, optim_wrapper, timer: _Timer, waits: List[float]):
    """One iteration of the training loop; appends the time spent waiting for data."""
    iterator = _cycle(_build_loader(settings))

    def step() -> int:
        start = time.perf_counter()
        data = decode_on_model_device(next(iterator), model)  # GPU decoding: data time too
        waits.append(time.perf_counter() - start)
        model.train_step(data, optim_wrapper=optim_wrapper)
        timer.sync()  # as the loop's logging hooks do: the next wait is the model's idle time
        return len(data['imgs'])

    return step


def bench_train(
    cfg: Any, config_path: str, options: BenchOptions, device: Optional[str] = None
) -> BenchResult:
    """Measure one part of training a config (see the module docstring).

    Args:
        cfg: The 0.x config (after ``--cfg-options``).
        config_path: Its file, for the report.
        options: What to measure.
        device: ``'cuda'`` or ``'cpu'``; default: CUDA when available.

    Returns:
        The figures.
    """
    from mmaction.engine.config.convert import convert_train_config

    if options.part not in PARTS:
        raise ValueError(f'part must be one of {PARTS}, got {options.part!r}')
    if options.iters < 1 or options.warmup < 1:
        raise ValueError('iters and warmup must be at least 1')
    device = _device(device)
    src = _bench_config(cfg, options, device.type)
    settings = convert_train_config(src, config_path)
    torch.backends.cudnn.benchmark = bool(settings['env_cfg']['cudnn_benchmark'])
    batch = int(settings['train_dataloader']['batch_size'])
    timer = _Timer(device)
    figures: Dict[str, Any] = dict(batch=batch, input_shape=[])
    waits: List[float] = []
    breaks_before = graph_breaks()
    if options.part == 'data':
        iterator = _cycle(_build_loader(settings))

        def step() -> int:
            return len(next(iterator)['imgs'])

    else:
        step = _model_step(src, settings, options, device, figures, waits)
    run = _run_steps(step, options, timer)
    if options.part != 'data' and settings['speed'].compile is not None:
        # The first step compiles; a timed step is what it would have cost eagerly.
        figures['compile_s'] = max(run['first'] - run['elapsed'] / options.iters, 0.0)
        figures['graph_breaks'] = graph_breaks() - breaks_before
    if options.profile:
        figures['profile_table'] = profile_steps(step, options.profile, timer)
    if options.part == 'all':
        figures['wait'] = sum(waits[-options.iters :])
    return _result(config_path, options, device, settings['speed'], run, figures)


def _model_step(
    src: dict, settings: dict, options: BenchOptions, device: torch.device, figures: dict, waits
) -> Callable[[], int]:
    """The step of ``model`` or ``all``: the model built, its FLOPs counted, then compiled."""
    from mmengine.optim import build_optim_wrapper

    plan = settings['speed']
    batch = figures['batch']
    model = _build_model(settings, device)
    synthetic = _synthetic_batch(src, model, batch, device)
    figures['input_shape'] = list(synthetic['imgs'].shape)
    flops = count_train_flops(model, synthetic, plan.precision.autocast())
    figures['flops_per_clip'] = flops / batch
    plan.apply_compile(model)
    optim_wrapper = build_optim_wrapper(model, copy.deepcopy(settings['optim_wrapper']))
    if options.part == 'all':
        return _loop_step(settings, model, optim_wrapper, _Timer(device), waits)

    def step() -> int:
        model.train_step(synthetic, optim_wrapper=optim_wrapper)
        return batch

    return step


def profile_steps(step: Callable[[], int], steps: int, timer: _Timer, rows: int = 20) -> str:
    """Run ``steps`` steps under ``torch.profiler``; the operators by their own device time."""
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU]
    if timer.device.type == 'cuda':
        activities.append(ProfilerActivity.CUDA)
    with profile(activities=activities) as prof:
        for _ in range(steps):
            step()
        timer.sync()
    key = 'self_cuda_time_total' if timer.device.type == 'cuda' else 'self_cpu_time_total'
    return prof.key_averages().table(sort_by=key, row_limit=rows)


def _result(config_path, options, device, plan, run, figures) -> BenchResult:
    device_name = (
        torch.cuda.get_device_name(device)
        if device.type == 'cuda'
        else f'CPU ({torch.get_num_threads()} threads)'
    )
    clips_per_s = run['clips'] / run['elapsed']
    result = BenchResult(
        config=config_path,
        part=options.part,
        device=device.type,
        device_name=device_name,
        batch=figures['batch'],
        input_shape=figures['input_shape'],
        precision=plan.precision.name,
        channels_last=plan.channels_last,
        compiled=plan.compile is not None,
        cudnn_benchmark=torch.backends.cudnn.benchmark,
        iters=options.iters,
        s_per_iter=run['elapsed'] / options.iters,
        clips_per_s=clips_per_s,
        versions=versions(),
        profile_table=figures.get('profile_table'),
        # Fallbacks (bf16 without hardware support, ...): the row is not what was asked.
        notes=list(plan.precision.notes),
    )
    if device.type == 'cuda':
        result.peak_memory_mb = torch.cuda.max_memory_allocated(device) / 2**20
    if figures.get('flops_per_clip'):
        result.flops_per_clip = figures['flops_per_clip']
        result.achieved_tflops = result.flops_per_clip * clips_per_s / 1e12
        peak = options.peak_tflops
        if peak is None and device.type == 'cuda':
            peak = peak_tflops(device_name, plan.precision.name)
        if peak:
            result.peak_tflops = peak
            result.mfu = result.achieved_tflops / peak
    if 'wait' in figures:
        result.data_wait_fraction = figures['wait'] / run['elapsed']
    if 'graph_breaks' in figures:
        breaks = figures['graph_breaks']
        result.compile_s = figures['compile_s']
        result.graph_breaks = sum(breaks.values())
        result.graph_break_reasons = [f'{n}x {first_line(r)}' for r, n in breaks.most_common()]
    return result


def _fmt(value: Optional[float], spec: str, unit: str = '') -> str:
    return 'n/a' if value is None else f'{value:{spec}}{unit}'


def format_result(result: BenchResult) -> str:
    """The figures as printed by the tool: versions, settings, then the measures."""
    v = result.versions
    lines = [
        f'torch {v["torch"]}, CUDA {v["cuda"]}, cuDNN {v["cudnn"]}; device {result.device_name}',
        f'{result.config}: part {result.part}, batch {result.batch}'
        + (f', input {tuple(result.input_shape)}' if result.input_shape else '')
        + f', precision {result.precision}, channels_last {result.channels_last}, '
        f'compiled {result.compiled}, cudnn.benchmark {result.cudnn_benchmark}',
        f'clips/s {result.clips_per_s:.2f}, s/iter {result.s_per_iter:.4f} '
        f'({result.iters} timed steps), peak memory {_fmt(result.peak_memory_mb, ".0f", " MB")}',
    ]
    if result.flops_per_clip is not None:
        lines.append(
            f'train GFLOPs/clip {result.flops_per_clip / 1e9:.1f}, '
            f'{result.achieved_tflops:.3g} TFLOP/s, MFU {_fmt(result.mfu, ".1%")}'
            + (f' (peak {result.peak_tflops:g} TFLOP/s)' if result.peak_tflops else '')
        )
    if result.data_wait_fraction is not None:
        lines.append(f'waiting for data: {result.data_wait_fraction:.1%} of the time')
    if result.graph_breaks is not None:
        lines.append(
            f'compile time {result.compile_s:.1f} s (first step less a timed step), '
            f'graph breaks: {result.graph_breaks}'
        )
        lines += [f'  graph break: {reason}' for reason in result.graph_break_reasons]
    if result.profile_table:
        lines += ['where the time goes (torch.profiler):', result.profile_table]
    return '\n'.join(result.notes + lines)
