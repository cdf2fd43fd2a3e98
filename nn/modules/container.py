"""Containers (torch.nn.Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict).

They hold modules or parameters under the names '0', '1', ... (or the dict keys), so that their
members are registered like any attribute and show up in parameters() and the state_dict with
keys such as '0.weight'.
"""
import operator
from collections import OrderedDict
from collections import abc

from tinygrad_edu.tensor import Tensor
from ..parameter import Parameter
from .module import Module, _addindent

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]


def _abs_index(idx, size):
    """The non-negative position of `idx` in a container of `size` items (IndexError if outside)."""
    idx = operator.index(idx)
    if not -size <= idx < size:
        raise IndexError(f"index {idx} is out of range")
    return idx % size


def _renumber(module):
    """After a deletion the members are renamed '0'..'n-1' again, as torch does."""
    module._modules = OrderedDict((str(i), m) for i, m in enumerate(module._modules.values()))


def _pop(container, key):
    """Remove and return container[key] (the pop of every container)."""
    value = container[key]
    del container[key]
    return value


def _digit_free_dir(module):
    return [k for k in Module.__dir__(module) if not k.isdigit()]


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: members in order, addressed by position."""

    def _key_at(self, idx):
        return list(self._modules)[_abs_index(idx, len(self._modules))]

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return self._from_slice(list(self._modules.items())[idx])
        return self._modules[self._key_at(idx)]

    def __setitem__(self, idx, module):
        setattr(self, self._key_at(idx), module)

    def __delitem__(self, idx):
        keys = list(self._modules)[idx] if isinstance(idx, slice) else [self._key_at(idx)]
        for key in keys:
            delattr(self, key)
        _renumber(self)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    __dir__ = _digit_free_dir
    pop = _pop

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def _insert(self, index, module):
        members = list(self._modules.values())
        members.insert(index, module)  # list.insert places negative indices as torch does
        self._modules = OrderedDict()
        for m in members:
            self.append(m)
        return self


class Sequential(_ModuleSequence):
    """Sequential(*modules) or Sequential(OrderedDict(name=module)): forward feeds each module's
    output to the next one."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def _from_slice(self, items):
        return type(self)(OrderedDict(items))  # a slice keeps the original names, like torch

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but {type(other)} is given.")
        return Sequential(*self, *other)

    def __iadd__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but {type(other)} is given.")
        return self.extend(list(other))

    def __mul__(self, other):
        if not isinstance(other, int):
            raise TypeError(f"unsupported operand type(s) for *: {type(self)} and {type(other)}")
        if other <= 0:
            raise ValueError(f"Non-positive multiplication factor {other} for {type(self)}")
        return Sequential(*(list(self) * other))

    __rmul__ = __mul__

    def insert(self, index, module):
        if not isinstance(module, Module):
            raise AssertionError(f"module should be of type: {Module}")
        n = len(self._modules)
        if not -n <= index <= n:
            raise IndexError(f"Index out of range: {index}")
        return self._insert(index, module)

    def extend(self, sequential):
        for module in sequential:
            self.append(module)
        return self

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_ModuleSequence):
    """A list of modules, registered under '0', '1', ...; it has no forward of its own."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _from_slice(self, items):
        return type(self)(module for _, module in items)

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList([*self, *other])

    def insert(self, index, module):
        self._insert(index, module)

    def extend(self, modules):
        if not isinstance(modules, abc.Iterable):
            raise TypeError("ModuleList.extend should be called with an iterable, but got " + type(modules).__name__)
        for module in modules:
            self.append(module)
        return self

    def __repr__(self):
        """Runs of identical members print once: '(0-2): 3 x Linear(...)' (torch 2.x)."""
        reprs = [repr(m) for m in self]
        if not reprs:
            return self._get_name() + "()"
        blocks = []  # [first index, last index, repr]
        for i, r in enumerate(reprs):
            if blocks and blocks[-1][2] == r:
                blocks[-1][1] = i
            else:
                blocks.append([i, i, r])
        lines = [_addindent(f"({a}): {r}" if a == b else f"({a}-{b}): {b - a + 1} x {r}", 2) for a, b, r in blocks]
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class _KeyedContainer(Module):
    """The dict protocol shared by ModuleDict and ParameterDict; `_entries()` is the ordered
    dict whose keys are the container's keys."""

    def __len__(self):
        return len(self._entries())

    def __iter__(self):
        return iter(self._entries())

    def __contains__(self, key):
        return key in self._entries()

    def keys(self):
        return self._entries().keys()

    def items(self):
        return ((k, self[k]) for k in self._entries())

    def values(self):
        return (self[k] for k in self._entries())

    pop = _pop

    def clear(self):
        for key in list(self._entries()):
            del self[key]


class ModuleDict(_KeyedContainer):
    """An ordered dict of modules, registered under their keys."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def _entries(self):
        return self._modules

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def update(self, modules):
        _update_pairs(self, modules, "ModuleDict", sort_plain_mappings=False)


def _update_pairs(container, pairs, kind, sort_plain_mappings):
    """dict.update semantics with torch's error messages, for ModuleDict and ParameterDict."""
    if not isinstance(pairs, abc.Iterable):
        raise TypeError(f"{'ParametersDict' if kind == 'ParameterDict' else kind}.update should be called with an "
                        f"iterable of key/value pairs, but got {type(pairs).__name__}")
    if isinstance(pairs, (OrderedDict, ModuleDict, ParameterDict)) or \
            (isinstance(pairs, abc.Mapping) and not sort_plain_mappings):
        items = list(pairs.items())
    elif isinstance(pairs, abc.Mapping):
        items = sorted(pairs.items(), key=operator.itemgetter(0))  # torch sorts plain dicts here
    else:
        items = []
        for j, pair in enumerate(pairs):
            if not isinstance(pair, abc.Iterable):
                raise TypeError(f"{kind} update sequence element #{j} should be Iterable; is{type(pair).__name__}")
            if len(pair) != 2:
                raise ValueError(f"{kind} update sequence element #{j} has length {len(pair)}; 2 is required")
            items.append(pair)
    for key, value in items:
        container[key] = value


def _describe(key, p, type_name):
    """One extra_repr line; torch names the dtype in ParameterList ('float32') and the tensor
    type in ParameterDict ('FloatTensor')."""
    kind = "Parameter" if isinstance(p, Parameter) else "Tensor"
    return f"  ({key}): {kind} containing: [{type_name} of size {'x'.join(str(s) for s in p.shape)}]"


class ParameterList(Module):
    """A list of parameters, registered under '0', '1', ...; plain tensors are wrapped in Parameter."""

    def __init__(self, values=None):
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)([self[i] for i in range(len(self))[idx]])
        return getattr(self, str(_abs_index(idx, len(self))))

    def __setitem__(self, idx, param):
        idx = _abs_index(idx, len(self))
        if isinstance(param, Tensor) and not isinstance(param, Parameter):
            param = Parameter(param)
        setattr(self, str(idx), param)

    def __len__(self):
        return self._size

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __iadd__(self, parameters):
        return self.extend(parameters)

    __dir__ = _digit_free_dir

    def append(self, value):
        self._size += 1
        self[self._size - 1] = value
        return self

    def extend(self, values):
        if not isinstance(values, abc.Iterable) or isinstance(values, Tensor):
            raise TypeError("ParameterList.extend should be called with an iterable, but got "
                            + type(values).__name__)
        for value in values:
            self.append(value)
        return self

    def extra_repr(self):
        return "\n".join(_describe(i, p, p.dtype) for i, p in enumerate(self))

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterList should not be called.")


class ParameterDict(_KeyedContainer):
    """An ordered dict of parameters, registered under their keys."""

    def __init__(self, parameters=None):
        super().__init__()
        self._keys = {}
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key):
        return getattr(self, _check_key(key))

    def __setitem__(self, key, value):
        _check_key(key)
        self._keys[key] = None
        if isinstance(value, Tensor) and not isinstance(value, Parameter):
            value = Parameter(value)
        setattr(self, key, value)

    def __delitem__(self, key):
        del self._keys[key]
        delattr(self, key)

    def _entries(self):
        return self._keys

    def get(self, key, default=None):
        return self[key] if key in self else default

    def update(self, parameters):
        _update_pairs(self, parameters, "ParameterDict", sort_plain_mappings=True)

    def extra_repr(self):
        return "\n".join(_describe(k, p, p.type()) for k, p in self.items())

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterDict should not be called.")


def _check_key(key):
    if not isinstance(key, str):
        raise TypeError("Index given to ParameterDict cannot be used as a key as it is not a string "
                        f"(type is '{type(key).__name__}'). Open an issue on github if you need non-string keys.")
    return key
