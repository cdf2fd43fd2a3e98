"""A settable boolean switch of a backend module, validated as torch validates it."""
import sys
import types


class Flag:
    """A module attribute holding a bool; assigning anything else raises torch's RuntimeError."""

    def __init__(self, default, setter_name):
        self.default, self.setter_name = default, setter_name

    def __set_name__(self, owner, name):
        self.name = "_flag_" + name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return obj.__dict__.get(self.name, self.default)

    def __set__(self, obj, value):
        if type(value) is not bool:
            raise RuntimeError(f"{self.setter_name} expects a bool, but got {type(value).__name__}")
        obj.__dict__[self.name] = value


def install(module_name, flags_class):
    """Give the module `module_name` the Flag attributes of `flags_class` (a types.ModuleType subclass)."""
    assert issubclass(flags_class, types.ModuleType)
    sys.modules[module_name].__class__ = flags_class
