import numpy as np
import pytest
import torch

from mmaction.datasets.transforms import Collect, FormatShape, ToTensor, to_tensor


def _frames(m, h=8, w=10, c=3, dtype=np.uint8):
    return np.random.default_rng(m).integers(0, 256, (m, h, w, c)).astype(dtype)


def _reference_ncthw(imgs, num_clips, clip_len):
    imgs = imgs.reshape((-1, num_clips, clip_len) + imgs.shape[1:])
    imgs = np.transpose(imgs, (0, 1, 5, 2, 3, 4))
    return imgs.reshape((-1,) + imgs.shape[2:])


@pytest.mark.parametrize('dtype', [np.uint8, np.float32])
@pytest.mark.parametrize('as_list', [True, False])
@pytest.mark.parametrize('num_crops, num_clips, clip_len', [(1, 1, 8), (3, 2, 4), (10, 1, 2)])
def test_ncthw(dtype, as_list, num_crops, num_clips, clip_len):
    frames = _frames(num_crops * num_clips * clip_len, dtype=dtype)
    results = dict(imgs=list(frames) if as_list else frames, num_clips=num_clips, clip_len=clip_len)
    results = FormatShape('NCTHW')(results)
    imgs = results['imgs']
    assert imgs.shape == (num_crops * num_clips, 3, clip_len, 8, 10)
    assert imgs.dtype == dtype and imgs.flags['C_CONTIGUOUS']
    assert results['input_shape'] == imgs.shape
    np.testing.assert_array_equal(imgs, _reference_ncthw(frames, num_clips, clip_len))
    # view 0 / time step 1 is frame 1 with channels first
    np.testing.assert_array_equal(imgs[0, :, 1], frames[1].transpose(2, 0, 1))


@pytest.mark.parametrize('dtype', [np.uint8, np.float32])
@pytest.mark.parametrize('as_list', [True, False])
def test_nchw(dtype, as_list):
    frames = _frames(24, dtype=dtype)
    cropped = frames[:, 1:7, 2:9]  # a non-contiguous view, as crops produce
    imgs = list(cropped) if as_list else cropped
    results = FormatShape('NCHW')(dict(imgs=imgs, num_clips=8, clip_len=1))
    assert results['imgs'].shape == (24, 3, 6, 7)
    assert results['imgs'].dtype == dtype and results['imgs'].flags['C_CONTIGUOUS']
    np.testing.assert_array_equal(results['imgs'], cropped.transpose(0, 3, 1, 2))


def test_flipped_view_input():
    frames = _frames(4)
    flipped = frames[:, :, ::-1]
    out = FormatShape('NCTHW')(dict(imgs=flipped, num_clips=1, clip_len=4))['imgs']
    np.testing.assert_array_equal(out, _reference_ncthw(np.ascontiguousarray(flipped), 1, 4))


def test_nchw_flow_and_nptchw():
    frames = _frames(2 * 2 * 3, c=2)
    out = FormatShape('NCHW_Flow')(dict(imgs=frames, num_clips=2, clip_len=3))['imgs']
    ref = frames.reshape((-1, 2, 3) + frames.shape[1:]).transpose(0, 1, 2, 5, 3, 4)
    ref = ref.reshape((-1, 3 * 2) + ref.shape[4:])
    assert out.shape == (4, 6, 8, 10)
    np.testing.assert_array_equal(out, ref)

    frames = _frames(3 * 2 * 2)
    results = dict(imgs=list(frames), num_clips=2, clip_len=2, num_proposals=3)
    out = FormatShape('NPTCHW')(results)['imgs']
    ref = frames.reshape((3, 4) + frames.shape[1:]).transpose(0, 1, 4, 2, 3)
    assert out.shape == (3, 4, 3, 8, 10)
    np.testing.assert_array_equal(out, ref)


def test_collapse_and_errors():
    frames = _frames(4)
    out = FormatShape('NCTHW', collapse=True)(dict(imgs=frames, num_clips=1, clip_len=4))
    assert out['imgs'].shape == (3, 4, 8, 10)
    with pytest.raises(ValueError, match='num_clips'):
        FormatShape('NCTHW', collapse=True)(dict(imgs=frames, num_clips=2, clip_len=2))
    with pytest.raises(ValueError, match='invalid'):
        FormatShape('NTHWC')
    with pytest.raises(ValueError, match='do not fit'):
        FormatShape('NCTHW')(dict(imgs=frames, num_clips=1, clip_len=3))
    assert repr(FormatShape('NCHW')) == "FormatShape(input_format='NCHW', collapse=False)"


def test_collect():
    results = dict(imgs=1, label=2, filename='a.mp4', img_shape=(8, 8), extra=3)
    data = Collect(keys=['imgs', 'label'], meta_keys=[])(dict(results))
    assert data == dict(imgs=1, label=2)
    data = Collect(keys=['imgs'], meta_keys=('filename', 'img_shape'))(dict(results))
    assert data == dict(imgs=1, img_metas=dict(filename='a.mp4', img_shape=(8, 8)))
    data = Collect(keys=['imgs'], meta_keys=['label'], meta_name='meta', nested=True)(results)
    assert data == dict(imgs=[1], meta=[dict(label=2)])
    with pytest.raises(KeyError, match='original_shape'):
        Collect(keys=['imgs'])(dict(results))


def test_to_tensor():
    frames = _frames(2)
    results = ToTensor(keys=['imgs', 'label'])(dict(imgs=frames, label=3))
    assert isinstance(results['imgs'], torch.Tensor) and results['imgs'].dtype == torch.uint8
    assert results['label'].dtype == torch.int64 and results['label'].shape == (1,)
    assert results['label'].item() == 3
    assert to_tensor(np.int64(4)).tolist() == [4]
    assert to_tensor(0.5).dtype == torch.float32
    assert to_tensor([1, 2]).tolist() == [1, 2]
    multi_hot = np.array([0.0, 1.0, 1.0], dtype=np.float32)
    assert to_tensor(multi_hot).shape == (3,)
    with pytest.raises(TypeError):
        to_tensor('text')
    with pytest.raises(KeyError):
        ToTensor(keys=['missing'])(dict())
