"""Random numbers: one seeded default generator, as torch.manual_seed expects.

Draws go through numpy's PCG64 generator. The numbers differ from torch's (different algorithms),
but a seed makes every run of tinygrad_edu reproducible.
"""
import numpy as np

_DEFAULT_SEED = 67280421310721  # torch's default initial seed


class Generator:
    """torch.Generator: an independent stream of random numbers."""

    def __init__(self, device="cpu"):
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rng = None  # made on first draw: importing numpy.random costs ~10 ms of import time
        return self

    @property
    def rng(self):
        """The numpy Generator (PCG64) this stream draws from."""
        if self._rng is None:
            self._rng = np.random.Generator(np.random.PCG64(self._seed & 0xFFFFFFFFFFFFFFFF))
        return self._rng

    def initial_seed(self):
        return self._seed

    def seed(self):
        s = int(np.random.SeedSequence().entropy) & 0xFFFFFFFFFFFFFFFF
        self.manual_seed(s)
        return s

    def get_state(self):
        return self.rng.bit_generator.state

    def set_state(self, state):
        self.rng.bit_generator.state = state
        return self


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator (torch.manual_seed); returns it."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def numpy_rng(generator=None):
    """The numpy Generator to draw from: `generator`'s, or the default one."""
    return (generator or default_generator).rng
