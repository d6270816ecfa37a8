"""The core's Adam (SPEC §5), step by step against torch.optim.Adam."""

import numpy as np
import pytest

import autodiff_cli as ad
from autodiff_cli.core.optim import Adam

X = np.array([1.0, 2.0, 3.0, 4.0])
Y = np.array([3.0, 5.0, 7.0, 9.0])


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
