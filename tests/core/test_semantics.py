"""PyTorch's autograd semantics, as SPEC §5 lists them: one behaviour per test."""

import gc
import sys

import numpy as np
import pytest

import autodiff_cli as ad
from autodiff_cli.core import anomaly
from autodiff_cli.core.registry import FUNCTIONS


def test_reused_intermediate_is_one_node_and_runs_after_all_consumers():
    a = ad.tensor(1.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad.item() == 4.0


def test_gradients_reach_leaves_only():
    x = ad.tensor(2.0, requires_grad=True)
    y = x * 3
    (y * y).backward()
    assert x.grad.item() == 36.0
    assert y.grad is None


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = ad.tensor(2.0, requires_grad=True)
    y = x * 3
    y.retain_grad()
    (y * y).backward()
    assert y.grad.item() == 12.0
    assert y.retains_grad


def test_backward_of_a_vector_takes_the_vector_of_the_vjp():
    x = ad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).backward(ad.tensor([1.0, 0.1, 0.01]))
    assert x.grad.tolist() == pytest.approx([2.0, 0.4, 0.06], rel=1e-15)


def test_gradient_of_the_wrong_shape_is_refused():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * x).backward(np.ones(3))


def test_backward_of_a_tensor_without_history_is_refused():
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        ad.tensor(1.0).backward()


def test_functional_grad_returns_without_accumulating():
    x = ad.tensor(3.0, requires_grad=True)
    y = ad.tensor(4.0, requires_grad=True)
    gx, gy = ad.grad(x * y, [x, y])
    assert (gx.item(), gy.item()) == (4.0, 3.0)
    assert x.grad is None and y.grad is None


def test_functional_grad_of_an_intermediate():
    x = ad.tensor(3.0, requires_grad=True)
    u = x * x
    (gu,) = ad.grad(ad.sin(u), u)
    assert gu.item() == pytest.approx(np.cos(9.0), rel=1e-15)


def test_functional_grad_refuses_unused_inputs_unless_allowed():
    x = ad.tensor(3.0, requires_grad=True)
    z = ad.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        ad.grad(x * 2, [x, z])
    gx, gz = ad.grad(x * 2, [x, z], allow_unused=True)
    assert gx.item() == 2.0 and gz is None


def test_create_graph_gives_third_derivative_48():
    x = ad.tensor(2.0, requires_grad=True)
    (g1,) = ad.grad(x**4, x, create_graph=True)
    (g2,) = ad.grad(g1, x, create_graph=True)
    (g3,) = ad.grad(g2, x)
    assert (g1.item(), g2.item(), g3.item()) == (32.0, 48.0, 48.0)


def test_backward_with_create_graph_leaves_a_differentiable_grad():
    x = ad.tensor(2.0, requires_grad=True)
    (x**3).backward(create_graph=True)
    assert x.grad.item() == 12.0
    (g2,) = ad.grad(x.grad, x)
    assert g2.item() == 12.0


def test_hessian_of_a_mixed_polynomial():
    x = ad.tensor(1.0, requires_grad=True)
    y = ad.tensor(2.0, requires_grad=True)
    h = ad.hessian(x**2 * y + y**3, [x, y])
    assert [[float(v) for v in row] for row in h] == [[4.0, 2.0], [2.0, 12.0]]


def test_hessian_of_a_linear_function_is_zero_rows():
    x = ad.tensor(1.0, requires_grad=True)
    y = ad.tensor(2.0, requires_grad=True)
    h = ad.hessian(3 * x + y, [x, y])
    assert [[float(v) for v in row] for row in h] == [[0.0, 0.0], [0.0, 0.0]]


def test_hessian_blocks_have_shape_of_both_inputs():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    a = ad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    h = ad.hessian(ad.sum((a @ x) ** 2), [x, a])
    assert h[0][0].shape == (2, 2)
    assert h[0][1].shape == (2, 2, 2) and h[1][0].shape == (2, 2, 2)
    assert h[1][1].shape == (2, 2, 2, 2)
    # d2/dx2 sum((Ax)^2) = 2 A^T A
    np.testing.assert_allclose(h[0][0], 2 * a.data.T @ a.data, rtol=1e-14)


def test_no_grad_and_enable_grad_nest():
    x = ad.tensor(1.0, requires_grad=True)
    with ad.no_grad():
        with ad.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    assert ad.is_grad_enabled()


def test_grad_modes_work_as_decorators():
    x = ad.tensor(1.0, requires_grad=True)

    @ad.no_grad()
    def frozen():
        return x * 2

    @ad.set_grad_enabled(False)
    def also_frozen():
        return x * 2

    assert not frozen().requires_grad and not also_frozen().requires_grad
    assert (x * 2).requires_grad


def test_set_grad_enabled_works_as_a_statement():
    try:
        ad.set_grad_enabled(False)
        assert not ad.is_grad_enabled()
    finally:
        ad.set_grad_enabled(True)
    assert ad.is_grad_enabled()


def test_in_place_change_of_a_leaf_that_requires_grad_is_refused():
    x = ad.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x += 1


def test_in_place_change_of_a_saved_tensor_is_caught_at_backward():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = ad.sum(y * y)
    y.mul_(10)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_in_place_change_is_differentiated_through():
    x = ad.tensor(3.0, requires_grad=True)
    y = x * 2
    y.mul_(x)  # y = 2x^2
    y.backward()
    assert y.item() == 18.0 and x.grad.item() == 12.0


def test_in_place_change_after_a_one_argument_operation():
    x = ad.tensor(0.5, requires_grad=True)
    y = ad.sin(x)
    y += 1  # y = sin(x) + 1
    y.backward()
    assert y.item() == np.sin(0.5) + 1 and x.grad.item() == np.cos(0.5)


def test_zero_after_an_operation_leaves_a_zero_gradient():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = ad.exp(x)
    y.zero_()
    ad.sum(y * x).backward()
    assert y.tolist() == [0.0, 0.0] and x.grad.tolist() == [0.0, 0.0]


def test_in_place_change_of_a_stack():
    x = ad.tensor(1.5, requires_grad=True)
    y = ad.stack([x, x * x])
    y.mul_(2)  # [2x, 2x^2]
    ad.sum(y).backward()
    assert y.tolist() == [3.0, 4.5] and x.grad.item() == 2 + 4 * 1.5


def test_in_place_update_under_no_grad_keeps_the_leaf():
    w = ad.tensor([1.0, 2.0], requires_grad=True)
    with ad.no_grad():
        w -= 0.5
    assert w.tolist() == [0.5, 1.5] and w.is_leaf and w.requires_grad


def test_requires_grad_cannot_be_turned_off_on_a_computed_tensor():
    y = ad.tensor(1.0, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        y.requires_grad_(False)


def test_next_functions_show_accumulate_grad_for_leaves():
    x = ad.tensor(2.0, requires_grad=True)
    y = x * ad.tensor(3.0)
    (first, _), (second, _) = y.grad_fn.next_functions
    assert first.name() == "AccumulateGrad" and first.variable is x
    assert second is None


def test_a_hundred_thousand_op_chain_needs_no_recursion():
    limit = sys.getrecursionlimit()
    x = ad.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0000001 + 1e-9
    y.backward()
    assert sys.getrecursionlimit() == limit
    assert x.grad.item() == pytest.approx(1.0000001**100_000, rel=1e-9)
    del y  # freeing the chain must not recurse either


def test_graph_is_freed_without_the_garbage_collector():
    gc.collect()
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = ad.sum(ad.exp(x) * x)
    y.backward()
    del x, y
    assert gc.collect() == 0


def test_operators_mix_tensors_arrays_and_numbers():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = ad.sum(np.array([3.0, 4.0]) * x + 1 - x / 2 + 2**x)
    y.backward()
    ln2 = np.log(2)
    np.testing.assert_allclose(x.grad.data, [2.5 + 2 * ln2, 3.5 + 4 * ln2], rtol=1e-15)


# SPEC §1's table of functions, group by group.
SPEC_FUNCTIONS = {
    "elementwise": "sin cos tan sec csc cot asin acos atan sinh cosh tanh asinh acosh atanh exp "
                   "exp2 expm1 log log2 log10 log1p sqrt cbrt square reciprocal abs sign relu "
                   "sigmoid softplus logit gelu silu elu softsign sinc floor ceil round trunc",
    "special": "erf erfc erfinv gamma lgamma digamma polygamma",
    "binary": "pow atan2 hypot min max mod logaddexp xlogy clip where",
    "reductions": "sum mean prod max min logsumexp var std norm",
    "axis": "softmax log_softmax cumsum cumprod",
    "shapes": "transpose reshape concat stack diag outer dot",
    "linalg": "trace det logdet inv solve",
    "builders": "linspace arange zeros ones eye full",
}


def test_module_functions_mirror_the_language():
    # Every function of the registry is ad.<name>, the registry's own callable.
    assert [name for name, f in FUNCTIONS.items() if getattr(ad, name, None) is not f.call] == []
    assert all(callable(f.call) for f in FUNCTIONS.values())


def test_the_registry_has_every_function_of_spec_section_1():
    spec = {name for names in SPEC_FUNCTIONS.values() for name in names.split()}
    assert spec - set(FUNCTIONS) == set()
    assert set(FUNCTIONS) - spec == set(), "functions that SPEC §1 does not list"
    # Each in its group (`adiff functions` shows them so); min and max, listed as binary
    # and as reductions, are reductions in the registry.
    misplaced = {(name, group) for group, names in SPEC_FUNCTIONS.items()
                 for name in names.split() if FUNCTIONS[name].group != group}
    assert misplaced == {("min", "binary"), ("max", "binary")}


def test_linspace_builds_inputs():
    assert ad.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_item_and_numpy_views():
    x = ad.tensor([[1.0, 2.0]])
    assert x.shape == (1, 2) and x.numpy() is x.data
    assert ad.tensor(2.5).item() == 2.5


def test_numpy_reads_a_tensor_as_its_data_not_element_by_element():
    x = ad.tensor(np.arange(6.0).reshape(2, 3))
    assert np.shares_memory(np.asarray(x), x.data)
    assert not np.shares_memory(np.array(x), x.data)  # np.array copies, as for an array
    assert np.asarray(x, dtype=np.float32).dtype == np.float32
    assert np.broadcast_to(x, (4, 2, 3)).shape == (4, 2, 3)
    assert np.asarray(ad.tensor(2.5)).shape == ()


@pytest.mark.parametrize(("result", "inputs", "origin"), [
    (np.nan, [-1.0], True),  # log(-1)
    (np.nan, [np.inf, np.inf], True),  # inf - inf makes the nan
    (np.nan, [0.0, np.inf], True),  # 0 * inf too
    (np.nan, [np.nan, 1.0], False),  # a nan passed on
    (np.inf, [0.0], True),  # 1/0
    (np.inf, [np.inf], False),  # an inf passed on
    (np.array([1.0, np.nan]), [np.array([np.inf, np.inf])], True),
    (2.0, [np.nan], False),  # a finite result is no origin
])
def test_an_origin_makes_a_nan_from_no_nan_or_an_inf_from_finite_inputs(result, inputs, origin):
    assert anomaly.made_nonfinite(result, inputs) is origin


def test_backward_anomaly_names_the_rule_that_made_inf():
    x = ad.tensor(0.0, requires_grad=True)
    y = ad.sqrt(x) * 0 + x  # finite forward, infinite sqrt'(0) in backward
    with anomaly.watch() as seen:
        y.backward()
    assert seen.first.tensor.grad_fn.name() == "SqrtBackward0"
    assert np.isnan(x.grad.item())


def test_sgd_step_and_zero_grad():
    w = ad.tensor([1.0, -1.0], requires_grad=True)
    optimizer = ad.SGD([w], lr=0.1)
    ad.sum(w * w).backward()
    optimizer.step()
    assert w.tolist() == pytest.approx([0.8, -0.8], rel=1e-15)
    optimizer.zero_grad()
    assert w.grad is None


def test_grad_of_an_intermediate_runs_nothing_below_it():
    x = ad.tensor(2.0, requires_grad=True)
    u = x * x
    (gu,) = ad.grad(u * 3, u)
    assert gu.item() == 3.0
    (u * 2).backward()  # u's own graph was neither run nor freed by grad()
    assert x.grad.item() == 8.0


def test_scalar_grad_accumulates_into_the_same_tensor():
    x = ad.tensor(2.0, requires_grad=True)
    (x * x).backward()
    first = x.grad
    (x * x).backward()
    assert first is x.grad and first.item() == 8.0


def test_hessian_of_an_output_without_inputs_is_zero():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    (block,), = ad.hessian(ad.sum(ad.tensor([3.0, 4.0])), [x])
    assert block.tolist() == [[0.0, 0.0], [0.0, 0.0]]
