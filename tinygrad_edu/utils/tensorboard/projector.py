"""add_embedding's files, for TensorBoard's PROJECTOR tab (as torch's writer lays them out).

For one call, in <log_dir>/<global_step as 5 digits>/<tag, with % / \\ escaped>/:
  tensors.tsv    one row per data point, its features separated by tabs;
  metadata.tsv   one label per line (or a header line and tab-separated columns);
  sprite.png     the label images tiled in a square grid, if label_img is given;
and <log_dir>/projector_config.pbtxt lists every embedding written so far (rewritten each call).
"""
import io
import math
import os

import numpy as np
from google.protobuf import text_format
from tensorboard.plugins.projector.projector_config_pb2 import EmbeddingInfo, ProjectorConfig

from ._arrays import make_grid, make_np


def escape_tag(tag):
    """The tag as one directory name: '%' -> '%25', '/' -> '%2f', '\\' -> '%5c'."""
    return tag.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")


def _write(path, text):
    with open(path, "wb") as f:
        f.write(text.encode("utf-8"))


def write_metadata(metadata, folder, metadata_header=None):
    if metadata_header:
        if len(metadata_header) != len(metadata[0]):
            raise AssertionError("len of header must be equal to the number of columns in metadata")
        lines = ["\t".join(str(e) for e in row) for row in [metadata_header] + list(metadata)]
    else:
        lines = [str(x) for x in metadata]
    _write(os.path.join(folder, "metadata.tsv"), "\n".join(lines) + "\n")


def write_sprite(label_img, folder):
    """The (N, C, H, W) images, values in 0..1, tiled ceil(sqrt(N)) to a row into a square PNG."""
    from PIL import Image
    images = make_np(label_img)
    per_row = math.ceil(images.shape[0] ** 0.5)
    grid = make_grid(images, ncols=per_row).transpose(1, 2, 0)
    square = np.zeros((grid.shape[1], grid.shape[1], 3))
    square[:grid.shape[0]] = grid
    with io.BytesIO() as buffer:
        Image.fromarray(np.uint8((square * 255).clip(0, 255))).save(buffer, format="PNG")
        with open(os.path.join(folder, "sprite.png"), "wb") as f:
            f.write(buffer.getvalue())


def write_matrix(mat, folder):
    """mat's rows as tab-separated decimal text (each value as Python prints the float or int)."""
    _write(os.path.join(folder, "tensors.tsv"), "".join("\t".join(map(str, row)) + "\n" for row in mat.tolist()))


def add_embedding(writer, mat, metadata=None, label_img=None, global_step=None, tag="default",
                  metadata_header=None):
    """What SummaryWriter.add_embedding does, for `writer`'s log_dir."""
    mat = make_np(mat)
    global_step = 0 if global_step is None else global_step
    subdir = f"{str(global_step).zfill(5)}/{escape_tag(tag)}"
    logdir = writer._get_file_writer().get_logdir()
    folder = os.path.join(logdir, subdir)
    if os.path.isdir(folder):
        print("warning: Embedding dir exists, did you set global_step for add_embedding()?")
    elif os.path.exists(folder):
        raise NotADirectoryError(f"Path: `{folder}` exists, but is a file. Cannot proceed.")
    else:
        os.makedirs(folder)
    if metadata is not None:
        if mat.shape[0] != len(metadata):
            raise AssertionError(f"#labels should equal with #data points ({len(metadata)} labels, {mat.shape[0]} points)")
        write_metadata(metadata, folder, metadata_header)
    if label_img is not None:
        if mat.shape[0] != label_img.shape[0]:
            raise AssertionError(f"#images should equal with #data points ({label_img.shape[0]} images, {mat.shape[0]} points)")
        write_sprite(label_img, folder)
    if mat.ndim != 2:
        raise AssertionError("mat should be 2D, where mat.size(0) is the number of data points")
    write_matrix(mat, folder)
    info = EmbeddingInfo(tensor_name=f"{tag}:{str(global_step).zfill(5)}", tensor_path=f"{subdir}/tensors.tsv")
    if metadata is not None:
        info.metadata_path = f"{subdir}/metadata.tsv"
    if label_img is not None:
        info.sprite.image_path = f"{subdir}/sprite.png"
        info.sprite.single_image_dim.extend([label_img.shape[3], label_img.shape[2]])
    if getattr(writer, "_projector_config", None) is None:
        writer._projector_config = ProjectorConfig()
    writer._projector_config.embeddings.extend([info])
    _write(os.path.join(logdir, "projector_config.pbtxt"), text_format.MessageToString(writer._projector_config))
