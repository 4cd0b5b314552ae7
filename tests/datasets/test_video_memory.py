"""A 4K video: one clip is decoded without holding the whole video (peak memory of a worker)."""

import json
import subprocess
import sys

import numpy as np
import pytest
from tpn_run_helpers import ROOT, env

#: The most memory a data-loader worker may take to decode one 4K clip, imports included.
PEAK_LIMIT_MB = 1536

# One worker's work: import the toolkit, open the video, sample a clip of 8
# frames (every 4th), decode it; then report the peak resident memory. VmHWM,
# not ru_maxrss: that one keeps the parent's peak across the exec (pytest's,
# which held the frames written).
DECODE_ONE_CLIP = """
import json, sys
import mmaction.engine  # what a worker of a training run has imported
from mmaction.datasets import VideoDataset
steps = {
    'pyav_reader': [dict(type='DecordInit'), dict(type='DecordDecode')],
    'decord': [dict(type='DecordInit', backend='decord'), dict(type='DecordDecode')],
    'opencv': [dict(type='OpenCVInit'), dict(type='OpenCVDecode')],
}[sys.argv[2]]
pipeline = [steps[0], dict(type='SampleFrames', clip_len=8, frame_interval=4, num_clips=1,
                           test_mode=True), steps[1]]
sample = VideoDataset(sys.argv[1], pipeline, test_mode=True)[0]
print(json.dumps(dict(shape=list(sample['imgs'][0].shape), frames=len(sample['imgs']),
                      peak_mb=[int(line.split()[1]) / 1024 for line in open('/proc/self/status')
                               if line.startswith('VmHWM:')][0])))
"""


@pytest.fixture(scope='module')
def video_4k(tmp_path_factory, write_video):
    """A 3840x2160 H.264 video of 40 frames with an audio track, and its annotation list."""
    folder = tmp_path_factory.mktemp('4k')
    frames = np.zeros((40, 2160, 3840, 3), np.uint8)
    frames[:] = np.arange(40, dtype=np.uint8)[:, None, None, None] * 5
    frames[:, :540, :960] = 255
    path = write_video(folder / 'uhd.mp4', frames, fps=30, audio=True,
                       options={'preset': 'ultrafast'})  # fmt: skip
    ann = folder / 'list.txt'
    ann.write_text(f'{path} 0\n')
    return str(ann)


@pytest.mark.slow
@pytest.mark.parametrize('backend', ['pyav_reader', 'decord', 'opencv'])
def test_one_4k_clip_stays_under_the_memory_limit(video_4k, backend):
    proc = subprocess.run(
        [sys.executable, '-c', DECODE_ONE_CLIP, video_4k, backend],
        cwd=ROOT, env=env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result['shape'] == [2160, 3840, 3] and result['frames'] == 8
    assert result['peak_mb'] < PEAK_LIMIT_MB, result
