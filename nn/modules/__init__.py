"""All nn modules (torch.nn.modules): the Module base, containers, layers, activations, losses."""
from .module import Module
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
from .linear import Identity, Linear, Bilinear
from .activation import *  # noqa: F401,F403  (ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, GELU, ...)
from .activation import __all__ as _activations
from .dropout import Dropout, Dropout1d, Dropout2d, Dropout3d
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .normalization import LayerNorm, GroupNorm, RMSNorm
from .sparse import Embedding
from .conv import Conv1d, Conv2d
from .pooling import (MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d,  # noqa: F401
                      AdaptiveAvgPool1d, AdaptiveAvgPool2d)
from .flatten import Flatten, Unflatten
from .fold import Unfold, Fold
from .rnn import RNNBase, RNN, LSTM, GRU
from .rnn_cells import RNNCellBase, RNNCell, LSTMCell, GRUCell
from .attention import MultiheadAttention
from .transformer import (Transformer, TransformerEncoder, TransformerDecoder,  # noqa: F401
                          TransformerEncoderLayer, TransformerDecoderLayer)
from .transformer import __all__ as _transformers
from .loss import *  # noqa: F401,F403  (CrossEntropyLoss, NLLLoss, BCELoss, MSELoss, ...)
from .loss import __all__ as _losses

__all__ = (["Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Identity",
            "Linear", "Bilinear", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "BatchNorm1d", "BatchNorm2d",
            "BatchNorm3d", "LayerNorm", "GroupNorm", "RMSNorm", "Embedding", "Conv1d", "Conv2d",
            "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
            "Flatten", "Unflatten", "RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell",
            "GRUCell", "MultiheadAttention", "Unfold", "Fold"]
           + list(_activations) + list(_losses) + list(_transformers))
