"""The web demo's page, built with Gradio (an optional extra: ``pip install -e ".[demo]"``).

One page: a video upload (and the examples found next to the label map), a
button, and the answer of :class:`~.web_demo.WebDemo`: the top-5 classes as
bars, the Grad-CAM overlay as an animated image, the timeline of a long
video as a plot, and a line that says what was found or what was wrong.
Requests queue (Gradio's queue, one at a time by default). Gradio's
analytics are off and its uploads land in a temporary folder of this app,
removed after each answer; the server listens on 127.0.0.1 unless told
otherwise.
"""

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import List, Optional

from mmaction.utils.errors import missing_package

from .web_demo import WebDemo, WebLimits, find_examples

INSTALL_GRADIO = 'pip install -e ".[demo]"'
TITLE = 'TPN action recognition'


@dataclass
class ServeOptions:
    """Where and how the web demo serves.

    Attributes:
        host: Address to listen on (127.0.0.1: this machine only).
        port: Port.
        limits: Upload size and video duration limits.
        concurrency: Requests answered at once; the rest wait in the queue.
        queue_size: Requests waiting at most; more are refused.
    """

    host: str = '127.0.0.1'
    port: int = 7860
    limits: Optional[WebLimits] = None
    concurrency: int = 1
    queue_size: int = 16


def prepare_gradio(upload_dir: str):
    """Import Gradio with its analytics off and its uploads in ``upload_dir``.

    Both are read from the environment when Gradio is imported, hence here.

    Raises:
        MissingPackageError: Gradio is not installed.
    """
    os.environ['GRADIO_ANALYTICS_ENABLED'] = 'False'
    os.environ['GRADIO_TEMP_DIR'] = upload_dir
    os.environ.setdefault('HF_HUB_OFFLINE', '1')
    try:
        import gradio
    except ImportError:
        raise missing_package('gradio', 'The web demo', INSTALL_GRADIO) from None
    return gradio


def build_page(gr, demo: WebDemo, examples: List[str]):
    """The Gradio Blocks of the page; the button's API name is ``recognize``."""
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(600, 600)) as page:
        gr.Markdown(f'# {TITLE}\nUpload a video, or pick an example, then press **Recognize**.')
        with gr.Row():
            with gr.Column():
                video = gr.Video(label='Video', sources=['upload'], elem_id='video')
                button = gr.Button('Recognize', variant='primary', elem_id='recognize')
                if examples:
                    gr.Examples(examples=examples, inputs=video, label='Examples')
            with gr.Column():
                message = gr.Markdown(elem_id='message')
                scores = gr.Label(num_top_classes=5, label='Top-5 classes', elem_id='scores')
                overlay = gr.Image(label='Grad-CAM', type='filepath', elem_id='gradcam')
                timeline = gr.Plot(label='Timeline (videos longer than one window)')

        def recognize(path: Optional[str]):
            answer = demo.answer(path)
            return answer.scores or None, answer.overlay, answer.timeline, answer.message

        button.click(
            recognize, inputs=video, outputs=[scores, overlay, timeline, message],
            api_name='recognize',
        )  # fmt: skip
    return page


def serve(model, label_map: str, options: ServeOptions, block: bool = True):
    """Build the page around ``model`` and serve it.

    Args:
        model: A recognizer from :func:`~mmaction.apis.init_recognizer`.
        label_map: The label map file; videos next to it become examples.
        options: Host, port, limits, queue.
        block: Serve until interrupted; False returns the running page
            (close it with ``page.close()``).

    Returns:
        The Gradio Blocks, once it serves (with ``block=False``).
    """
    limits = options.limits or WebLimits()
    upload_dir = tempfile.mkdtemp(prefix='tpn-web-uploads-')
    output_dir = tempfile.mkdtemp(prefix='tpn-web-out-')
    for folder in (upload_dir, output_dir):
        atexit.register(shutil.rmtree, folder, True)
    gr = prepare_gradio(upload_dir)
    examples = find_examples(label_map)
    demo = WebDemo(model, label_map, limits, upload_dir, output_dir, examples)
    page = build_page(gr, demo, examples)
    page.queue(default_concurrency_limit=options.concurrency, max_size=options.queue_size)
    page.launch(
        server_name=options.host,
        server_port=options.port,
        max_file_size=int(limits.max_upload_mb * 1e6),
        allowed_paths=sorted({os.path.dirname(path) for path in examples}),
        share=False,
        ssr_mode=False,
        prevent_thread_lock=not block,
        show_error=True,
    )
    return page
