"""torch.device, for a library that has only the CPU."""


class device:
    """Only the CPU exists here; `device('cpu')` lets scripts that pass devices around run."""

    def __init__(self, type="cpu", index=None):
        type = str(type)
        if type.split(":")[0] != "cpu":
            raise RuntimeError(f"tinygrad_edu runs on the CPU only; device {type!r} is not available")
        self.type, self.index = "cpu", None

    def __eq__(self, other):
        return str(other) == "cpu"

    __hash__ = object.__hash__

    def __repr__(self):
        return "device(type='cpu')"

    def __str__(self):
        return "cpu"
