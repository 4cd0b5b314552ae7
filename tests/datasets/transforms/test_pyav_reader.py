"""PyAVReader: the frames equal a full sequential decode, with less decoding work."""

from fractions import Fraction

import av
import numpy as np
import pytest

from mmaction.datasets import BrokenVideoError
from mmaction.datasets.transforms.pyav_reader import PyAVReader
from mmaction.utils.natural_video import render_natural_frames, write_natural_video
from mmaction.utils.video_writer import VideoWriter

W, H = 64, 48


def full_decode(path):
    """Every frame, as a plain sequential PyAV decode gives it."""
    with av.open(path) as container:
        return [frame.to_ndarray(format='rgb24') for frame in container.decode(video=0)]


def write_irregular(path, num_frames=60):
    """h264 with B-frames whose frames last 20 to 90 ms (variable frame rate)."""
    durations = np.random.default_rng(0).choice([20, 33, 33, 50, 90], num_frames)
    with VideoWriter(path, W, H, 30, keyint=12, time_base=Fraction(1, 1000)) as writer:
        for frame, pts in zip(render_natural_frames(W, H, num_frames, 1), np.cumsum(durations)):
            writer.write(frame, pts=int(pts))
    return path


def write_raw_h264(path, num_frames=40):
    """An h264 elementary stream: packets without timestamps."""
    with av.open(path, 'w', format='h264') as container:
        stream = container.add_stream('libx264', rate=25, options={'bf': '2', 'g': '10'})
        stream.width, stream.height, stream.pix_fmt = W, H, 'yuv420p'
        for frame in render_natural_frames(W, H, num_frames, 2):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format='rgb24')))
        container.mux(stream.encode())
    return path


@pytest.fixture(scope='module')
def videos(tmp_path_factory):
    """Videos of several kinds, each with its fully decoded frames."""
    root = tmp_path_factory.mktemp('reader')
    paths = {
        # libx264 defaults: B-pyramid, one key frame for the whole clip.
        'h264_bframes': str(root / 'h264.mp4'),
        'h264_keyint': str(root / 'h264_keyint.mkv'),
        'mpeg4_bframes': str(root / 'mpeg4.avi'),
    }
    write_natural_video(paths['h264_bframes'], W, H, seconds=4, seed=3)
    write_natural_video(paths['h264_keyint'], W, H, seconds=4, seed=4, keyint=30)
    write_natural_video(paths['mpeg4_bframes'], W, H, seconds=3, seed=5, codec='mpeg4',
                        options={'bf': '2', 'g': '25'})  # fmt: skip
    paths['irregular'] = write_irregular(str(root / 'irregular.mp4'))
    paths['no_timestamps'] = write_raw_h264(str(root / 'raw.h264'))
    return {kind: (path, full_decode(path)) for kind, path in paths.items()}


def read(path, wanted, threads=1, mode='accurate'):
    return PyAVReader(path, path, threads).read(np.asarray(wanted), mode)


@pytest.mark.parametrize(
    'kind', ['h264_bframes', 'h264_keyint', 'mpeg4_bframes', 'irregular', 'no_timestamps']
)
@pytest.mark.parametrize('threads', [1, 2])
def test_frames_equal_a_full_decode(videos, kind, threads):
    path, reference = videos[kind]
    reader = PyAVReader(path, path, threads)
    assert reader.total_frames == len(reference)
    rng = np.random.default_rng(threads)
    last = len(reference) - 1
    draws = [[0], [last], [0, 1, 2, last], *(rng.integers(0, last + 1, 8) for _ in range(4))]
    for wanted in draws:
        wanted = np.unique(wanted)
        for number, img in zip(wanted, read(path, wanted, threads)):
            assert img.dtype == np.uint8 and img.shape == (H, W, 3)
            np.testing.assert_array_equal(img, reference[number], err_msg=f'{kind} {number}')


def test_irregular_timestamps_are_numbered_not_sequential(videos):
    # Frame numbers come from the timestamps' ranks, so seeking works on
    # variable-frame-rate video too; without timestamps the reader counts.
    assert PyAVReader(*[videos['irregular'][0]] * 2).frame_numbers is not None
    assert PyAVReader(*[videos['no_timestamps'][0]] * 2).frame_numbers is None


def count_decoding(monkeypatch):
    """Record the packet positions fed to the decoder and the frames it returns."""
    log = dict(fed=[], frames=0)
    feed = PyAVReader._feed

    def counting_feed(self, position, skip):
        frames = feed(self, position, skip)
        if position is not None:
            log['fed'].append(position)
        log['frames'] += len(frames)
        return frames

    monkeypatch.setattr(PyAVReader, '_feed', counting_feed)
    return log


def test_unsampled_non_reference_frames_are_skipped(videos, monkeypatch):
    path, reference = videos['h264_bframes']
    log = count_decoding(monkeypatch)
    wanted = [40, 48, 56, 64]
    for number, img in zip(wanted, read(path, wanted)):
        np.testing.assert_array_equal(img, reference[number])
    # From the key frame (0) the decoder is fed every packet up to the last
    # sampled one, but returns only the reference frames and the samples.
    assert len(log['fed']) > 60
    assert log['frames'] < 0.75 * len(log['fed'])


def test_decoding_jumps_to_the_next_key_frame(videos, monkeypatch):
    path, reference = videos['h264_keyint']  # key frames every 30 frames
    log = count_decoding(monkeypatch)
    for number, img in zip([3, 95], read(path, [3, 95])):
        np.testing.assert_array_equal(img, reference[number])
    fed = log['fed']
    assert fed[0] == 0 and 90 in fed
    # Nothing between the first sample's packets and the key frame of 95.
    assert not [position for position in fed if 12 < position < 90]


def test_numbering_mismatch_falls_back_to_counting(videos, monkeypatch):
    path, reference = videos['h264_bframes']
    reader = PyAVReader(path, path)
    reader.frame_of_pts = {}  # as if the decoder returned unknown timestamps
    for number, img in zip([7, 50], reader.read(np.array([7, 50]))):
        np.testing.assert_array_equal(img, reference[number])


def test_efficient_mode_returns_the_key_frames(videos):
    path, reference = videos['h264_keyint']
    imgs = read(path, [5, 40, 61], mode='efficient')
    for img, key in zip(imgs, [0, 30, 60]):
        np.testing.assert_array_equal(img, reference[key])


def broken_copies(path, root):
    """The same mp4 (index first) cut at half, and with its second half zeroed."""
    data = open(path, 'rb').read()
    cut, zeroed = root / 'cut_half.mp4', root / 'zeroed_half.mp4'
    cut.write_bytes(data[: len(data) // 2])
    zeroed.write_bytes(data[: len(data) // 2] + bytes(len(data) - len(data) // 2))
    return str(cut), str(zeroed)


def test_video_that_stops_halfway_raises_broken_video_error(tmp_path):
    good = str(tmp_path / 'good.mp4')
    write_natural_video(good, W, H, seconds=4, seed=6, faststart=True)
    reference = full_decode(good)
    cut, zeroed = broken_copies(good, tmp_path)
    with pytest.raises(BrokenVideoError, match='cut_half.mp4.*truncated'):
        PyAVReader(cut, cut)
    # The frames before the damage are still the right ones ...
    for number, img in zip([0, 10], read(zeroed, [0, 10])):
        np.testing.assert_array_equal(img, reference[number])
    # ... a sample that reaches it is a broken video, named.
    with pytest.raises(BrokenVideoError, match='zeroed_half.mp4'):
        read(zeroed, [10, 60, 110])


def test_not_a_video(tmp_path):
    path = tmp_path / 'noise.mp4'
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, np.uint8).tobytes())
    with pytest.raises(BrokenVideoError, match='noise.mp4'):
        PyAVReader(str(path), str(path))
