"""Video and frame decoders: agreement between backends and broken-file errors."""

import builtins
import functools

import cv2
import numpy as np
import pytest

from mmaction.datasets import (
    BrokenVideoError,
    DecordDecode,
    DecordInit,
    OpenCVDecode,
    OpenCVInit,
    PyAVDecode,
    PyAVInit,
    RawFrameDecode,
)
from mmaction.datasets.transforms import decord_decode
from mmaction.datasets.transforms.pyav_reader import PyAVReader

NUM_FRAMES = 30


def frame_image(index, width=32, height=24):
    """A frame whose content identifies its index (RGB)."""
    img = np.zeros((height, width, 3), np.uint8)
    img[..., 0] = index * 8 % 256
    img[..., 1] = (np.arange(width) * 7)[None, :]
    img[..., 2] = 255 - index * 8 % 256
    img[: index % height, :4] = 255
    return img


def write_video(path, num_frames=NUM_FRAMES, fps=10):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps, (32, 24))
    assert writer.isOpened()
    for index in range(num_frames):
        writer.write(cv2.cvtColor(frame_image(index), cv2.COLOR_RGB2BGR))
    writer.release()
    return str(path)


@pytest.fixture(scope='module')
def video(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp('videos') / 'clip.mp4')


def decode(init, decoder, filename, frame_inds):
    results = init(dict(filename=filename))
    results['frame_inds'] = np.asarray(frame_inds)
    return decoder(results)


BACKENDS = {
    'decord': (functools.partial(DecordInit, backend='decord'), DecordDecode),
    'decord_default': (DecordInit, DecordDecode),  # PyAVReader under the decord names
    'pyav': (PyAVInit, PyAVDecode),
    'opencv': (OpenCVInit, OpenCVDecode),
}


def backend_decode(backend, filename, frame_inds):
    init, decoder = BACKENDS[backend]
    return decode(init(), decoder(), filename, frame_inds)


@pytest.mark.parametrize('backend', sorted(BACKENDS))
def test_decoder_outputs(video, backend):
    init, decoder = BACKENDS[backend]
    inds = [0, 3, 3, 29, 15, 7]
    results = decode(init(), decoder(), video, inds)
    assert results['total_frames'] == NUM_FRAMES
    assert results['video_reader'] is None
    assert results['original_shape'] == (24, 32) and results['img_shape'] == (24, 32)
    imgs = results['imgs']
    assert isinstance(imgs, list) and len(imgs) == len(inds)
    for img, index in zip(imgs, inds):
        assert img.shape == (24, 32, 3) and img.dtype == np.uint8
        # Lossy codec: compare with the drawn frame loosely, and check it is
        # closer to its own frame than to any other (right index, RGB order).
        errors = [np.abs(img.astype(int) - frame_image(i)).mean() for i in range(NUM_FRAMES)]
        assert int(np.argmin(errors)) == index
        assert errors[index] < 12


def test_decord_pyav_opencv_give_identical_frames(video):
    # All use FFmpeg's decoder and BT.601 YUV->RGB conversion through
    # libswscale, so the frames are bit-identical, not just close.
    inds = [29, 0, 1, 14, 14, 28, 5]
    reference = np.stack(backend_decode('decord', video, inds)['imgs'])
    for backend in ('decord_default', 'pyav', 'opencv'):
        np.testing.assert_array_equal(
            np.stack(backend_decode(backend, video, inds)['imgs']), reference
        )


def write_h264_video(path, num_frames=90):
    """h264 with B-frames and a short GOP, like real (re-encoded) Kinetics videos."""
    import av

    with av.open(str(path), 'w') as container:
        stream = container.add_stream('libx264', rate=30, options={'g': '12', 'bf': '2'})
        stream.width, stream.height, stream.pix_fmt = 32, 24, 'yuv420p'
        for index in range(num_frames):
            frame = av.VideoFrame.from_ndarray(frame_image(index % NUM_FRAMES), format='rgb24')
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return str(path)


def test_h264_with_b_frames_identical_across_backends(tmp_path):
    path = write_h264_video(tmp_path / 'h264.mp4')
    inds = [89, 0, 1, 45, 45, 13, 70, 2]
    reference = backend_decode('decord', path, inds)
    assert reference['total_frames'] == 90
    for backend in ('decord_default', 'pyav', 'opencv'):
        imgs = np.stack(backend_decode(backend, path, inds)['imgs'])
        np.testing.assert_array_equal(imgs, np.stack(reference['imgs']))


def test_decord_init_backends(video):
    assert isinstance(DecordInit()(dict(filename=video))['video_reader'], PyAVReader)
    reader = DecordInit(backend='decord')(dict(filename=video))['video_reader']
    assert type(reader).__name__ == 'VideoReader'
    with pytest.raises(ValueError, match="backend must be one of \\('pyav', 'decord'\\)"):
        DecordInit(backend='opencv')


@pytest.mark.parametrize('mode', ['accurate', 'efficient'])
def test_efficient_mode_returns_frames(video, mode):
    for backend in ('decord', 'pyav'):
        init, decoder = BACKENDS[backend]
        results = decode(init(), decoder(mode=mode), video, [0, 12, 24])
        assert len(results['imgs']) == 3


def test_decord_falls_back_to_pyav(video, monkeypatch):
    real_import = builtins.__import__

    def no_decord(name, *args, **kwargs):
        if name == 'decord':
            raise ImportError('decord hidden by the test')
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_decord)
    monkeypatch.setattr(decord_decode, '_DECORD_CHECKED', False)
    monkeypatch.setattr(decord_decode, '_DECORD_MODULE', None)
    results = DecordInit(backend='decord')(dict(filename=video))
    assert isinstance(results['video_reader'], PyAVReader)
    assert decord_decode.import_decord() is None
    results = DecordDecode()(dict(results, frame_inds=np.array([3, 4])))
    expected = decode(PyAVInit(), PyAVDecode(), video, [3, 4])['imgs']
    np.testing.assert_array_equal(np.stack(results['imgs']), np.stack(expected))
    monkeypatch.setattr(decord_decode, '_DECORD_CHECKED', False)


def write_faststart_video(path, num_frames=60):
    """An mp4 with its index (moov) first, so a truncated copy still opens."""
    import av

    with av.open(str(path), 'w', options={'movflags': 'faststart'}) as container:
        stream = container.add_stream('mpeg4', rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 24, 'yuv420p'
        for index in range(num_frames):
            frame = av.VideoFrame.from_ndarray(frame_image(index), format='rgb24')
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return str(path)


def make_broken(tmp_path, video, kind):
    path = tmp_path / f'{kind}.mp4'
    data = open(video, 'rb').read()
    if kind == 'truncated_indexed':
        full = open(write_faststart_video(tmp_path / 'full.mp4'), 'rb').read()
        path.write_bytes(full[: len(full) * 2 // 3])
    if kind == 'empty':
        path.write_bytes(b'')
    elif kind == 'corrupt':
        path.write_bytes(np.random.default_rng(0).integers(0, 256, 4000, np.uint8).tobytes())
    elif kind == 'truncated':
        path.write_bytes(data[: len(data) // 3])
    return str(path)


@pytest.mark.parametrize('kind', ['missing', 'empty', 'corrupt', 'truncated', 'truncated_indexed'])
@pytest.mark.parametrize('backend', sorted(BACKENDS))
def test_broken_videos_raise_broken_video_error(tmp_path, video, kind, backend):
    path = make_broken(tmp_path, video, kind)
    init, decoder = BACKENDS[backend]
    with pytest.raises(BrokenVideoError, match=kind):
        decode(init(), decoder(), path, [0, 10, 50, 59] if 'indexed' in kind else [0, 29])


def test_faststart_video_decodes_completely(tmp_path):
    path = write_faststart_video(tmp_path / 'ok.mp4')
    reference = np.stack(decode(DecordInit(), DecordDecode(), path, [0, 59, 30])['imgs'])
    for backend in ('pyav', 'opencv'):
        init, decoder = BACKENDS[backend]
        imgs = np.stack(decode(init(), decoder(), path, [0, 59, 30])['imgs'])
        np.testing.assert_array_equal(imgs, reference)


def test_out_of_range_index_names_file(video):
    with pytest.raises(IndexError, match='clip.mp4'):
        decode(PyAVInit(), PyAVDecode(), video, [NUM_FRAMES])


@pytest.fixture()
def frame_dir(tmp_path):
    for index in range(1, 6):
        cv2.imwrite(
            str(tmp_path / f'img_{index:05}.png'),
            cv2.cvtColor(frame_image(index), cv2.COLOR_RGB2BGR),
        )
        cv2.imwrite(str(tmp_path / f'x_{index:05}.png'), frame_image(index)[..., 0])
        cv2.imwrite(str(tmp_path / f'y_{index:05}.png'), frame_image(index)[..., 2])
    return tmp_path


@pytest.mark.parametrize('backend', ['cv2', 'pillow'])
def test_rawframe_decode_rgb(frame_dir, backend):
    results = dict(
        frame_dir=str(frame_dir),
        filename_tmpl='img_{:05}.png',
        modality='RGB',
        frame_inds=np.array([1, 3, 3, 5]),
    )
    results = RawFrameDecode(decoding_backend=backend)(results)
    assert results['img_shape'] == (24, 32)
    for img, index in zip(results['imgs'], [1, 3, 3, 5]):
        np.testing.assert_array_equal(img, frame_image(index))


def test_rawframe_decode_flow_and_offset(frame_dir):
    results = dict(
        frame_dir=str(frame_dir),
        filename_tmpl='{}_{:05}.png',
        modality='Flow',
        frame_inds=np.array([1, 2]),
        offset=2,
    )
    imgs = RawFrameDecode()(results)['imgs']
    assert len(imgs) == 4 and imgs[0].shape == (24, 32)
    np.testing.assert_array_equal(imgs[0], frame_image(3)[..., 0])
    np.testing.assert_array_equal(imgs[1], frame_image(3)[..., 2])
    np.testing.assert_array_equal(imgs[3], frame_image(4)[..., 2])


def test_rawframe_decode_broken_frames(frame_dir):
    (frame_dir / 'img_00002.png').write_bytes(b'not an image')
    base = dict(frame_dir=str(frame_dir), filename_tmpl='img_{:05}.png', modality='RGB')
    with pytest.raises(BrokenVideoError, match='img_00002.png'):
        RawFrameDecode()(dict(base, frame_inds=np.array([1, 2])))
    with pytest.raises(BrokenVideoError, match='img_00009.png'):
        RawFrameDecode()(dict(base, frame_inds=np.array([9])))
