import numpy as np
import pytest

from nnplayground.engine.initializers import INITIALIZERS, get_initializer

SHAPE, FAN_IN, FAN_OUT = (400, 300), 400, 300  # 120 000 draws: std known to ~0.2 %


def draw(spec, seed=0, dtype=np.float32):
    return get_initializer(spec)(SHAPE, FAN_IN, FAN_OUT, np.random.default_rng(seed), dtype)


@pytest.mark.parametrize(
    "spec,std",
    [
        ("he", np.sqrt(2 / FAN_IN)),
        ("lecun", np.sqrt(1 / FAN_IN)),
        ("xavier_normal", np.sqrt(2 / (FAN_IN + FAN_OUT))),
        ("xavier_uniform", np.sqrt(2 / (FAN_IN + FAN_OUT))),
        ("glorot_uniform", np.sqrt(2 / (FAN_IN + FAN_OUT))),
        ("he_uniform", np.sqrt(2 / FAN_IN)),
        ("lecun_uniform", np.sqrt(1 / FAN_IN)),
        ("random_normal", 0.01),
        ({"name": "normal", "std": 1.0}, 1.0),
        ("normal", 0.01),
    ],
)
def test_standard_deviations(spec, std):
    w = draw(spec)
    assert w.shape == SHAPE and w.dtype == np.float32
    assert abs(w.std() / std - 1) < 0.02
    assert abs(w.mean()) < 0.02 * std


def test_xavier_uniform_bounds():
    w = draw("xavier_uniform")
    limit = np.sqrt(6 / (FAN_IN + FAN_OUT))
    assert w.max() <= limit and w.min() >= -limit and w.max() > 0.99 * limit


def test_zeros_and_float64():
    assert not draw("zeros").any()
    assert draw("he", dtype=np.float64).dtype == np.float64


def test_reproducible():
    np.testing.assert_array_equal(draw("he", seed=1), draw("he", seed=1))
    assert not np.array_equal(draw("he", seed=1), draw("he", seed=2))


def test_config_round_trip_and_names():
    assert set(INITIALIZERS.names()) == {
        "normal",
        "xavier_normal",
        "xavier_uniform",
        "he",
        "lecun",
        "zeros",
        "he_uniform",
        "lecun_uniform",
    }
    init = get_initializer({"name": "normal", "std": 0.5})
    assert init.get_config() == {"name": "normal", "std": 0.5}
    assert get_initializer(init.get_config()).std_value == 0.5


@pytest.mark.parametrize(
    "spec,message",
    [("glorious", "'glorious'"), ({"name": "normal", "std": -1}, "got -1"), (3, "got 3")],
)
def test_bad_specs_named(spec, message):
    with pytest.raises(ValueError, match=message):
        get_initializer(spec)
