"""Video decoding with torchcodec: ``TorchCodecInit`` and ``TorchCodecDecode``.

On the CPU (``device='cpu'``, in the data-loader workers) they are drop-in
replacements of ``PyAVInit``/``PyAVDecode`` and give the same frames. With
``device='cuda'`` the worker only opens the video (frame count and size),
so that ``SampleFrames`` and the lazy crop, resize and flip transforms can
draw the sample's random choices there, under the sample's seed;
:class:`~.pack_device_decode.PackDeviceDecode` then sends the decoding job,
and the main process decodes the batch on the GPU and applies the recorded
crops, resizes and flips there (:func:`~mmaction.datasets.device_decode.decode_video_batch`).
Data-loader workers are forked processes, in which CUDA cannot start.

Without torchcodec (the ``torchcodec`` extra) building either transform
raises one line that names the extra; ``device='cuda'`` where the process
has no CUDA device, or torchcodec no CUDA support, raises one line saying
which.
"""

from typing import Optional

from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS
from mmaction.utils.errors import ConfigError

from .torchcodec_reader import TorchCodecReader, cuda_decoding_unavailable, require_torchcodec
from .video_io import (
    check_frame_inds,
    check_io_backend,
    decode_sampled,
    decoder_threads,
    open_video_source,
    unique_frame_inds,
)

DEVICES = ('cpu', 'cuda')


@TRANSFORMS.register_module()
class TorchCodecInit(BaseTransform):
    """Open a video with torchcodec (on the CPU) and count its frames.

    Without torchcodec, or without FFmpeg libraries it can load, building it
    raises ``MissingPackageError`` (one line naming the ``torchcodec`` extra).

    Required keys: ``filename``. Added keys: ``video_reader``,
    ``total_frames``, ``avg_fps`` (when the container gives one).

    Args:
        io_backend (str): Where the video is stored (``'disk'`` or an
            mmengine file backend name). Defaults to ``'disk'``.
        num_threads (int, optional): FFmpeg decoder threads; None gives
            each data-loader worker its share of the process's cores.
            Defaults to None.
        **kwargs: Arguments of the file backend.
    """

    def __init__(self, io_backend: str = 'disk', num_threads: Optional[int] = None, **kwargs):
        check_io_backend('TorchCodecInit', io_backend, kwargs)
        require_torchcodec('TorchCodecInit')
        self.io_backend = io_backend
        self.num_threads = num_threads
        self.kwargs = kwargs

    def transform(self, results: dict) -> dict:
        """Open ``results['filename']``; raise ``BrokenVideoError`` if unreadable."""
        filename = results['filename']
        source = open_video_source(filename, self.io_backend, **self.kwargs)
        reader = TorchCodecReader(source, filename, decoder_threads(self.num_threads))
        results['video_reader'] = reader
        results['total_frames'] = reader.total_frames
        if reader.avg_fps is not None:
            results['avg_fps'] = reader.avg_fps
        return results

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(io_backend={self.io_backend}, num_threads={self.num_threads})'
        )


@TRANSFORMS.register_module()
class TorchCodecDecode(BaseTransform):
    """Decode the sampled frames of a video opened by :class:`TorchCodecInit`.

    With ``device='cpu'``: required keys ``video_reader``, ``frame_inds``;
    added or changed keys ``imgs`` (list of ``HxWx3`` uint8 RGB arrays, one
    per index), ``original_shape``, ``img_shape``, ``video_reader`` (None).

    With ``device='cuda'`` nothing is decoded here: ``decode_on`` (the
    device), ``original_shape`` and ``img_shape`` are set for the lazy
    transforms and :class:`PackDeviceDecode` that must follow; a video read
    through a file backend (bytes, not a local path) is decoded here on the
    CPU, which ``PackDeviceDecode`` handles too.

    Raises (when built): ``MissingPackageError`` without torchcodec;
    ``ConfigError`` for ``device='cuda'`` where GPU decoding cannot work
    (no CUDA device in this process, a CPU-only torchcodec build).

    Args:
        device (str): ``'cpu'`` or ``'cuda'``. Defaults to ``'cpu'``.
        mode (str): Only ``'accurate'`` (the exact frames).
    """

    def __init__(self, device: str = 'cpu', mode: str = 'accurate') -> None:
        if device not in DEVICES:
            raise ConfigError(f'TorchCodecDecode: device must be one of {DEVICES}, got {device!r}')
        if mode != 'accurate':
            raise ConfigError(
                f"TorchCodecDecode: mode={mode!r} is not supported; use 'accurate' "
                "(or PyAVDecode(mode='efficient') for key frames)"
            )
        require_torchcodec('TorchCodecDecode')
        if device == 'cuda':
            reason = cuda_decoding_unavailable()
            if reason is not None:
                raise ConfigError(
                    f"TorchCodecDecode(device='cuda'): no GPU decoding here ({reason}); "
                    "use device='cpu'"
                )
        self.device = device
        self.mode = mode

    def transform(self, results: dict) -> dict:
        """Decode ``results['frame_inds']`` into ``results['imgs']``, or leave that to the GPU."""
        reader = results['video_reader']
        deferred = self.device != 'cpu' and reader.on_disk
        if not deferred:
            return decode_sampled(results, reader.total_frames, reader.filename, reader.read)
        # Bad indices fail here, in the worker, naming the video.
        wanted, _ = unique_frame_inds(results['frame_inds'])
        check_frame_inds(wanted, reader.total_frames, reader.filename)
        reader.close()
        results['video_reader'] = None
        results['decode_on'] = self.device
        results['original_shape'] = results['img_shape'] = (reader.height, reader.width)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(device={self.device}, mode={self.mode})'
