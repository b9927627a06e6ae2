"""Eight float64 lanes as one numba value: explicit vector arithmetic for the kernels.

LLVM vectorises numba's loops only when it can prove that a loop's stores do not
touch its loads, and only for loops long enough to pay for its checks. The kernels'
hottest loops (a forward substitution over the 8 or so nodes that share a neighbour
set, a Cholesky update of a 32-sample row) fail one test or the other and run
scalar. :data:`lanes` is a numba type held in one vector register, ``<8 x
double>``, with loads, stores and arithmetic written as LLVM vector instructions,
so those loops run as vector code whatever LLVM can prove.

Each lane receives exactly the IEEE operations of the scalar code it replaces
(``+ - * /``, ``sqrt``, comparisons; no fused multiply-add, no reassociation), so
a value computed in a lane has the bits of the same value computed alone: moving a
node from one lane to another, or a computation from scalar to lanes, changes
nothing in the results.

These functions are compiled into the cached kernels of
:mod:`seabed.geostats._kernels`, whose cache does not see changes to this file:
after editing it, remove ``seabed/geostats/__pycache__``.

Examples
--------
>>> import numpy as np
>>> from numba import njit
>>> @njit
... def axpy(a, x, y):  # y[:8] += a * x[:8]
...     store(y, 0, add(load(y, 0), mul(splat(a), load(x, 0))))
>>> y = np.ones(8)
>>> axpy(2.0, np.arange(8.0), y)
>>> y.tolist()
[1.0, 3.0, 5.0, 7.0, 9.0, 11.0, 13.0, 15.0]
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.core.datamodel import models
from numba.extending import intrinsic, register_model

__all__ = [
    "WIDTH",
    "add",
    "exp_negative",
    "get",
    "lanes",
    "load",
    "maximum",
    "minimum",
    "mul",
    "nugget_where_zero",
    "splat",
    "sqrt",
    "store",
    "sub",
    "where_le",
    "where_positive",
]

#: Lanes per value: eight doubles, one AVX-512 register (two AVX2 registers).
WIDTH = 8

_DOUBLES = ir.VectorType(ir.DoubleType(), WIDTH)
_INTS = ir.VectorType(ir.IntType(64), WIDTH)


class LanesType(types.Type):
    """numba type of eight float64 lanes."""

    def __init__(self) -> None:
        super().__init__(name="Lanes8")


lanes = LanesType()


@register_model(LanesType)
class _LanesModel(models.PrimitiveModel):
    def __init__(self, dmm: Any, fe_type: Any) -> None:
        super().__init__(dmm, fe_type, _DOUBLES)


def _intrinsic(function: Any) -> Any:
    """numba's ``intrinsic``, seen by mypy as what it is to the kernels: a
    function of the lanes (not of numba's typing context)."""
    return intrinsic(function)


def _address(
    context: Any, builder: Any, array_type: Any, array: Any, index: Any
) -> Any:
    """Pointer to element ``index`` of a contiguous array's data, as lanes."""
    data = context.make_array(array_type)(context, builder, array).data
    return builder.bitcast(builder.gep(data, [index]), _DOUBLES.as_pointer())


@_intrinsic
def load(typingctx, array, index):
    """Elements ``index .. index + 7`` of a C-contiguous float64 array (flat index).

    No bounds check: the caller keeps ``index + 8`` within the array.
    """

    def codegen(context, builder, signature, args):
        pointer = _address(context, builder, signature.args[0], args[0], args[1])
        return builder.load(pointer, align=8)

    return lanes(array, index), codegen


@_intrinsic
def store(typingctx, array, index, value):
    """Write ``value`` to elements ``index .. index + 7`` (as :func:`load`)."""

    def codegen(context, builder, signature, args):
        pointer = _address(context, builder, signature.args[0], args[0], args[1])
        builder.store(args[2], pointer, align=8)
        return context.get_dummy_value()

    return types.none(array, index, value), codegen


@_intrinsic
def splat(typingctx, x):
    """``x`` in every lane."""

    def codegen(context, builder, signature, args):
        one = builder.insert_element(
            ir.Constant(_DOUBLES, ir.Undefined), args[0], ir.Constant(ir.IntType(32), 0)
        )
        zeros = ir.Constant(ir.VectorType(ir.IntType(32), WIDTH), [0] * WIDTH)
        return builder.shuffle_vector(one, one, zeros)

    return lanes(types.float64), codegen


@_intrinsic
def get(typingctx, value, lane):
    """Lane ``lane`` of ``value``, a float."""

    def codegen(context, builder, signature, args):
        return builder.extract_element(args[0], args[1])

    return types.float64(lanes, lane), codegen


def _binary(instruction: str) -> Any:
    @_intrinsic
    def operation(typingctx, a, b):
        def codegen(context, builder, signature, args):
            return getattr(builder, instruction)(args[0], args[1])

        return lanes(lanes, lanes), codegen

    return operation


add = _binary("fadd")
sub = _binary("fsub")
mul = _binary("fmul")


@_intrinsic
def sqrt(typingctx, x):
    """Correctly rounded square root in each lane (as ``math.sqrt``)."""

    def codegen(context, builder, signature, args):
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(_DOUBLES, [_DOUBLES]), "llvm.sqrt.v8f64"
        )
        return builder.call(function, [args[0]])

    return lanes(lanes), codegen


def _choice(predicate: str, doc: str) -> Any:
    """Lanes of ``a`` where ``x predicate y``, else of ``b`` (ordered: a NaN
    compares false)."""

    @_intrinsic
    def operation(typingctx, x, y, a, b):
        def codegen(context, builder, signature, args):
            holds = builder.fcmp_ordered(predicate, args[0], args[1])
            return builder.select(holds, args[2], args[3])

        return lanes(lanes, lanes, lanes, lanes), codegen

    operation.__doc__ = doc
    return operation


_where_greater = _choice(">", "``a`` where ``x > y``, else ``b``.")
where_le = _choice("<=", "``a`` where ``x <= y``, else ``b`` (NaN: ``b``).")


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def where_positive(mask, a, b):
    """``a`` in the lanes where ``mask > 0``, else ``b``."""
    return _where_greater(mask, splat(0.0), a, b)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def maximum(a, b):
    """The larger of ``a`` and ``b`` in each lane (for numbers, not NaN)."""
    return _where_greater(a, b, a, b)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def minimum(a, b):
    """The smaller of ``a`` and ``b`` in each lane (for numbers, not NaN)."""
    return _where_greater(a, b, b, a)


@_intrinsic
def _max_scalar(typingctx, x, floor):
    """``max(x, floor)`` in each lane, as numba's ``max`` of two floats."""

    def codegen(context, builder, signature, args):
        low = builder.fcmp_ordered(">", args[1], args[0])
        return builder.select(low, args[1], args[0])

    return lanes(lanes, lanes), codegen


@_intrinsic
def _round_to_power_of_two(typingctx, k):
    """``2**k`` for integral lanes ``k`` (as doubles), built from its bits."""

    def codegen(context, builder, signature, args):
        ints = builder.fptosi(args[0], _INTS)
        biased = builder.add(ints, ir.Constant(_INTS, [1023] * WIDTH))
        bits = builder.shl(biased, ir.Constant(_INTS, [52] * WIDTH))
        return builder.bitcast(bits, _DOUBLES)

    return lanes(lanes), codegen


@_intrinsic
def nugget_where_zero(typingctx, dx, dy, nugget):
    """``nugget`` in the lanes where ``dx == 0 and dy == 0``, else 0."""

    def codegen(context, builder, signature, args):
        zero = ir.Constant(_DOUBLES, [0.0] * WIDTH)
        both = builder.and_(
            builder.fcmp_ordered("==", args[0], zero),
            builder.fcmp_ordered("==", args[1], zero),
        )
        return builder.select(both, args[2], zero)

    return lanes(lanes, lanes, lanes), codegen


# the constants of seabed.geostats._kernels.exp_negative
_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_ROUND = 6755399441055744.0
_EXP_MIN = -708.0


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def exp_negative(x):
    """:func:`seabed.geostats._kernels.exp_negative` in each lane, the same
    operations in the same order (so the same bits)."""
    x = _max_scalar(x, splat(_EXP_MIN))
    rounding = splat(_ROUND)
    kf = sub(add(mul(x, splat(_INV_LN2)), rounding), rounding)
    r = sub(sub(x, mul(kf, splat(_LN2_HI))), mul(kf, splat(_LN2_LO)))
    p = splat(1.0 / 6227020800.0)
    p = add(mul(p, r), splat(1.0 / 479001600.0))
    p = add(mul(p, r), splat(1.0 / 39916800.0))
    p = add(mul(p, r), splat(1.0 / 3628800.0))
    p = add(mul(p, r), splat(1.0 / 362880.0))
    p = add(mul(p, r), splat(1.0 / 40320.0))
    p = add(mul(p, r), splat(1.0 / 5040.0))
    p = add(mul(p, r), splat(1.0 / 720.0))
    p = add(mul(p, r), splat(1.0 / 120.0))
    p = add(mul(p, r), splat(1.0 / 24.0))
    p = add(mul(p, r), splat(1.0 / 6.0))
    p = add(mul(p, r), splat(0.5))
    p = add(mul(p, r), splat(1.0))
    p = add(mul(p, r), splat(1.0))
    return mul(p, _round_to_power_of_two(kf))
