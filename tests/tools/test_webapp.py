"""demo/webapp.py: served on a free port with the tiny trained model, used over HTTP and in Chromium.

The app runs in a subprocess with its temporary folder (uploads) under the
test's. The limits, the removal of uploads and the loopback default are
checked through Gradio's HTTP API; the page itself in headless Chromium
(Playwright driving the system's browser). No request leaves 127.0.0.1.
"""

import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

import httpx
import numpy as np
import pytest
from tpn_run_helpers import ROOT, decode_video, env, free_port, run, val_videos

from mmaction.apis import inference_recognizer, init_recognizer
from mmaction.utils.synthetic_data import render_video, write_video
from mmaction.utils.video_writer import open_video_writer

WEBAPP = osp.join(ROOT, 'demo', 'webapp.py')
DEMO = osp.join(ROOT, 'demo', 'demo.py')
CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
]  # fmt: skip
START_TIMEOUT_S = 240
ANSWER_TIMEOUT_S = 180


@dataclass
class App:
    url: str
    port: int
    proc: subprocess.Popen
    log: str
    tmp: str  # the app's TMPDIR: its upload folder is made inside
    label_map: str
    example: str


def wait_until_serving(app: App) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if app.proc.poll() is not None:
            pytest.fail(f'the web demo exited with {app.proc.returncode}:\n{open(app.log).read()}')
        try:
            if httpx.get(f'{app.url}/gradio_api/info', timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    pytest.fail(f'the web demo did not serve within {START_TIMEOUT_S} s:\n{open(app.log).read()}')


@pytest.fixture(scope='module')
def web_app(tiny_trained_run, tmp_path_factory):
    """The web demo on a free port: limits 1 MB and 3 s, one example beside the label map."""
    root = tmp_path_factory.mktemp('webapp')
    labels = root / 'labels' / 'label_map.txt'
    (root / 'labels' / 'examples').mkdir(parents=True)
    shutil.copy(osp.join(tiny_trained_run.data_root, 'label_map.txt'), labels)
    example = str(root / 'labels' / 'examples' / 'example.mp4')
    shutil.copy(val_videos(tiny_trained_run.data_root)[1], example)
    (root / 'tmp').mkdir()
    port, log = free_port(), str(root / 'webapp.log')
    args = [sys.executable, WEBAPP, tiny_trained_run.config, tiny_trained_run.checkpoint,
            str(labels), '--device', 'cpu', '--port', str(port), '--max-upload-mb', '1',
            '--max-seconds', '3']  # fmt: skip
    extra = {'TMPDIR': str(root / 'tmp'), 'GRADIO_ANALYTICS_ENABLED': 'False'}
    with open(log, 'w') as out:
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env(extra), stdout=out, stderr=subprocess.STDOUT
        )
    app = App(f'http://127.0.0.1:{port}', port, proc, log, str(root / 'tmp'), str(labels), example)
    try:
        wait_until_serving(app)
        yield app
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def upload(app: App, path: str) -> httpx.Response:
    with open(path, 'rb') as f:
        files = {'files': (osp.basename(path), f, 'video/mp4')}
        return httpx.post(f'{app.url}/gradio_api/upload', files=files, timeout=60)


def recognize(app: App, path: str) -> list:
    """Upload ``path``, call the ``recognize`` endpoint, return its outputs."""
    response = upload(app, path)
    assert response.status_code == 200, response.text
    payload = {'data': [{'path': response.json()[0], 'meta': {'_type': 'gradio.FileData'}}]}
    call = httpx.post(f'{app.url}/gradio_api/call/recognize', json=payload, timeout=60)
    event = call.json()['event_id']
    url = f'{app.url}/gradio_api/call/recognize/{event}'
    with httpx.stream('GET', url, timeout=ANSWER_TIMEOUT_S) as stream:
        lines = list(stream.iter_lines())
    assert 'event: complete' in lines, lines
    data = [line for line in lines if line.startswith('data: ')][-1]
    return json.loads(data[len('data: ') :])


def uploaded_files(app: App) -> list:
    found = []
    for folder, _, files in os.walk(app.tmp):
        # Gradio's copy of the example stays: the page offers it again.
        found += [osp.join(folder, n) for n in files if n.endswith('.mp4') and n != 'example.mp4']
    return found


def demo_top_class(run_, video: str) -> str:
    """The best class as demo/demo.py prints it."""
    labels = osp.join(run_.data_root, 'label_map.txt')
    proc = run([sys.executable, DEMO, run_.config, run_.checkpoint, video, labels,
                '--device', 'cpu'])  # fmt: skip
    lines = proc.stdout.splitlines()
    first = lines[lines.index('The top-5 labels with corresponding scores are:') + 1]
    return first.rsplit(': ', 1)[0]


@pytest.mark.slow
def test_listens_on_loopback_only(web_app):
    port = f'{web_app.port:04X}'
    listening = []
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        with open(table) as f:
            for row in f.read().splitlines()[1:]:
                local, state = row.split()[1], row.split()[3]
                if local.endswith(f':{port}') and state == '0A':  # 0A: LISTEN
                    listening.append(local.rsplit(':', 1)[0])
    assert listening == ['0100007F']  # 127.0.0.1, little-endian hex; nothing on 0.0.0.0 or ::


@pytest.mark.slow
def test_answer_has_the_demo_scores_and_the_upload_is_removed(web_app, tiny_trained_run):
    video = val_videos(tiny_trained_run.data_root)[4]
    scores, overlay, timeline, message = recognize(web_app, video)
    model = init_recognizer(tiny_trained_run.config, tiny_trained_run.checkpoint, 'cpu')
    expected = inference_recognizer(model, video, label_map=web_app.label_map)
    shown = [(c['label'], c['confidence']) for c in scores['confidences']]
    assert [name for name, _ in shown] == [t.name for t in expected.top_k]
    np.testing.assert_allclose([s for _, s in shown], [t.score for t in expected.top_k], atol=1e-6)
    assert message.startswith(f'{expected.top_k[0].name}: {expected.top_k[0].score:.4f}')
    assert overlay['path'].endswith('.gif') and timeline is None  # 16 frames: one window
    gif = httpx.get(overlay['url'], timeout=30)
    assert gif.status_code == 200 and gif.content[:6] == b'GIF89a'
    assert uploaded_files(web_app) == []


@pytest.mark.slow
def test_limits_and_broken_files_give_messages(web_app, tmp_path):
    big = tmp_path / 'big.mp4'
    big.write_bytes(os.urandom(1_500_000))
    refused = upload(web_app, str(big))
    assert refused.status_code == 413 and '1000000 bytes' in refused.text
    long = str(tmp_path / 'long.mp4')  # 64 frames at 16 fps: 4 s, over --max-seconds 3
    write_video(long, render_video(0, 64, 64, 64, np.random.default_rng(0)), 16.0)
    assert (
        recognize(web_app, long)[3]
        == 'Error: long.mp4 lasts 4.0 s; this demo takes videos up to 3 s'
    )
    broken = tmp_path / 'broken.mp4'
    broken.write_bytes(os.urandom(20_000))
    scores, overlay, _, message = recognize(web_app, str(broken))
    assert not scores and overlay is None
    assert message.startswith('Error: Broken video data') and 'broken.mp4' in message
    assert 'expected a video file' in message
    assert uploaded_files(web_app) == []
    # Still serving: the next video gets its answer.
    assert recognize(web_app, web_app.example)[0]['label']


@pytest.mark.slow
def test_page_in_chromium(web_app, tiny_trained_run, tmp_path):
    """Upload in a real browser, see the class demo.py prints; a broken file shows a message."""
    if not osp.exists(CHROMIUM):
        pytest.fail(f'{CHROMIUM} is missing: apt-get install chromium (the web demo test needs it)')
    from playwright.sync_api import sync_playwright

    # H.264, which the browser previews (the synthetic videos are MPEG-4 Part 2).
    video = str(tmp_path / 'clip.mp4')
    frames = decode_video(val_videos(tiny_trained_run.data_root)[6])
    with open_video_writer(video, frames.shape[2], frames.shape[1], 16.0) as writer:
        for image in frames:
            writer.write(image)
    expected = demo_top_class(tiny_trained_run, video)
    broken = tmp_path / 'broken.mp4'
    broken.write_bytes(os.urandom(20_000))
    outside = []
    screenshot = os.environ.get('TPN_WEB_DEMO_SCREENSHOT') or str(tmp_path / 'web_demo.png')
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / 'chromium-profile'), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, viewport={'width': 1280, 'height': 900},
        )  # fmt: skip
        try:
            page = context.new_page()
            page.set_default_timeout(ANSWER_TIMEOUT_S * 1000)

            def only_loopback(route):
                if route.request.url.startswith(web_app.url):
                    return route.continue_()
                outside.append(route.request.url)
                return route.abort()

            page.route('**/*', only_loopback)
            page.goto(web_app.url)
            answer_shows(page, video, expected)
            page.screenshot(path=screenshot, full_page=True)
            page.locator('#video button[aria-label="Clear"]').first.click()
            page.locator('#video input[type=file]').set_input_files(str(broken))
            page.locator('#recognize').click()
            page.locator('#message', has_text='Error: Broken video data').wait_for()
            assert 'expected a video file' in page.locator('#message').inner_text()
        finally:
            context.close()
    assert outside == []
    assert osp.getsize(screenshot) > 10_000


def answer_shows(page, video: str, expected: str) -> None:
    """Upload ``video``, press Recognize, wait until the top class reads ``expected``."""
    page.locator('#video input[type=file]').set_input_files(video)
    page.locator('#video video').first.wait_for(state='attached')
    page.locator('#recognize').click()
    page.locator('#message', has_text=f'{expected}: ').wait_for()
    assert page.locator('#scores [data-testid="label-output-value"]').inner_text() == expected
    page.locator('#gradcam img').first.wait_for()
