"""The op registry's bad calls (tests/opinfo/, ErrorSample): torch refuses each one; tinygrad_edu must
refuse it too, with torch's exception class (ours may be a subclass of it, so that a user's
`except <torch's class>` catches it), and where the sample lists words that torch's message contains
(the offending sizes, the argument's name), our message contains them too. The match is loose: a
mention with digits ("2x3", "[-2, 1]") asks only that its numbers appear among the message's numbers,
in any format; a word ("num_classes") must appear as it is, in any case."""
import re

import pytest

import torch

import tinygrad_edu as tg  # noqa: E402
import opinfo  # noqa: E402 (tests/ is on sys.path)
from opinfo.core import run  # noqa: E402

CASES = [(op, e) for op in opinfo.REGISTRY.values() for e in op.errors]
IDS = [f"{op.name}-{e.name}" for op, e in CASES]
MESSAGE_CASES = [(op, e) for op, e in CASES if e.mentions]


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def missing_mentions(mentions, message):
    numbers = set(_NUMBER.findall(message))
    return [m for m in mentions if (not set(_NUMBER.findall(m)) <= numbers if _NUMBER.search(m)
                                    else m.lower() not in message.lower())]


def _raised(lib, op, err):
    try:
        run(op, err, lib)
    except Exception as e:  # noqa: BLE001 (what is raised is the point)
        return e
    return None


@pytest.mark.parametrize("op, err", CASES, ids=IDS)
def test_error_class(op, err):
    theirs = _raised(torch, op, err)
    assert theirs is not None, "registry bug: torch accepts this call"
    ours = _raised(tg, op, err)
    assert ours is not None, f"accepted; torch raises {type(theirs).__name__}: {theirs}"
    assert isinstance(ours, type(theirs)), \
        f"ours raises {type(ours).__name__}: {ours}\ntorch raises {type(theirs).__name__}: {theirs}"


@pytest.mark.parametrize("op, err", MESSAGE_CASES, ids=[f"{op.name}-{e.name}" for op, e in MESSAGE_CASES])
def test_error_message(op, err):
    theirs = _raised(torch, op, err)
    assert theirs is not None, "registry bug: torch accepts this call"
    missing = missing_mentions(err.mentions, str(theirs))
    assert not missing, f"registry bug: torch's message {str(theirs)!r} lacks {missing}"
    ours = _raised(tg, op, err)
    assert ours is not None, f"accepted; torch raises {type(theirs).__name__}: {theirs}"
    missing = missing_mentions(err.mentions, str(ours))
    assert not missing, f"our message {str(ours)!r} lacks {missing} (torch: {str(theirs)!r})"
