"""The records a SummaryWriter writes, as ``Summary`` protocol buffers built from numpy arrays.

Each function gives the same record torch's writer gives for the same input (field for field; the
tests compare them): a scalar is a ``simple_value`` (or, with ``new_style=True``, a one-element
tensor of the "scalars" plugin), a histogram a ``HistogramProto`` over TensorFlow's default
buckets, an image a PNG in ``Summary.Image``, a text a string tensor of the "text" plugin, and
hyperparameters the three records of the "hparams" plugin.
"""
import io
import numbers

import numpy as np
from google.protobuf import struct_pb2
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.plugins.hparams import api_pb2, metadata as hparams_metadata, plugin_data_pb2
from tensorboard.plugins.pr_curve.plugin_data_pb2 import PrCurvePluginData
from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData

from ...tensor import Tensor
from ._arrays import make_np, to_hwc


def _tensorflow_buckets():
    """TensorFlow's default histogram bucket edges: 1e-12 growing by 10% per bucket up to 1e20,
    mirrored for negative values, with 0 in the middle (1,549 edges). The growth is a running
    product (1e-12 * 1.1 * 1.1 ...), as TensorFlow and torch compute it, so the edges are theirs to
    the last bit."""
    n = int(np.ceil(np.log(1e20 / 1e-12) / np.log(1.1))) + 2
    grow = np.multiply.accumulate(np.concatenate([[1e-12], np.full(n, 1.1)]))
    positive = grow[grow < 1e20]
    return np.concatenate([-positive[::-1], [0.0], positive])


TENSORFLOW_BUCKETS = _tensorflow_buckets()


def scalar(tag, value, new_style=False, double_precision=False):
    """One number: a value with exactly one element (a 0-d Tensor, shape (1,), a float, ...)."""
    array = make_np(value).squeeze()
    if array.ndim != 0:
        raise AssertionError(f"Tensor should contain one element (0 dimensions). Was given size: "
                             f"{array.size} and {array.ndim} dimensions.")
    number = float(array)
    if not new_style:
        return Summary(value=[Summary.Value(tag=tag, simple_value=number)])
    if double_precision:
        proto = TensorProto(double_val=[number], dtype="DT_DOUBLE")
    else:
        proto = TensorProto(float_val=[number], dtype="DT_FLOAT")
    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    return Summary(value=[Summary.Value(tag=tag, tensor=proto, metadata=meta)])


def histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts):  # noqa: A002 (torch's names)
    """A histogram from its statistics: bucket_limits[i] is the upper edge of bucket i. Tensors
    and numpy arrays are taken as their values; anything else goes to the protocol buffer as it is."""
    plain = lambda x: make_np(x).tolist() if isinstance(x, (Tensor, np.ndarray)) else x  # noqa: E731
    histo = HistogramProto(min=plain(min), max=plain(max), num=plain(num), sum=plain(sum), sum_squares=plain(sum_squares),
                           bucket_limit=list(plain(bucket_limits)), bucket=list(plain(bucket_counts)))
    return Summary(value=[Summary.Value(tag=tag, histo=histo)])


def histogram(tag, values, bins, max_bins=None):
    """The histogram of `values` (any shape, as float64) over `bins` (edges, or a numpy rule)."""
    return Summary(value=[Summary.Value(tag=tag, histo=make_histogram(make_np(values).astype(float), bins, max_bins))])


def make_histogram(values, bins, max_bins=None):
    """HistogramProto of values: the counts of np.histogram, at most `max_bins` buckets (neighbours
    merged), cut to the buckets from the first to the last non-empty one. TensorBoard stores only
    upper edges, so one bucket more is kept on the left (an empty one is added when the first
    non-empty bucket is the first bucket): its upper edge is the histogram's lower edge."""
    if values.size == 0:
        raise ValueError("The input has no element.")
    values = values.reshape(-1)
    counts, limits = np.histogram(values, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        group = len(counts) // max_bins
        counts = np.pad(counts, (0, -len(counts) % group)).reshape(-1, group).sum(axis=1)
        limits = np.concatenate([limits[:-1:group], limits[-1:]])
    filled = np.flatnonzero(counts)
    if filled.size == 0:
        raise ValueError(f"The histogram is empty: no value of the input (min {values.min()}, max "
                         f"{values.max()}) falls into the bins (from {limits[0]} to {limits[-1]}).")
    first, last = int(filled[0]), int(filled[-1])
    counts = counts[first - 1:last + 1] if first > 0 else np.concatenate([[0], counts[:last + 1]])
    limits = limits[first:last + 2]
    return HistogramProto(min=values.min(), max=values.max(), num=len(values), sum=values.sum(),
                          sum_squares=values.dot(values), bucket_limit=limits.tolist(), bucket=counts.tolist())


def image(tag, img, dataformats="NCHW"):
    """One image (or a batch tiled into one grid) as a PNG. uint8 pixels are taken as 0..255; any
    other dtype as 0..1 and scaled by 255; both are clipped to 0..255 and cut to integers."""
    array = to_hwc(make_np(img), dataformats)
    scale = 1 if array.dtype == np.uint8 else 255
    pixels = (array.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)
    return Summary(value=[Summary.Value(tag=tag, image=make_image(pixels))])


def make_image(pixels):
    """Summary.Image of an (H, W, C) uint8 array: PNG-encoded with pillow."""
    from PIL import Image  # pillow comes with matplotlib, a dependency of the package
    height, width, channels = pixels.shape
    with io.BytesIO() as buffer:
        Image.fromarray(pixels).save(buffer, format="PNG")
        encoded = buffer.getvalue()
    return Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=encoded)


def text(tag, text_string):
    """A string (markdown in TensorBoard's text tab) under the tag `tag + "/text_summary"`."""
    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(
        plugin_name="text", content=TextPluginData(version=0).SerializeToString()))
    proto = TensorProto(dtype="DT_STRING", string_val=[text_string.encode("utf_8")],
                        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
    return Summary(value=[Summary.Value(tag=tag + "/text_summary", metadata=meta, tensor=proto)])


# ---- precision-recall curves -----------------------------------------------------------------

_MAX_THRESHOLDS = 127  # torch's writer caps num_thresholds here (more does not fit its record)


def pr_curve_raw(tag, tp, fp, tn, fn, precision, recall, num_thresholds=127, weights=None):
    """A precision-recall curve from its six rows (one value per threshold)."""
    rows = np.stack([r._data if isinstance(r, Tensor) else np.asarray(r) for r in (tp, fp, tn, fn, precision, recall)])
    return _pr_summary(tag, rows, min(num_thresholds, _MAX_THRESHOLDS))


def pr_curve(tag, labels, predictions, num_thresholds=127, weights=None):
    """The precision-recall curve of predictions in [0, 1] against 0/1 labels, over
    num_thresholds evenly spaced thresholds (TensorBoard's pr_curves plugin's algorithm)."""
    num_thresholds = min(num_thresholds, _MAX_THRESHOLDS)
    return _pr_summary(tag, compute_curve(make_np(labels), make_np(predictions), num_thresholds, weights),
                       num_thresholds)


def compute_curve(labels, predictions, num_thresholds, weights=None):
    """Rows (tp, fp, tn, fn, precision, recall) for thresholds i / (num_thresholds - 1): each
    prediction falls into bucket floor(p * (num_thresholds - 1)); the counts at threshold i are the
    (weighted) positives and negatives in buckets i and above."""
    weights = 1.0 if weights is None else make_np(weights)
    bucket = np.floor(predictions * (num_thresholds - 1)).astype(np.int32)
    positive = labels.astype(np.float64)
    span = (0, num_thresholds - 1)
    tp_per_bucket = np.histogram(bucket, bins=num_thresholds, range=span, weights=positive * weights)[0]
    fp_per_bucket = np.histogram(bucket, bins=num_thresholds, range=span, weights=(1.0 - positive) * weights)[0]
    tp = np.cumsum(tp_per_bucket[::-1])[::-1]
    fp = np.cumsum(fp_per_bucket[::-1])[::-1]
    tn, fn = fp[0] - fp, tp[0] - tp
    precision = tp / np.maximum(1e-7, tp + fp)  # 1e-7: TensorBoard's floor for empty counts
    recall = tp / np.maximum(1e-7, tp + fn)
    return np.stack((tp, fp, tn, fn, precision, recall))


def _pr_summary(tag, rows, num_thresholds):
    content = PrCurvePluginData(version=0, num_thresholds=num_thresholds).SerializeToString()
    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="pr_curves", content=content))
    proto = TensorProto(dtype="DT_FLOAT", float_val=rows.reshape(-1).tolist(), tensor_shape=TensorShapeProto(
        dim=[TensorShapeProto.Dim(size=rows.shape[0]), TensorShapeProto.Dim(size=rows.shape[1])]))
    return Summary(value=[Summary.Value(tag=tag, metadata=meta, tensor=proto)])


# ---- hyperparameters: three records of the hparams plugin ------------------------------------

def _hparam_summary(tag, **content):
    data = plugin_data_pb2.HParamsPluginData(version=hparams_metadata.PLUGIN_DATA_VERSION, **content)
    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(
        plugin_name=hparams_metadata.PLUGIN_NAME, content=data.SerializeToString()))
    return Summary(value=[Summary.Value(tag=tag, metadata=meta)])


def _check_domains(hparam_dict, domains):
    if not isinstance(domains, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, nothing logged.")
    for k, v in domains.items():
        if k not in hparam_dict or not isinstance(v, list) or not all(isinstance(d, type(hparam_dict[k])) for d in v):
            raise TypeError(f"parameter: hparam_domain_discrete[{k}] should be a list of same type as hparam_dict[{k}].")


def hparams(hparam_dict, metric_dict, hparam_domain_discrete=None):
    """(experiment, session start, session end) summaries for hyperparameters and metric names.
    Numbers (bool and int included, as in torch) and one-element Tensors are stored as float64,
    strings as strings; None values are skipped; anything else raises ValueError."""
    for name, d in (("hparam_dict", hparam_dict), ("metric_dict", metric_dict)):
        if not isinstance(d, dict):
            raise TypeError(f"parameter: {name} should be a dictionary, nothing logged.")
    domains = hparam_domain_discrete or {}
    _check_domains(hparam_dict, domains)
    start, infos = plugin_data_pb2.SessionStartInfo(), []
    for k, v in hparam_dict.items():
        if v is None:
            continue
        if isinstance(v, (Tensor, np.ndarray)):
            v = float(make_np(v).reshape(-1)[0])
        if isinstance(v, numbers.Real):  # bool and int too, as in torch
            field, dtype, v = "number_value", "DATA_TYPE_FLOAT64", float(v)
        elif isinstance(v, str):
            field, dtype = "string_value", "DATA_TYPE_STRING"
        else:
            raise ValueError(f"value should be one of int, float, str, bool, or Tensor, got {type(v).__name__} for {k!r}")
        setattr(start.hparams[k], field, v)
        domain = None if k not in domains else struct_pb2.ListValue(
            values=[struct_pb2.Value(**{field: d}) for d in domains[k]])
        infos.append(api_pb2.HParamInfo(name=k, type=api_pb2.DataType.Value(dtype), domain_discrete=domain))
    metrics = [api_pb2.MetricInfo(name=api_pb2.MetricName(tag=k)) for k in metric_dict]
    experiment = api_pb2.Experiment(hparam_infos=infos, metric_infos=metrics)
    end = plugin_data_pb2.SessionEndInfo(status=api_pb2.Status.Value("STATUS_SUCCESS"))
    return (_hparam_summary(hparams_metadata.EXPERIMENT_TAG, experiment=experiment),
            _hparam_summary(hparams_metadata.SESSION_START_INFO_TAG, session_start_info=start),
            _hparam_summary(hparams_metadata.SESSION_END_INFO_TAG, session_end_info=end))
