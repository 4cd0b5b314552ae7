"""What the web demo answers for one video, apart from the web page itself.

:class:`WebDemo` holds the model (loaded once), checks an upload against the
limits, scores it as ``demo/demo.py`` does, draws the Grad-CAM overlay and,
for a video longer than one window, the long-video demo's timeline; then it
removes the upload. :mod:`.web_app` puts it on a Gradio page.
"""

import logging
import os
import os.path as osp
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from mmengine.logging import print_log
from torch import nn

from mmaction.utils.errors import UserError

from .annotated_video import label_lines
from .gradcam import gradcam, write_overlay
from .inference import class_names, inference_recognizer
from .inference_pipeline import frame_stream
from .long_video import TimelineOptions, clip_span, recognize_long_video

#: File types offered as examples when found next to the label map.
EXAMPLE_SUFFIXES = ('.mp4', '.avi', '.mkv', '.webm', '.mov')
#: Outputs of earlier answers older than this are removed (the page has them by then).
OUTPUT_LIFETIME_S = 600


@dataclass
class WebLimits:
    """What the web demo accepts.

    Attributes:
        max_upload_mb: Largest upload, in MB (10^6 bytes).
        max_seconds: Longest video, in seconds.
    """

    max_upload_mb: float = 200.0
    max_seconds: float = 600.0


@dataclass
class WebAnswer:
    """The answer to one video.

    Attributes:
        scores: ``{class name: score}`` of the top 5, best first (empty on error).
        overlay: The Grad-CAM overlay (a GIF), or None.
        timeline: The timeline figure for a video longer than one window, or None.
        message: One line: the best class, or what was wrong with the input.
        top_k: The best classes (``TopK``), as ``demo/demo.py`` prints them.
    """

    scores: Dict[str, float] = field(default_factory=dict)
    overlay: Optional[str] = None
    timeline: Any = None
    message: str = ''
    top_k: List[Any] = field(default_factory=list)


def find_examples(label_map: str, limit: int = 8) -> List[str]:
    """Videos next to the label map (its folder, and ``examples/`` inside it), sorted."""
    folder = osp.dirname(osp.abspath(label_map))
    found = []
    for where in (folder, osp.join(folder, 'examples')):
        if osp.isdir(where):
            names = sorted(os.listdir(where))
            found += [osp.join(where, n) for n in names if n.lower().endswith(EXAMPLE_SUFFIXES)]
    return found[:limit]


class WebDemo:
    """Answers videos with one model, within limits, removing the uploads after.

    Args:
        model: A recognizer from :func:`~mmaction.apis.init_recognizer`.
        label_map: The label map file (class names).
        limits: Size and duration limits.
        upload_dir: Where uploads land; files given from inside it are
            removed after their answer (examples elsewhere are not).
        output_dir: Where the overlays are written.
        examples: The example videos; Gradio serves copies of them from the
            upload folder, which are kept.
    """

    def __init__(
        self,
        model: nn.Module,
        label_map: str,
        limits: WebLimits,
        upload_dir: str,
        output_dir: Optional[str] = None,
        examples: Sequence[str] = (),
    ) -> None:
        self.model = model
        self.names = class_names(model, label_map)
        self.limits = limits
        self.upload_dir = osp.realpath(upload_dir)
        self.output_dir = output_dir or tempfile.mkdtemp(prefix='tpn-web-out-')
        self.window = clip_span(model.cfg)
        self.examples = {(osp.basename(p), osp.getsize(p)) for p in examples}

    def _check_limits(self, path: str) -> None:
        size = osp.getsize(path)
        if size > self.limits.max_upload_mb * 1e6:
            raise UserError(
                f'{osp.basename(path)} is {size / 1e6:.1f} MB; this demo takes videos up to '
                f'{self.limits.max_upload_mb:g} MB'
            )
        stream = frame_stream(self.model.cfg, path)
        seconds = stream.num_frames / stream.fps
        if seconds > self.limits.max_seconds:
            raise UserError(
                f'{osp.basename(path)} lasts {seconds:.1f} s; this demo takes videos up to '
                f'{self.limits.max_seconds:g} s'
            )

    def _new_output(self) -> str:
        os.makedirs(self.output_dir, exist_ok=True)
        now = time.time()
        for name in os.listdir(self.output_dir):
            old = osp.join(self.output_dir, name)
            if now - osp.getmtime(old) > OUTPUT_LIFETIME_S:
                os.remove(old)
        return osp.join(self.output_dir, f'gradcam-{uuid.uuid4().hex[:12]}.gif')

    def _timeline(self, path: str):
        from mmaction.visualization import plot_timeline

        if frame_stream(self.model.cfg, path).num_frames <= self.window:
            return None
        timeline = recognize_long_video(self.model, path, TimelineOptions(), self.names)
        return plot_timeline(timeline)

    def _answer(self, path: str) -> WebAnswer:
        self._check_limits(path)
        result = inference_recognizer(self.model, path, label_map=self.names)
        cam = gradcam(self.model, path, label_map=self.names)
        overlay = self._new_output()
        write_overlay(cam, overlay, fps=4.0)
        best = result.top_k[0]
        return WebAnswer(
            scores={line.name or str(line.index): line.score for line in result.top_k},
            overlay=overlay,
            timeline=self._timeline(path),
            message=f'{label_lines([best], digits=4)[0]} (Grad-CAM of {cam.layer})',
            top_k=result.top_k,
        )

    def answer(self, path: Optional[str]) -> WebAnswer:
        """Score the video at ``path``; bad input gives a message, never an exception.

        The upload is removed afterwards, whatever happened.
        """
        if not path:
            return WebAnswer(message='Error: no video: upload one, or pick an example')
        try:
            return self._answer(path)
        except (UserError, FileNotFoundError) as error:
            return WebAnswer(message=f'Error: {" ".join(str(error).split())}')
        except Exception as error:  # a bug: logged in full, the page still answers
            logging.getLogger(__name__).exception('web demo failed on %s', path)
            return WebAnswer(
                message=f'Error: the demo failed on this video ({type(error).__name__})'
            )
        finally:
            self.remove_upload(path)

    def remove_upload(self, path: str) -> None:
        """Remove ``path`` and its folder if they lie inside the upload folder."""
        real = osp.realpath(path)
        if osp.commonpath([real, self.upload_dir]) != self.upload_dir or real == self.upload_dir:
            return
        if osp.isfile(real) and (osp.basename(real), osp.getsize(real)) in self.examples:
            return  # Gradio's copy of an example, which the page offers again
        if osp.isfile(real):
            os.remove(real)
        folder = osp.dirname(real)
        if folder != self.upload_dir and not os.listdir(folder):
            shutil.rmtree(folder, ignore_errors=True)
        print_log(f'removed the upload {real}', logger='current', level=logging.DEBUG)
