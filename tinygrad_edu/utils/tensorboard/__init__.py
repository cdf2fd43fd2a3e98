"""TensorBoard logging, as ``torch.utils.tensorboard``: ``SummaryWriter`` writes event files.

    from tinygrad_edu.utils.tensorboard import SummaryWriter
    with SummaryWriter("runs/exp1") as writer:
        writer.add_scalar("loss", loss, step)        # a 0-d Tensor, a numpy value or a float
        writer.add_histogram("fc1.weight", model.fc1.weight, step)
        writer.add_image("sample", image)            # (3, H, W) or (1, H, W), or dataformats=
    # then: tensorboard --logdir runs

Which writer, and why: the ``tensorboard`` package's own event-file writer
(``tensorboard.summary.writer.event_file_writer.EventFileWriter``) and its protocol buffers
(``tensorboard.compat.proto``), not ``tensorboardX``:

- it is what ``torch.utils.tensorboard`` itself is built on (torch's SummaryWriter needs it), so a
  learner who moves to real PyTorch already has it, and the files written here hold the same
  records, field for field, as torch's (the tests compare the two writers' files);
- the same install brings the viewer (``tensorboard --logdir runs``), which one needs anyway to look
  at the logs, and its event reader, which the tests use to read the files back;
- it is maintained with TensorBoard itself. tensorboardX is much smaller (about 3 MB installed
  against about 55 MB) and has a complete SummaryWriter, but it turns only objects whose type name
  contains "torch" into arrays, its ``add_graph`` traces a real torch model with ``torch.jit``, and
  its defaults drift from torch's; its records would have to be checked against torch's anyway.

What this costs is that the records (scalar, histogram, image, text, hparams, precision-recall
curve, graph) are built here, in ``summary.py`` and ``graph.py``, from numpy arrays, and the
projector's files in ``projector.py``; pillow (installed with matplotlib) encodes the PNG images,
as in torch.

The ``tensorboard`` package is an optional extra (``pip install tensorboard``, or from the
repository root ``pip install -e ".[tensorboard]"``): ``import tinygrad_edu`` never loads it; this
module raises ImportError, saying what to install, when it is imported without it, as torch's does.
"""
try:
    import tensorboard as _tensorboard
    from tensorboard.summary.writer.event_file_writer import EventFileWriter as _EventFileWriter  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised by a test that hides the package
    raise ImportError(
        "tinygrad_edu.utils.tensorboard needs the 'tensorboard' package, which is not installed "
        f"({error}). Install it with `pip install tensorboard`, or from the tinygrad_edu repository "
        "root with `pip install -e \".[tensorboard]\"`.") from error

del _tensorboard

from .writer import FileWriter, SummaryWriter  # noqa: E402

__all__ = ["FileWriter", "SummaryWriter"]
