"""Each way the engine's Sequential differed from Keras in issue 15, one test each; every test
here failed on the code before the fix (checked against commit fbda734)."""

from __future__ import annotations

import math

import numpy as np
import pytest

# Only names that existed before: a new name is imported in its own test, so each test fails
# (rather than the whole file) on the old code.
from nnplayground.engine import LAYERS, OPTIMIZERS, Sequential, SpecError, layers
from nnplayground.engine.data import load_mnist


def blobs(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = np.eye(3, 4, dtype=np.float32)[y] * 2 + rng.normal(0, 0.5, (n, 4)).astype(np.float32)
    return x, y


def mlp(*extra: layers.Layer, seed: int = 0) -> Sequential:
    model = Sequential([layers.Dense(8), layers.ReLU(), layers.Dense(3), *extra],
                       input_shape=(4,), rng=seed)
    return model.compile("sgd")


def test_fit_positional_order_is_batch_size_then_epochs() -> None:
    x, y = blobs(100)
    history = mlp().fit(x, y, 64, 2)
    assert history.params["epochs"] == 2 and history.params["steps"] == 2  # ceil(100 / 64)
    assert len(history.epoch) == 2


def test_evaluate_unpacks_into_loss_and_accuracy() -> None:
    x, y = blobs()
    model = mlp()
    loss, acc = model.evaluate(x, y)
    assert isinstance(loss, float) and 0.0 <= acc <= 1.0
    assert model.evaluate(x, y, return_dict=True) == {"loss": loss, "accuracy": acc}
    model.compile("sgd", metrics=None)
    assert model.evaluate(x, y) == pytest.approx(loss)  # a scalar without metrics


def test_learning_rate_is_the_same_knob_as_lr() -> None:
    model = mlp()
    model.optimizer.learning_rate = 1e-4
    assert model.optimizer.lr == 1e-4
    x, y = blobs(10)
    before = [w.copy() for w in model.get_weights()]
    model.train_step(x, y)
    grads = [p.grad for p in model.parameters()]
    for w0, w1, g in zip(before, model.get_weights(), grads, strict=True):
        np.testing.assert_allclose(w1, w0 - 1e-4 * g, rtol=1e-5, atol=1e-8)


def test_validation_data_wins_over_validation_split() -> None:
    x, y = blobs(100)
    xv, yv = blobs(30, seed=1)
    model = mlp()
    history = model.fit(x, y, batch_size=10, epochs=1, validation_split=0.5,
                        validation_data=(xv, yv))
    assert history.params["steps"] == 10  # all 100 samples trained on: no split
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(xv, yv)[0])


def test_a_final_softmax_is_applied_once() -> None:
    x, y = blobs()
    plain, with_softmax = mlp(seed=3), mlp(layers.Softmax(), seed=3)
    a = plain.fit(x, y, batch_size=20, epochs=2).history["loss"]
    b = with_softmax.fit(x, y, batch_size=20, epochs=2).history["loss"]
    assert a == pytest.approx(b, rel=1e-6)  # the same training: softmax absorbed by the loss
    probs = with_softmax.predict(x)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(probs, plain.predict_proba(x), rtol=1e-5, atol=1e-7)
    # What the loss reads, for code that needs loss and probabilities from one forward pass.
    np.testing.assert_allclose(with_softmax.predict_logits(x), plain.predict(x), rtol=1e-6)


def convnet() -> Sequential:
    return Sequential([layers.Conv2D(4, 3), layers.ReLU(), layers.Flatten(), layers.Dense(10)],
                      rng=0).compile("sgd")


def test_channels_last_data_is_named_and_does_not_break_the_model() -> None:
    x = np.zeros((4, 28, 28, 1), np.float32)
    y = np.zeros(4, np.int64)
    model = convnet()
    with pytest.raises(SpecError) as err:
        model.fit(x, y)
    text = str(err.value)
    assert "layer 0" in text and "channels_last" in text and "(1, 28, 28)" in text
    assert model.input_shape is None and not model.built  # left as it was
    model.fit(x.transpose(0, 3, 1, 2), y, epochs=1)  # the right layout now works
    assert model.input_shape == (1, 28, 28)
    with pytest.raises(ValueError, match="channels_last"):
        model.predict(x)
    lastfirst = Sequential([layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(10)], rng=0,
                           data_format="channels_last").compile("sgd")
    lastfirst.fit(x, y, epochs=1)
    assert lastfirst.get_config()["input_shape"] == [1, 28, 28]  # the spec stays channels-first
    np.testing.assert_allclose(lastfirst.predict(x), lastfirst.predict(x))


def test_a_failed_build_leaves_a_built_model_as_it_was() -> None:
    model = convnet()
    model.build((1, 8, 8))
    weights = model.get_weights()
    with pytest.raises(SpecError, match="layer 0"):
        model.build((1, 2, 2))  # kernel 3x3 larger than the input
    assert model.input_shape == (1, 8, 8) and model.built
    for a, b in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert model.predict(np.zeros((2, 1, 8, 8), np.float32)).shape == (2, 10)


def test_keras_names_for_layers_losses_metrics_and_initializers() -> None:
    from nnplayground.engine import Input

    assert isinstance(LAYERS.create({"type": "MaxPooling2D"}), layers.MaxPool2D)
    assert isinstance(LAYERS.create({"type": "BatchNormalization"}), layers.BatchNorm)
    assert isinstance(LAYERS.create({"type": "AveragePooling2D"}), layers.AvgPool2D)
    x, y = blobs()
    onehot = np.eye(3, dtype=np.float32)[y]
    model = Sequential([Input((4,)), layers.Dense(3, init="glorot_uniform")], rng=0)
    model.compile(OPTIMIZERS.create("adam"), loss="sparse_categorical_crossentropy",
                  metrics=["acc"])
    history = model.fit(x, y, batch_size=20, epochs=1, validation_split=0.25)
    assert {"loss", "acc", "val_loss", "val_acc"} <= set(history.history)
    model.compile("sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    assert model.evaluate(x, onehot, return_dict=True)["loss"] > 0
    assert model.get_config()["layers"][0]["init"] == "glorot_uniform"


def test_history_params_verbose_on_evaluate_and_predict(capsys) -> None:
    x, y = blobs(40)
    model = mlp()
    history = model.fit(x, y, batch_size=10, epochs=3, verbose=0)
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 4}
    assert model.history is history
    model.evaluate(x, y, verbose=1)
    model.predict(x, verbose=1)
    out = capsys.readouterr().out
    assert "loss:" in out and "accuracy:" in out and "predicted 40 samples" in out
    model.evaluate(x, y, verbose=0)
    assert capsys.readouterr().out == ""


def test_summary_prints(capsys) -> None:
    model = mlp()
    assert model.summary() is None
    assert "Total params: 67" in capsys.readouterr().out


def test_weights_get_layer_pop_names_and_layer_weights(tmp_path) -> None:
    model = mlp()
    assert [p.shape for p in model.weights] == [(4, 8), (8,), (8, 3), (3,)]
    assert [layer.name for layer in model.layers] == ["dense", "relu", "dense_1"]
    dense = model.get_layer("dense_1")
    assert dense is model.get_layer(index=2)
    w, b = dense.get_weights()
    assert w.shape == (8, 3) and b.shape == (3,)
    dense.set_weights([np.ones_like(w), b])
    assert np.all(model.get_weights()[2] == 1)
    model.save_weights(tmp_path / "w.npz")
    other = mlp(seed=9)
    other.load_weights(tmp_path / "w.npz")
    x, _ = blobs(5)
    np.testing.assert_array_equal(other.predict(x), model.predict(x))
    assert model.pop() is dense and model.output_shape == (8,)
    assert model(x).shape == (5, 8)  # calling the model on data
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        model.get_layer("nope")


def test_initial_epoch_continues_the_count() -> None:
    x, y = blobs(40)
    history = mlp().fit(x, y, batch_size=10, epochs=5, initial_epoch=3)
    assert history.epoch == [3, 4]


def test_a_layer_used_before_it_is_built_says_what_to_do() -> None:
    from nnplayground.engine import NotBuiltError

    with pytest.raises(NotBuiltError, match="not built yet.*input_shape"):
        layers.Dense(3).forward(np.zeros((2, 4), np.float32), False)
    with pytest.raises(NotBuiltError):
        layers.Conv2D(2, 3)(np.zeros((1, 1, 5, 5), np.float32))


def test_book_names_keep_working() -> None:
    (x, y), _ = load_mnist()
    model = Sequential([layers.Dense(20), layers.ReLU(), layers.Dense(10)], input_shape=(784,),
                       rng=0)
    model.compile(OPTIMIZERS.create("sgd", lr=0.1), loss="softmax_cross_entropy")
    history = model.fit(x[:500], y[:500], epochs=1, batch_size=100)
    assert math.isfinite(history.history["loss"][0]) and history.params["steps"] == 5
