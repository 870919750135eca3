"""Each planted mistake fails the gradient check exactly where it breaks backpropagation."""

import numpy as np
import pytest

from chainrule.learn.bughunt import BUGS, TOLERANCE, gradients_with, hunt, hunting_ground


def test_the_hunt_s_own_backward_pass_is_the_core_s_when_no_bug_is_planted():
    ground = hunting_ground()
    net = ground.net
    cache = net.forward_pass(ground.X, masks=ground.masks)
    core = net.unflatten(net.batch_gradient(cache, ground.Y, np.empty_like(net.theta)))
    ours = gradients_with(ground)
    for l in range(1, net.L + 1):
        np.testing.assert_allclose(ours[f"W{l}"], core[0][l], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(ours[f"b{l}"], core[1][l], rtol=1e-12, atol=1e-15)


def test_the_true_network_passes():
    verdict = hunt()
    assert verdict.failing == []
    assert max(verdict.errors.values()) < 1e-9


@pytest.mark.parametrize("bug", BUGS, ids=[f"bug{b.id}" for b in BUGS])
def test_each_mutant_fails_on_exactly_the_parameters_its_mistake_touches(bug):
    verdict = hunt(bug.id)
    assert verdict.failing == list(bug.touches)
    for name, error in verdict.errors.items():
        assert (error > 1e-3) if name in bug.touches else (error < 1e-9), (name, error)
    assert TOLERANCE < 1e-3


def test_the_list_covers_the_mistakes_learners_make():
    answers = " ".join(b.answer for b in BUGS)
    for mistake in ("sign", "transpose", "1/m", "sum over examples", "g'(A)", "dropout", "biases"):
        assert mistake in answers
    assert len(BUGS) >= 6 and len({b.id for b in BUGS}) == len(BUGS)


@pytest.mark.parametrize("m", [2, 3, 4, 5, 7, 10, 50, 200])
def test_every_mutant_fails_and_the_true_pass_passes_at_every_m_from_2(m):
    assert hunt(None, m=m).failing == []
    for bug in BUGS:
        assert set(hunt(bug.id, m=m).failing) == set(bug.touches), (bug.id, m)
