"""Forward-mode derivatives: a value with its gradient over the levers, so SLSQP gets exact Jacobians.

Finite differences would cost one evaluation of every function per lever and iteration (50 levers: 51×);
evaluating the expression tree once on `Dual`s gives value and gradient together.
"""

from __future__ import annotations

import math

import numpy as np


class Dual:
    __slots__ = ("grad", "value")

    def __init__(self, value: float, grad: np.ndarray):
        self.value = float(value)
        self.grad = grad

    @staticmethod
    def _parts(other) -> tuple[float, np.ndarray | float]:
        return (other.value, other.grad) if isinstance(other, Dual) else (float(other), 0.0)

    def __add__(self, other):
        value, grad = self._parts(other)
        return Dual(self.value + value, self.grad + grad)

    __radd__ = __add__

    def __sub__(self, other):
        value, grad = self._parts(other)
        return Dual(self.value - value, self.grad - grad)

    def __rsub__(self, other):
        value, grad = self._parts(other)
        return Dual(value - self.value, grad - self.grad)

    def __neg__(self):
        return Dual(-self.value, -self.grad)

    def __mul__(self, other):
        value, grad = self._parts(other)
        return Dual(self.value * value, self.grad * value + grad * self.value)

    __rmul__ = __mul__

    def __truediv__(self, other):
        value, grad = self._parts(other)
        if value == 0:
            raise ZeroDivisionError("division by zero")
        return Dual(self.value / value, (self.grad * value - grad * self.value) / (value * value))

    def __rtruediv__(self, other):
        value, grad = self._parts(other)
        if self.value == 0:
            raise ZeroDivisionError("division by zero")
        return Dual(value / self.value, (grad * self.value - self.grad * value) / (self.value * self.value))

    def __pow__(self, other):
        exponent, exponent_grad = self._parts(other)
        if not isinstance(other, Dual):  # x^c
            if self.value == 0 and exponent < 1:
                return Dual(0.0 if exponent > 0 else math.inf, self.grad * 0.0)
            return Dual(self.value**exponent, self.grad * (exponent * self.value ** (exponent - 1)))
        if self.value <= 0:
            raise ValueError("a power with a variable exponent needs a positive base")
        value = self.value**exponent
        return Dual(value, value * (exponent_grad * math.log(self.value) + self.grad * exponent / self.value))

    def __rpow__(self, other):  # c^x
        base = float(other)
        if base <= 0:
            raise ValueError("a power with a variable exponent needs a positive base")
        value = base**self.value
        return Dual(value, self.grad * (value * math.log(base)))

    def abs(self):
        return Dual(abs(self.value), self.grad * (1.0 if self.value >= 0 else -1.0))

    def exp(self):
        value = math.exp(self.value)
        return Dual(value, self.grad * value)

    def log(self):
        return Dual(math.log(self.value), self.grad / self.value)

    def sqrt(self):
        value = math.sqrt(self.value)
        return Dual(value, self.grad / (2 * value) if value else self.grad * 0.0)


def constant(value: float, size: int) -> Dual:
    return Dual(value, np.zeros(size))


def variable(value: float, index: int, size: int) -> Dual:
    grad = np.zeros(size)
    grad[index] = 1.0
    return Dual(value, grad)
