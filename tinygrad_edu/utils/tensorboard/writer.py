"""SummaryWriter: torch.utils.tensorboard's writer, on the tensorboard package's EventFileWriter.

A ``FileWriter`` owns one event file (``events.out.tfevents.<time>.<host>.<pid>.<n><suffix>``) in
one directory; the EventFileWriter behind it queues records and writes them from a thread, at the
latest after ``max_queue`` records or ``flush_secs`` seconds, and at ``flush()``/``close()``. A
``SummaryWriter`` holds the main FileWriter (created at once, as torch's: the directory and the file
exist after the constructor) and one more per ``add_scalars`` series, each in a subdirectory.
"""
import os
import socket
import time
from datetime import datetime

import numpy as np

from tensorboard.compat.proto.event_pb2 import Event, SessionLog
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from . import summary as S
from ._arrays import make_np
from .graph import graph
from .projector import add_embedding


def _figure_pixels(figure, close):
    """figure drawn by matplotlib's Agg renderer, as a (3, H, W) uint8 array."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    width, height = figure.canvas.get_width_height()
    rgba = np.frombuffer(canvas.buffer_rgba(), dtype=np.uint8).reshape(height, width, 4)
    if close:
        plt.close(figure)
    return rgba[:, :, :3].transpose(2, 0, 1)


class FileWriter:
    """Writes Event records to one event file in `log_dir` (torch.utils.tensorboard.FileWriter)."""

    def __init__(self, log_dir, max_queue=10, flush_secs=120, filename_suffix=""):
        self.event_writer = EventFileWriter(str(log_dir), max_queue, flush_secs, filename_suffix)

    def get_logdir(self):
        return self.event_writer.get_logdir()

    def add_event(self, event, step=None, walltime=None):
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)  # a Tensor, numpy integer, ... as a plain int
        self.event_writer.add_event(event)

    def add_summary(self, summary, global_step=None, walltime=None):
        self.add_event(Event(summary=summary), global_step, walltime)

    def add_graph(self, graph_def, walltime=None):
        self.add_event(Event(graph_def=graph_def.SerializeToString()), None, walltime)

    def flush(self):
        self.event_writer.flush()

    def close(self):
        self.event_writer.close()

    def reopen(self):
        self.event_writer.reopen()


class SummaryWriter:
    """Writes scalars, histograms, images, texts, hyperparameters and a model's graph to event files
    in `log_dir`, for TensorBoard (torch.utils.tensorboard.SummaryWriter, same arguments).

    log_dir defaults to runs/<month><day>_<hour>-<minute>-<second>_<hostname><comment>;
    purge_step=T hides, in TensorBoard, the events of an earlier run in the same log_dir from step T
    on (for resuming after a crash); max_queue, flush_secs and filename_suffix go to the event file.
    """

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120,
                 filename_suffix=""):
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", stamp + "_" + socket.gethostname() + comment)
        self.log_dir = log_dir
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer = self.all_writers = None
        self._get_file_writer()
        self.default_bins = S.TENSORFLOW_BUCKETS.tolist()

    def _get_file_writer(self):
        """The main FileWriter, made again (a new event file) after close()."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs, self.filename_suffix)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                # a restart marker: TensorBoard drops the earlier events from this step on
                self.file_writer.add_event(Event(step=self.purge_step, file_version="brain.Event:2"))
                self.file_writer.add_event(Event(step=self.purge_step, session_log=SessionLog(status=SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self):
        return self.log_dir

    # ---- numbers --------------------------------------------------------------------------------
    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        """One value (a 0-d or one-element Tensor, numpy value or Python number) at global_step."""
        self._get_file_writer().add_summary(
            S.scalar(tag, scalar_value, new_style=new_style, double_precision=double_precision),
            global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Several curves in one chart: each key's values go to its own run, the subdirectory
        <log_dir>/<main_tag with / as _>_<key>, under the tag main_tag."""
        walltime = time.time() if walltime is None else walltime
        logdir = self._get_file_writer().get_logdir()
        for tag, value in tag_scalar_dict.items():
            path = logdir + "/" + main_tag.replace("/", "_") + "_" + tag
            writer = self.all_writers.get(path)
            if writer is None:
                writer = self.all_writers[path] = FileWriter(path, self.max_queue, self.flush_secs,
                                                             self.filename_suffix)
            writer.add_summary(S.scalar(main_tag, value), global_step, walltime)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None):
        """The distribution of values (any shape). bins: "tensorflow" (TensorFlow's default bucket
        edges, as torch), or anything np.histogram takes ("auto", "fd", a count, edges)."""
        if isinstance(bins, str) and bins == "tensorflow":
            bins = S.TENSORFLOW_BUCKETS
        self._get_file_writer().add_summary(S.histogram(tag, values, bins, max_bins=max_bins),
                                            global_step, walltime)

    def add_histogram_raw(self, tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts,  # noqa: A002
                          global_step=None, walltime=None):
        if len(bucket_limits) != len(bucket_counts):
            raise ValueError("len(bucket_limits) != len(bucket_counts), see the document.")
        self._get_file_writer().add_summary(
            S.histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts),
            global_step, walltime)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None,
                    global_step=None):
        """Hyperparameters and final metrics of one run, for TensorBoard's HPARAMS tab; written,
        with the metrics as scalars, to the subdirectory run_name (default: the current time)."""
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        records = S.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        logdir = os.path.join(self._get_file_writer().get_logdir(), run_name or str(time.time()))
        with SummaryWriter(log_dir=logdir) as run:
            for record in records:
                run.file_writer.add_summary(record, global_step)
            for k, v in metric_dict.items():
                run.add_scalar(k, v, global_step)

    # ---- pictures and text ----------------------------------------------------------------------
    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """One image: (3, H, W) by default; (1, H, W), (H, W), (H, W, 3) ... with dataformats.
        Floating point values are taken as 0..1, uint8 as 0..255."""
        self._get_file_writer().add_summary(S.image(tag, img_tensor, dataformats=dataformats),
                                            global_step, walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        """A batch of images, (N, 3, H, W) by default, shown as one grid of up to 8 columns."""
        self._get_file_writer().add_summary(S.image(tag, img_tensor, dataformats=dataformats),
                                            global_step, walltime)

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None):
        """A matplotlib figure (or a list of them, shown as one grid) as an RGB image; the figure
        is closed afterwards unless close=False."""
        if isinstance(figure, list):
            self.add_images(tag, np.stack([_figure_pixels(f, close) for f in figure]), global_step, walltime)
        else:
            self.add_image(tag, _figure_pixels(figure, close), global_step, walltime)

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        self._get_file_writer().add_summary(S.text(tag, text_string), global_step, walltime)

    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None, tag="default",
                      metadata_header=None):
        """Points for the PROJECTOR tab: mat (N, D) features, metadata N labels (or rows under
        metadata_header), label_img (N, C, H, W) images in 0..1; files laid out as torch's."""
        add_embedding(self, mat, metadata, label_img, global_step, tag, metadata_header)

    def add_pr_curve(self, tag, labels, predictions, global_step=None, num_thresholds=127, weights=None,
                     walltime=None):
        """The precision-recall curve of predictions (probabilities in 0..1) for 0/1 labels."""
        self._get_file_writer().add_summary(
            S.pr_curve(tag, make_np(labels), make_np(predictions), num_thresholds, weights), global_step, walltime)

    def add_pr_curve_raw(self, tag, true_positive_counts, false_positive_counts, true_negative_counts,
                         false_negative_counts, precision, recall, global_step=None, num_thresholds=127,
                         weights=None, walltime=None):
        self._get_file_writer().add_summary(
            S.pr_curve_raw(tag, true_positive_counts, false_positive_counts, true_negative_counts,
                           false_negative_counts, precision, recall, num_thresholds, weights),
            global_step, walltime)

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """The graph of model(*input_to_model), read from the autograd graph its output records
        (see graph.py for what it shows). use_strict_trace is accepted for torch's signature: there
        is no tracer here to be strict or not."""
        self._get_file_writer().add_graph(graph(model, input_to_model, verbose))

    # ---- files ----------------------------------------------------------------------------------
    def flush(self):
        """Write every queued record to disk now."""
        for writer in (self.all_writers or {}).values():
            writer.flush()

    def close(self):
        """Flush and close every event file (a second close does nothing; adding after close
        opens a new event file, as in torch)."""
        if self.all_writers is None:
            return
        for writer in self.all_writers.values():
            writer.flush()
            writer.close()
        self.file_writer = self.all_writers = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()
