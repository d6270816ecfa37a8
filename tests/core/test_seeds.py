"""Every numeric example of shared/seeds/ that the core can express, with its printed numbers.

The seeds write `torch.x`; here it is `ad.x`. One seed (002) prints [13, 18] for
the gradient of mean(3*(x+2)**2) at [2, 3]; the true value, and PyTorch's, is
[12, 15], and that is what is tested.
"""

import numpy as np
import pytest

import autodiff_cli as ad


def test_square_at_two_has_gradient_four():  # seed 001 "Simple Example"
    x = ad.tensor([2.0], requires_grad=True)
    y = x**2
    y.backward()
    assert x.grad.tolist() == [4.0]


def test_product_gradients_are_the_other_factor():  # seed 001 "With Multiple Variables"
    x = ad.tensor([2.0], requires_grad=True)
    w = ad.tensor([3.0], requires_grad=True)
    y = x * w
    assert y.tolist() == [6.0]
    y.backward()
    assert x.grad.tolist() == [3.0]
    assert w.grad.tolist() == [2.0]


def test_chain_rule_gives_300():  # seed 001 "Chain Rule in Action", the product's headline
    x = ad.tensor([2.0], requires_grad=True)
    y = (x**2 + 1) ** 3
    y.backward()
    assert x.grad.tolist() == [300.0]


def test_grad_fn_names_follow_pytorch():  # seed 001 "What Gets Tracked?"
    x = ad.tensor([2.0], requires_grad=True)
    y = x**2
    z = y * 3
    assert y.tolist() == [4.0] and z.tolist() == [12.0]
    assert y.grad_fn.name() == "PowBackward0"
    assert z.grad_fn.name() == "MulBackward0"


def test_sum_of_product_backpropagates_to_both():  # seed 001 "The Computation Graph"
    x = ad.tensor([2.0], requires_grad=True)
    y = ad.tensor([3.0], requires_grad=True)
    out = ad.sum(x * y)
    assert out.grad_fn.name() == "SumBackward0"
    out.backward()
    assert x.grad.tolist() == [3.0] and y.grad.tolist() == [2.0]


def test_gradients_accumulate_across_backward_calls():  # seed 001: 4, then 16 "not 12"
    x = ad.tensor([2.0], requires_grad=True)
    (x**2).backward()
    assert x.grad.tolist() == [4.0]
    (x**3).backward()
    assert x.grad.tolist() == [16.0]


def test_zeroing_the_gradient_starts_fresh():  # seed 001 "The Solution: zero_grad()"
    x = ad.tensor([2.0], requires_grad=True)
    (x**2).backward()
    assert x.grad.tolist() == [4.0]
    x.grad.zero_()
    (x**3).backward()
    assert x.grad.tolist() == [12.0]


def test_setting_grad_to_none_starts_fresh():  # seed 001: "or x.grad = None"
    x = ad.tensor([2.0], requires_grad=True)
    (x**2).backward()
    x.grad = None
    (x**3).backward()
    assert x.grad.tolist() == [12.0]


def test_no_grad_block_records_nothing():  # seed 001 "torch.no_grad() Context"
    x = ad.tensor([2.0], requires_grad=True)
    with ad.no_grad():
        y = x**2
        assert y.requires_grad is False
    assert (x**2).requires_grad is True


def test_detach_shares_data_without_history():  # seed 001 "detach()", seed 002 §2.8
    x = ad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.detach()
    assert y.requires_grad is False and y.grad_fn is None
    assert y.data is x.data


def test_requires_grad_defaults_off_and_can_be_turned_on():  # seed 001 "Enabling"
    a = ad.tensor([1.0, 2.0, 3.0])
    assert a.requires_grad is False
    b = ad.tensor([1.0, 2.0], requires_grad=True)
    assert b.requires_grad is True
    assert a.requires_grad_(True) is a and a.requires_grad is True


def test_requires_grad_can_be_turned_off_again():  # seed 002 §2.7
    x = ad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.requires_grad_(False)
    assert (x * 2).requires_grad is False


def test_integer_tensors_cannot_require_grad():  # seed 001 "Only for Floats"
    with pytest.raises(RuntimeError, match="only floating point tensors"):
        ad.tensor([1, 2], requires_grad=True)


def test_linear_model_step_gradients():  # seed 001 "Putting It Together"
    w = ad.tensor([0.0], requires_grad=True)
    b = ad.tensor([0.0], requires_grad=True)
    x = ad.tensor([1.0, 2.0, 3.0])
    y_true = ad.tensor([3.0, 5.0, 7.0])
    loss = ad.mean((w * x + b - y_true) ** 2)
    loss.backward()
    assert loss.item() == pytest.approx(83 / 3, rel=1e-15)
    assert w.grad.tolist() == pytest.approx([-68 / 3], rel=1e-15)
    assert b.grad.tolist() == pytest.approx([-10.0], rel=1e-15)


def test_add_records_add_backward():  # seed 002 §2.4
    x = ad.tensor([2.0, 3.0], requires_grad=True)
    y = x + 2
    assert y.grad_fn.name() == "AddBackward0"
    assert ad.tensor([2.0, 3.0]).grad_fn is None


def test_mean_of_squares_gradient_is_12_15_not_the_printed_13_18():  # seed 002 §2.5
    x = ad.tensor([2.0, 3.0], requires_grad=True)
    y = x + 2
    z = ad.mean(y * y * 3)
    z.backward()
    assert x.grad.tolist() == [12.0, 15.0]


def test_mean_of_squares_accumulates_to_24_30_with_retained_graph():  # seed 002 §2.11
    x = ad.tensor([2.0, 3.0], requires_grad=True)
    y = x + 2
    z = ad.mean(y * y * 3)
    z.backward(retain_graph=True)
    z.backward()
    assert x.grad.tolist() == [24.0, 30.0]


def test_backward_twice_without_retain_graph_fails():  # seed 004 pitfalls
    x = ad.tensor([2.0, 3.0], requires_grad=True)
    z = ad.mean((x + 2) * (x + 2) * 3)
    z.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        z.backward()


def test_quadratic_at_two_is_11_with_slope_7():  # seed 003 In [9]-[12]
    x = ad.tensor(2.0, requires_grad=True)
    y = x**2 + 3 * x + 1
    assert y.item() == 11.0
    y.backward()
    assert x.grad.item() == 7.0


def test_two_variables_give_4_and_13():  # seed 003 In [13]
    x = ad.tensor(1.0, requires_grad=True)
    y = ad.tensor(2.0, requires_grad=True)
    z = x**2 + y**3 + x * y
    assert z.item() == 11.0
    z.backward()
    assert (x.grad.item(), y.grad.item()) == (4.0, 13.0)


def test_squared_affine_gives_60_40_20():  # seed 003 In [15]
    x = ad.tensor(2.0, requires_grad=True)
    w = ad.tensor(3.0, requires_grad=True)
    b = ad.tensor(4.0, requires_grad=True)
    y = w * x + b
    loss = y**2
    assert (y.item(), loss.item()) == (10.0, 100.0)
    loss.backward()
    assert (x.grad.item(), w.grad.item(), b.grad.item()) == (60.0, 40.0, 20.0)


def test_cubic_at_three_has_slope_16():  # seed 003 In [23]
    x = ad.tensor(3.0, requires_grad=True)
    y2 = x**3 - 2 * x**2 + x - 5
    y2.backward()
    assert x.grad.item() == 16.0


def test_squared_linear_unit_gives_110_and_22():  # seed 004 §3.2
    w = ad.tensor([2.0], requires_grad=True)
    b = ad.tensor([1.0], requires_grad=True)
    x = ad.tensor([5.0])
    z = w * x + b
    loss = z**2
    assert (z.tolist(), loss.tolist()) == ([11.0], [121.0])
    loss.backward()
    assert (w.grad.tolist(), b.grad.tolist()) == ([110.0], [22.0])


def test_non_scalar_loss_needs_a_gradient_or_ones_like():  # seed 004 pitfalls table
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    loss = x * x
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        loss.backward()
    loss.backward(np.ones(2))
    assert x.grad.tolist() == [2.0, 4.0]


def test_sgd_learns_y_equals_2x_plus_1():  # seed 004 §7, with our SGD in place of nn.Linear
    x = ad.tensor([[1.0], [2.0], [3.0]])
    y = ad.tensor([[3.0], [5.0], [7.0]])
    w = ad.tensor(0.5, requires_grad=True)  # nn.Linear starts at random; any start works
    b = ad.tensor(-0.3, requires_grad=True)
    optimizer = ad.SGD([w, b], lr=0.05)
    for _ in range(2000):
        loss = ad.mean((x * w + b - y) ** 2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert w.item() == pytest.approx(2.0, abs=1e-6)
    assert b.item() == pytest.approx(1.0, abs=1e-6)
