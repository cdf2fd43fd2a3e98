"""THE DERIVATIVE TABLE: every differentiable operation of the project, one `Function` class each,
its forward next to its backward and its forward-mode rule (`jvp`, autograd/forward_ad.py), with
torch's node name and the derivative's maths in its docstring. The public functions beside each class (`add`, `relu`, ...) do torch's argument
handling and type promotion, then call the class; nn/ and Tensor's methods call those.

    op                                      file              class                         torch's grad_fn
    --------------------------------------  ----------------  ----------------------------  ---------------
    add, x + y                              elementwise.py    Add                           AddBackward0
    sub, x - y                              elementwise.py    Sub                           SubBackward0
    mul, x * y                              elementwise.py    Mul                           MulBackward0
    div, x / y                              elementwise.py    Div                           DivBackward0
    pow, x ** y                             elementwise.py    Pow                           PowBackward0/1/2
    maximum                                 minmax.py         Maximum                       MaximumBackward0
    minimum                                 minmax.py         Minimum                       MinimumBackward0
    where                                   elementwise.py    Where                         WhereBackward0
    neg, -x                                 unary.py          Neg                           NegBackward0
    abs                                     unary.py          Abs                           AbsBackward0
    exp                                     unary.py          Exp                           ExpBackward0
    log                                     unary.py          Log                           LogBackward0
    log1p                                   unary.py          Log1p                         Log1pBackward0
    sqrt                                    unary.py          Sqrt                          SqrtBackward0
    rsqrt                                   unary.py          Rsqrt                         RsqrtBackward0
    sin                                     unary.py          Sin                           SinBackward0
    cos                                     unary.py          Cos                           CosBackward0
    tanh                                    unary.py          Tanh                          TanhBackward0
    clamp, clip                             clamp.py          Clamp                         ClampBackward1
    sign floor ceil round                   unary.py          ZeroGrad                      ZeroGradBackward0
    round(decimals=d): see rounding.py      unary.py          ZeroGrad                      RoundBackward1
    x.to(dtype), x.float() ...              unary.py          Cast                          ToCopyBackward0
    clone, contiguous                       unary.py          Clone                         CloneBackward0
    relu                                    activation.py     Relu                          ReluBackward0
    (relu's gradient, create_graph)         activation.py     ThresholdBackward             ThresholdBackwardBackward0
    leaky_relu                              activation.py     LeakyRelu                     LeakyReluBackward0
    hardtanh, relu6                         activation.py     Hardtanh                      HardtanhBackward0
    sigmoid                                 activation.py     Sigmoid                       SigmoidBackward0
    erf                                     activation.py     Erf                           ErfBackward0
    gelu                                    activation.py     Gelu                          GeluBackward0
    gelu(approximate='tanh')                activation.py     GeluTanh                      GeluBackward0
    elu, selu                               activation.py     Elu                           EluBackward0
    softplus                                activation_smooth.py  Softplus                  SoftplusBackward0
    silu                                    activation_smooth.py  Silu                      SiluBackward0
    mish                                    activation_smooth.py  Mish                      MishBackward0
    softmax                                 softmax.py        Softmax                       SoftmaxBackward0
    log_softmax                             softmax.py        LogSoftmax                    LogSoftmaxBackward0
    logsumexp                               softmax.py        Logsumexp                     LogsumexpBackward0
    sum                                     reduce.py         Sum                           SumBackward0/1
    mean (var std compose)                  reduce.py         Mean                          MeanBackward0/1
    max min amax amin                       reduce.py         Amax                          AmaxBackward0
    prod                                    reduce.py         Prod                          ProdBackward0/1
    norm, var, std                          reduce_norm.py    Norm2                         LinalgVectorNormBackward0
    cumsum                                  reduce.py         Cumsum                        CumsumBackward0
    view reshape flatten squeeze unsqueeze  shape.py          Reshape                       ViewBackward0
    permute transpose t movedim             shape.py          Permute                       PermuteBackward0
    expand, broadcasting                    shape.py          Expand                        ExpandBackward0
    repeat                                  shape.py          Repeat                        RepeatBackward0
    cat stack                               shape.py          Cat                           CatBackward0
    flip                                    shape.py          Flip                          FlipBackward0
    x[i], split chunk narrow unbind         index.py          Index                         IndexBackward0
    repeat_interleave (an index_select)     index.py          Index                         IndexSelectBackward0 ViewBackward0
    (the adjoint of Index)                  index.py          IndexAdd                      IndexAddBackward0
    x[i] = v                                index.py          IndexPut                      IndexPutBackward0
    in-place op on a view (its base)        view_scatter.py   ViewScatter                   CopySlices
    gather                                  index.py          Gather                        GatherBackward0
    F.embedding                             index.py          EmbeddingLookup               EmbeddingBackward0
    matmul mm bmm dot mv, x @ y             matmul.py         Matmul                        MmBackward0 MvBackward0 ...
    F.linear                                matmul.py         Addmm                         AddmmBackward0
    F.conv1d F.conv2d                       conv.py           Convolution                   ConvolutionBackward0
    F.max_pool1d/2d                         pool.py           MaxPool2DWithIndices          MaxPool2DWithIndicesBackward0
    F.batch_norm layer_norm group_norm      normalization.py  NormalizeAffine               NativeBatchNormBackward0 ...
    F.pad                                   pad.py            ConstantPadNd                 ConstantPadNdBackward0
    F.cross_entropy (class targets)         loss.py           CrossEntropyIndex             NllLossBackward0
    F.cross_entropy (probabilities)         loss.py           CrossEntropyProb              DivBackward1, NegBackward0
    F.nll_loss                              loss.py           NllLoss                       NllLossBackward0
    F.binary_cross_entropy                  loss_elemwise.py  BinaryCrossEntropy            BinaryCrossEntropyBackward0
    F.binary_cross_entropy_with_logits      loss_elemwise.py  BinaryCrossEntropyWithLogits  BinaryCrossEntropyWith...
    F.mse_loss, nn.MSELoss                  loss_elemwise.py  MseLoss                       MseLossBackward0
    sort (argsort: indices only)            sort.py           Sort                          SortBackward0/1
    topk                                    sort.py           Topk                          TopkBackward0
    scatter, x.scatter_                     scatter.py        Scatter                       ScatterBackward0/1
    scatter_add, x.scatter_add_             scatter.py        ScatterAdd                    ScatterAddBackward0
    scatter_reduce                          scatter.py        ScatterReduce                 ScatterReduceBackward0
    roll                                    arrange.py        Roll                          RollBackward0
    tril, x.tril_                           arrange.py        Tril                          TrilBackward0
    triu, x.triu_                           arrange.py        Triu                          TriuBackward0
    cumprod                                 cumulative.py     Cumprod                       CumprodBackward0
    einsum                                  einsum.py         Einsum                        ViewBackward0 SumBackward1 ...
    F.scaled_dot_product_attention          attention.py      ScaledDotProductAttention     UnsafeViewBackward0 ...
    nn.RNN layer (tanh/relu)                rnn.py            RNNLayer                      StackBackward0
    nn.GRU layer                            rnn.py            GRULayer                      StackBackward0
    nn.LSTM layer (and proj_size)           rnn.py            LSTMLayer                     MkldnnRnnLayerBackward0
    Module full backward hooks              hooks.py          BackwardHookFunction          BackwardHookFunctionBackward
    log2                                    trig.py           Log2                          Log2Backward0
    log10                                   trig.py           Log10                         Log10Backward0
    tan                                     trig.py           Tan                           TanBackward0
    asin, arcsin                            trig.py           Asin                          AsinBackward0
    acos, arccos                            trig.py           Acos                          AcosBackward0
    atan, arctan                            trig.py           Atan                          AtanBackward0
    atan2, arctan2                          trig.py           Atan2                         Atan2Backward0
    sinh                                    trig.py           Sinh                          SinhBackward0
    cosh                                    trig.py           Cosh                          CoshBackward0
    asinh, arcsinh                          trig.py           Asinh                         AsinhBackward0
    acosh, arccosh                          trig.py           Acosh                         AcoshBackward0
    atanh, arctanh                          trig.py           Atanh                         AtanhBackward0
    diagonal, diag (of a matrix: a copy)    diag.py           Diagonal                      DiagonalBackward0(_copy)
    diag_embed, diag (of a vector)          diag.py           DiagEmbed                     DiagEmbedBackward0
    x.unfold(dimension, size, step)         unfold.py         Unfold                        UnfoldBackward0
    (the adjoint of Unfold)                 unfold.py         UnfoldBackward                UnfoldBackwardBackward0
    unique (no gradient)                    unique.py         Unique2                       Unique2Backward0 UniqueDimBackward0
    F.unfold, nn.Unfold (im2col)            im2col.py         Im2Col                        Im2ColBackward0
    F.fold, nn.Fold (col2im)                im2col.py         Col2Im                        Col2ImBackward0
    addmm addmv addr baddbmm addbmm         products.py       AddProduct                    AddmmBackward0 ...
    cross, linalg.cross                     products.py       LinalgCross                   LinalgCrossBackward0
    trace                                   products.py       Trace                         TraceBackward0
    linalg.det, det                         linalg.py         LinalgDet                     LinalgDetBackward0
    linalg.inv, inverse                     linalg.py         LinalgInvEx                   LinalgInvExBackward0
    linalg.solve                            linalg.py         LinalgSolveEx                 LinalgSolveExBackward0
    linalg.slogdet, slogdet, logdet         linalg.py         LinalgSlogdet                 LinalgSlogdetBackward0
    linalg.cholesky, cholesky               linalg_factor.py  LinalgCholeskyEx              LinalgCholeskyExBackward0
    linalg.qr, qr                           linalg_factor.py  LinalgQr                      LinalgQrBackward0
    linalg.svd, svdvals, svd                linalg.py         LinalgSvd                     LinalgSvdBackward0
    linalg.eigh, eigvalsh                   linalg.py         LinalgEigh                    LinalgEighBackward0
    linalg.pinv, pinverse, lstsq            linalg_factor.py  LinalgPinv                    LinalgPinvBackward0

Without a class of their own: nonzero, argwhere (unique.py: int64 indices, outside the graph),
meshgrid (grid.py: reshape + expand, ExpandBackward0 <- ViewBackward0) and ravel (grid.py: contiguous +
view, ViewBackward0).
    fmod                                    pointwise_binary.py   Fmod                          FmodBackward0/1
    remainder, x % y                        pointwise_binary.py   Remainder                     RemainderBackward0/1
    heaviside floor_divide, number % x      pointwise_binary.py   NotDifferentiable             NotImplemented (raises)
    hypot                                   pointwise_smooth.py   Hypot                         HypotBackward0
    logaddexp logaddexp2                    pointwise_smooth.py   Logaddexp                     LogaddexpBackward0 ...
    xlogy                                   pointwise_smooth.py   Xlogy                         XlogyBackward0/1/2
    copysign                                pointwise_binary.py   Copysign                      CopysignBackward0/1
    fmax fmin                               pointwise_binary.py   Fmax                          FmaxBackward0 FminBackward0
    addcmul                                 pointwise_ternary.py  Addcmul                       AddcmulBackward0
    addcdiv                                 pointwise_ternary.py  Addcdiv                       AddcdivBackward0
    lerp                                    pointwise_ternary.py  Lerp                          LerpBackward0/1
    expm1                                   unary_more.py         Expm1                         Expm1Backward0
    exp2                                    unary_more.py         Exp2                          Exp2Backward0
    frac                                    unary_more.py         Frac                          FracBackward0
    logit                                   unary_more.py         Logit                         LogitBackward0
    erfinv                                  unary_more.py         Erfinv                        ErfinvBackward0
    reciprocal                              unary_more.py         Reciprocal                    ReciprocalBackward0
    nan_to_num                              unary_more.py         NanToNum                      NanToNumBackward0
    nansum (nanmean divides it)             reduce_more.py        Nansum                        NansumBackward0
    median() nanmedian() (no dim)           reduce_more.py        EvenShare                     MedianBackward0 ...
    logcumsumexp                            cumulative.py         Logcumsumexp                  LogcumsumexpBackward0

Without a class of their own: trunc, fix, sgn (unary.py's ZeroGrad, TruncBackward0 SgnBackward0);
clamp_min/clamp_max (clamp.py's Clamp, ClampMinBackward0/1 ...); median/nanmedian/mode with a dim, cummax,
cummin (reduce_more.py, cumulative.py: a gather at the chosen indices, MedianBackward1 ModeBackward0
CummaxBackward0 ...); quantile, nanquantile (quantile.py: sort, gather, lerp); diff (cumulative.py:
narrow and sub); std_mean, var_mean, aminmax (std/var/mean, amin/amax, renamed to torch's node).

Compositions of the classes above (their backward is the classes'): outer inner tensordot kron
matrix_power (products.py); take take_along_dim index_add index_copy index_fill masked_scatter put_
(index_more.py, on Index / IndexAdd / IndexPut / Gather); tile broadcast_to hstack tensor_split rot90
unflatten sum_to_size ... (shape_more.py); the norms of tinygrad_edu/linalg.py. bincount histc
searchsorted bucketize isin (bins.py) have no gradient.

A plain backward() runs a class's backward on bare numpy arrays where the class says it can
(`array_backward = True`, or a `backward_arrays` method); see autograd/function.py. Names not
equal to the class name + "Backward0" are in autograd/names.py.
"""
from .minmax import maximum, minimum
from .elementwise import (add, sub, mul, div, pow, where, eq, ne, lt, le, gt, ge,
                          bitwise_and, bitwise_or, bitwise_xor, logical_and, logical_or, logical_xor,
                          logical_not)
from .unary import (neg, abs, exp, log, log1p, sqrt, rsqrt, sin, cos, tanh, sign, floor, ceil,
                    cast, clone, isnan, isinf, isfinite)
from .clamp import clamp, clip, clamp_min, clamp_max
from .rounding import round
from .activation import (relu, leaky_relu, hardtanh, sigmoid, erf, gelu, elu, selu)
from .activation_smooth import softplus, silu, mish
from .reduce import sum, mean, max, min, amax, amin, argmax, argmin, prod, cumsum, all, any
from .reduce_norm import var, std, norm
from .softmax import softmax, log_softmax, logsumexp
from .shape import (reshape, view, flatten, squeeze, unsqueeze, permute, transpose, t, expand, repeat, cat,
                    stack, flip, contiguous, movedim)
from .shape_more import split, chunk, narrow, unbind
from .index import getitem, index_put, write_index, gather, index_select, masked_fill, masked_select
from .matmul import matmul, mm, bmm, dot, mv
from .sort import sort, argsort, topk
from .scatter import scatter, scatter_add, scatter_reduce
from .arrange import roll, repeat_interleave, tril, triu
from .cumulative import cumprod
from .attention import scaled_dot_product_attention
from .einsum import einsum
from .trig import (log2, log10, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, atan2, arcsin, arccos,
                   arctan, arctan2, arcsinh, arccosh, arctanh)
from .diag import diag, diagonal, diag_embed
from .unfold import unfold
from .unique import unique, nonzero, argwhere
from .grid import meshgrid, ravel
from .pointwise_binary import (fmod, remainder, floor_divide, true_divide, copysign,  # noqa: F811
                               fmax, fmin, heaviside, float_power, bitwise_left_shift, bitwise_right_shift,
                               isclose, allclose)
from .pointwise_smooth import hypot, logaddexp, logaddexp2, xlogy
from .pointwise_ternary import addcmul, addcdiv, lerp
from .unary_more import (expm1, exp2, trunc, fix, frac, signbit, absolute, sgn, positive, logit, erfinv, nan_to_num,
                         square, reciprocal)
from .reduce_more import (nansum, nanmean, count_nonzero, std_mean, var_mean, aminmax, median, nanmedian, mode)
from .quantile import quantile, nanquantile
from .cumulative import cummax, cummin, logcumsumexp, diff
