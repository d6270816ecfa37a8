"""The engines of `adiff minimize` and `adiff solve` (SPEC §3), and the core's Adam (§5).

Problems come as plain NumPy callbacks; SciPy's Rosenbrock function, gradient and
Hessian are the oracle for the quasi-Newton and Newton methods.
"""

import subprocess
import sys

import numpy as np
import pytest
from scipy.optimize import minimize as scipy_minimize
from scipy.optimize import rosen, rosen_der, rosen_hess

import autodiff_cli as ad
from autodiff_cli.core.optim import Adam
from autodiff_cli.core.optimize import METHODS, minimize, solve

X = np.array([1.0, 2.0, 3.0, 4.0])
Y = np.array([3.0, 5.0, 7.0, 9.0])


def regression(p):
    """The seeds' training example: mean((w*X + b - Y)**2), its minimum at w = 2, b = 1."""
    w, b = p
    r = w * X + b - Y
    return np.mean(r**2), np.array([np.mean(2 * r * X), np.mean(2 * r)])


def regression_hessian(p):
    return np.array([[2 * np.mean(X * X), 2 * np.mean(X)], [2 * np.mean(X), 2.0]])


def rosenbrock(x):
    return rosen(x), rosen_der(x)


# -- Adam against torch.optim.Adam ------------------------------------------------------
# Numbers printed once by torch 2.13.0+cpu in float64. Ours agree to the last bit here;
# torch fuses a multiply-add on vectorised CPUs, so an ulp or two may differ elsewhere.

def test_adam_follows_torch_on_the_seed_regression():
    torch_steps = [
        (0.09999999997142857, 0.09999999991666665),
        (0.19980351071260505, 0.1997983507217391),
        (0.2992616050422097, 0.29924173224375217),
        (0.39821086790785654, 0.39816149356027075),
        (0.4964726500462684, 0.49637279761317815),
    ]
    w = ad.tensor(0.0, requires_grad=True)
    b = ad.tensor(0.0, requires_grad=True)
    optimizer = Adam([w, b], lr=0.1)
    for expected in torch_steps:
        optimizer.zero_grad()
        ad.mean((w * X + b - Y) ** 2).backward()
        optimizer.step()
        assert (w.item(), b.item()) == pytest.approx(expected, rel=1e-15)


def test_adam_follows_torch_with_its_default_lr_and_other_betas_and_eps():
    torch_steps = [
        [0.500998003992016, -1.4990000689607614, 1.999000032257024],
        [0.5019956788717858, -1.4980002372021588, 1.9980001469875501],
        [0.5029928085225353, -1.4970005697891717, 1.9970003982649174],
    ]
    v = ad.tensor([0.5, -1.5, 2.0], requires_grad=True)
    optimizer = Adam([v], betas=(0.8, 0.99), eps=1e-3)
    for expected in torch_steps:
        optimizer.zero_grad()
        ad.sum(v**4 - v).backward()
        optimizer.step()
        assert v.tolist() == pytest.approx(expected, rel=1e-15)


def test_adam_leaves_a_parameter_without_gradient_alone():
    used = ad.tensor(1.0, requires_grad=True)
    unused = ad.tensor(5.0, requires_grad=True)
    optimizer = Adam([used, unused], lr=0.5)
    (used * 3).backward()
    optimizer.step()
    # The first step of Adam moves by lr (times 1 - a tiny eps share) against the gradient.
    assert used.item() == pytest.approx(0.5, rel=1e-8)
    assert unused.item() == 5.0 and unused.grad is None
    optimizer.zero_grad()
    assert used.grad is None


def test_adam_refuses_a_beta_of_one():
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1: 1.0"):
        Adam([ad.tensor(1.0, requires_grad=True)], betas=(0.9, 1.0))


# -- minimize -------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_every_method_learns_w_2_and_b_1_from_the_seeds_data(method):
    result = minimize(regression, [0.0, 0.0], method=method, hessian=regression_hessian)
    assert result.converged and result.method == method
    assert result.x == pytest.approx([2.0, 1.0], abs=1e-6)
    assert result.grad_norm < 1e-8
    assert result.value == regression(result.x)[0] == pytest.approx(0.0, abs=1e-15)
    assert 1 <= result.steps <= 1000


def test_gd_and_adam_take_hundreds_of_steps_at_their_default_lr_of_0_1():
    assert minimize(regression, [0.0, 0.0], method="gd").steps == 528
    assert minimize(regression, [0.0, 0.0], method="adam").steps == 770


def test_adam_at_pytorchs_lr_of_1e_3_needs_more_than_the_default_1000_steps():
    short = minimize(regression, [0.0, 0.0], method="adam", lr=1e-3)
    assert not short.converged and short.steps == 1000
    assert np.all(short.x < 1.0)  # Adam moves each variable by at most about lr a step
    long = minimize(regression, [0.0, 0.0], method="adam", lr=1e-3, steps=20_000)
    assert long.converged and long.steps == 12_362
    assert long.x == pytest.approx([2.0, 1.0], abs=1e-6)


@pytest.mark.parametrize("method", ["bfgs", "lbfgs", "newton", "cg"])
@pytest.mark.parametrize("x0", [[-1.2, 1.0], np.zeros(10)], ids=["2-D", "10-D"])
def test_rosenbrock_converges_to_all_ones(method, x0):
    result = minimize(rosenbrock, x0, method=method, hessian=rosen_hess)
    assert result.converged
    assert result.x == pytest.approx(np.ones(len(x0)), abs=1e-7)
    assert result.grad_norm == np.linalg.norm(rosen_der(result.x)) < 1e-8
    assert result.value == rosen(result.x)


def test_an_offset_does_not_stop_bfgs_where_scipy_alone_stops_on_precision_loss():
    # f + 1e4 leaves f's last changes below rounding: SciPy's line search gives up early.
    def offset(x):
        return rosen(x) + 1e4, rosen_der(x)

    alone = scipy_minimize(offset, [-1.2, 1.0], jac=True, method="BFGS",
                           options={"gtol": 1e-8, "norm": 2})
    assert not alone.success and "precision loss" in alone.message
    assert np.linalg.norm(alone.jac) > 1e-8
    result = minimize(offset, [-1.2, 1.0], method="bfgs")
    assert result.converged and result.x == pytest.approx([1.0, 1.0], abs=1e-7)


def test_lbfgs_goes_on_past_scipys_default_relative_reduction_test():
    alone = scipy_minimize(rosen, [-1.2, 1.0], jac=rosen_der, method="L-BFGS-B",
                           options={"gtol": 1e-8})
    assert "RELATIVE REDUCTION" in alone.message and np.linalg.norm(alone.jac) > 1e-5
    assert minimize(rosenbrock, [-1.2, 1.0], method="lbfgs").converged


def test_bfgs_that_cannot_move_stops_and_says_so_before_steps_run_out():
    # From (-1.2, 1, ...) the 10-D Rosenbrock function leads to its other minimum near
    # x0 = -1, where f is about 4 and rounding hides the last decrease from the line search.
    result = minimize(rosenbrock, np.tile([-1.2, 1.0], 5), method="bfgs")
    assert not result.converged and result.steps < 1000
    assert result.grad_norm == np.linalg.norm(rosen_der(result.x)) >= 1e-8
    assert result.x[0] == pytest.approx(-0.99, abs=0.01)


@pytest.mark.parametrize("method", METHODS)
def test_too_few_steps_is_reported_as_not_converged(method):
    result = minimize(regression, [0.0, 0.0], method=method, steps=1, hessian=regression_hessian)
    assert not result.converged and result.steps == 1
    assert result.grad_norm == np.linalg.norm(regression(result.x)[1]) >= 1e-8


def test_gd_with_too_large_an_lr_stops_at_the_first_non_finite_gradient():
    norms = []
    with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the point
        result = minimize(regression, [0.0, 0.0], method="gd", lr=1e10,
                          callback=lambda step, value, norm: norms.append(norm))
    assert not result.converged and result.steps == len(norms) < 1000
    assert np.isfinite(norms[:-1]).all() and not np.isfinite(norms[-1])
    assert not np.isfinite(result.grad_norm)


@pytest.mark.parametrize("method", METHODS)
def test_callback_runs_once_per_step_at_the_new_point(method):
    calls = []
    result = minimize(regression, [0.0, 0.0], method=method, hessian=regression_hessian,
                      callback=lambda *call: calls.append(call))
    assert [step for step, _, _ in calls] == list(range(1, result.steps + 1))
    assert calls[-1] == (result.steps, result.value, result.grad_norm)


def test_evaluations_count_the_calls_of_value_and_grad():
    points = []

    def counted(x):
        points.append(x)
        return rosenbrock(x)

    result = minimize(counted, [-1.2, 1.0], method="bfgs")
    assert result.evaluations == len(points)
    assert len({p.tobytes() for p in points}) == len(points)  # no point asked twice


def test_a_point_that_is_already_a_minimum_takes_no_step():
    result = minimize(regression, [2.0, 1.0], method="bfgs")
    assert result.converged and result.steps == 0 and result.evaluations == 1


def test_an_unknown_method_is_refused_with_the_list_of_methods():
    with pytest.raises(ValueError, match="unknown method 'nelder-mead': choose one of "
                                         "bfgs, lbfgs, newton, cg, gd, adam"):
        minimize(regression, [0.0, 0.0], method="nelder-mead")


def test_newton_needs_the_hessian():
    with pytest.raises(ValueError, match="needs the exact Hessian"):
        minimize(regression, [0.0, 0.0], method="newton")


def test_importing_the_engines_does_not_load_scipy():
    code = "import sys, autodiff_cli.core.optimize; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


# -- solve ------------------------------------------------------------------------------

def test_the_cube_root_of_2():
    calls = []
    result = solve(lambda x: (x**3 - 2, 3 * x**2), [1.0], callback=lambda *c: calls.append(c))
    assert result.converged and result.residual_norm < 1e-12
    assert result.x[0] == pytest.approx(2 ** (1 / 3), abs=1e-12)
    assert [step for step, _ in calls] == list(range(1, result.steps + 1))
    assert calls[-1] == (result.steps, result.residual_norm)


def test_a_scalar_problem_may_return_plain_numbers():
    result = solve(lambda x: (float(x[0] ** 3 - 2), float(3 * x[0] ** 2)), 1.0)
    assert result.converged and result.x[0] == pytest.approx(2 ** (1 / 3), abs=1e-12)


def circle_and_hyperbola(v):
    x, y = v
    return np.array([x**2 + y**2 - 5, x * y - 2]), np.array([[2 * x, 2 * y], [y, x]])


def test_a_2x2_nonlinear_system():
    result = solve(circle_and_hyperbola, [3.0, 0.5])
    assert result.converged and result.x == pytest.approx([2.0, 1.0], abs=1e-12)


def line_and_hyperbola(v):
    """Roots (1, 2) and (4, 0.5); the Jacobian is singular on the line x = 2y."""
    x, y = v
    return np.array([x + 2 * y - 5, x * y - 2]), np.array([[1.0, 2.0], [y, x]])


def test_a_singular_jacobian_at_the_start_takes_the_least_squares_step():
    assert np.linalg.det(line_and_hyperbola([2.0, 1.0])[1]) == 0
    result = solve(line_and_hyperbola, [2.0, 1.0])
    assert result.converged and result.x == pytest.approx([1.0, 2.0], abs=1e-12)


def test_a_function_with_no_root_is_reported_as_not_converged():
    result = solve(lambda x: (x**2 + 1, 2 * x), [3.0])
    assert not result.converged
    assert result.residual_norm >= 1.0  # x**2 + 1 never goes below 1
    assert result.x[0] == pytest.approx(0.0, abs=1e-6)  # where ||F|| is smallest


def test_a_start_where_newton_cannot_move_stops_at_once():
    result = solve(lambda x: (x**3 - 2, 3 * x**2), [0.0])  # F'(0) = 0 and F(0) != 0
    assert not result.converged and result.steps == 0 and result.residual_norm == 2.0


def test_too_few_newton_steps_is_reported_as_not_converged():
    result = solve(circle_and_hyperbola, [3.0, 0.5], steps=2)
    assert not result.converged and result.steps == 2
    assert result.residual_norm == np.linalg.norm(circle_and_hyperbola(result.x)[0])


def test_the_line_search_keeps_a_far_start_from_overshooting():
    # Plain Newton on atan from x = 10 jumps to about -138 and diverges; damped, it converges.
    result = solve(lambda x: (np.arctan(x), 1 / (1 + x**2)), [10.0])
    assert result.converged and abs(result.x[0]) < 1e-12
