"""The Keras documentation's own examples, run unchanged except for the import line and the
size of the data (small MNIST subsets keep the suite fast):

* Chollet, *Deep Learning with Python*, ch. 2: the MNIST MLP (Dense 512 relu + softmax,
  rmsprop, sparse_categorical_crossentropy; predict probabilities; ``test_loss, test_acc``).
* keras.io/examples/vision/mnist_convnet: the convnet (Input(28, 28, 1), Conv2D/MaxPooling2D,
  Dropout, softmax; categorical_crossentropy, adam, ``validation_split=0.1``; ``score[0]``).
* keras.io/api/callbacks/early_stopping: EarlyStopping(monitor="loss", patience=3) stops
  the diverging example after 4 epochs.
* keras.io/guides/sequential_model and /api/models/sequential: Input, delayed build,
  ``len(model.weights)``, calling the model, ``pop``, ``get_layer``, summary; save/load.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnplayground import keras
from nnplayground.keras import layers
from nnplayground.keras.datasets import mnist


@pytest.fixture(autouse=True)
def seed() -> None:
    keras.utils.set_random_seed(0)


def test_chollet_mnist_mlp(capsys: pytest.CaptureFixture) -> None:
    (train_images, train_labels), (test_images, test_labels) = mnist.load_data()
    assert train_images.shape == (60000, 28, 28) and train_images.dtype == np.uint8
    assert test_labels.shape == (10000,)
    train_images, train_labels = train_images[:2000], train_labels[:2000]
    test_images, test_labels = test_images[:1000], test_labels[:1000]
    model = keras.Sequential([
        layers.Dense(512, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="rmsprop",
                  loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    train_images = train_images.reshape((2000, 28 * 28))
    train_images = train_images.astype("float32") / 255
    test_images = test_images.reshape((1000, 28 * 28))
    test_images = test_images.astype("float32") / 255
    history = model.fit(train_images, train_labels, epochs=5, batch_size=128)
    assert len(history.history["loss"]) == 5 and history.params["steps"] == 16
    assert history.history["loss"][-1] < history.history["loss"][0]
    test_digits = test_images[0:10]
    predictions = model.predict(test_digits)
    assert predictions.shape == (10, 10)
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0, rtol=1e-5)  # probabilities
    assert predictions[0].argmax() == test_labels[0]  # the book's 7
    test_loss, test_acc = model.evaluate(test_images, test_labels)
    assert test_acc > 0.85 and 0 < test_loss < 0.6
    out = capsys.readouterr().out
    assert "epoch 5/5" in out and "accuracy" in out  # verbose="auto" shows progress


def test_keras_io_mnist_convnet(capsys: pytest.CaptureFixture) -> None:
    num_classes = 10
    input_shape = (28, 28, 1)
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train, y_train, x_test, y_test = x_train[:600], y_train[:600], x_test[:300], y_test[:300]
    x_train = x_train.astype("float32") / 255
    x_test = x_test.astype("float32") / 255
    x_train = np.expand_dims(x_train, -1)
    x_test = np.expand_dims(x_test, -1)
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)
    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.summary()
    summary = capsys.readouterr().out
    assert "conv2d (Conv2D)" in summary and "(None, 64, 11, 11)" in summary
    assert "Total params: 34,826" in summary  # Keras prints the same count for this model
    batch_size = 32
    epochs = 2
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                        validation_split=0.1, verbose=0)
    assert history.params["steps"] == 17  # 540 training images after the 10% split
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    score = model.evaluate(x_test, y_test, verbose=0)
    print("Test loss:", score[0])
    print("Test accuracy:", score[1])
    assert score[1] > 0.5 and score[0] < 2.0, score
    # The page's spec underneath: channels-first, activations as their own layers.
    spec = model.get_config()
    assert spec["input_shape"] == [1, 28, 28]
    assert [layer["type"] for layer in spec["layers"]] == [
        "conv2d", "relu", "maxpool2d", "conv2d", "relu", "maxpool2d", "flatten", "dropout",
        "dense", "softmax"]


def test_save_and_load_model(tmp_path) -> None:
    (x, y), _ = mnist.load_data()
    x = x[:300].reshape(300, 784).astype("float32") / 255
    model = keras.Sequential([layers.Dense(16, activation="relu", input_shape=(784,)),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["acc"])
    model.fit(x, y[:300], epochs=1, verbose=0)
    model.save(tmp_path / "model.keras")
    restored = keras.models.load_model(tmp_path / "model.keras")
    assert isinstance(restored, keras.Sequential)
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    assert restored.evaluate(x, y[:300], verbose=0) == pytest.approx(
        model.evaluate(x, y[:300], verbose=0))
    model.save_weights(tmp_path / "w.weights.h5")
    fresh = keras.Sequential([layers.Dense(16, activation="relu", input_shape=(784,)),
                              layers.Dense(10, activation="softmax")])
    fresh.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))


def test_early_stopping_doc_example() -> None:
    callback = keras.callbacks.EarlyStopping(monitor="loss", patience=3)
    # This callback will stop the training when there is no improvement in
    # the loss for three consecutive epochs.
    model = keras.models.Sequential([keras.layers.Dense(10)])
    model.compile(keras.optimizers.SGD(), loss="mse")
    with np.errstate(all="ignore"):  # the example's inputs (0..99) make SGD diverge
        history = model.fit(np.arange(100).reshape(5, 20), np.zeros(5),
                            epochs=10, batch_size=1, callbacks=[callback],
                            verbose=0)
    assert len(history.history["loss"]) == 4  # Only 4 epochs are run.


def test_sequential_guide_examples(capsys: pytest.CaptureFixture) -> None:
    model = keras.Sequential()
    model.add(keras.Input(shape=(16,)))
    model.add(keras.layers.Dense(8))
    assert len(model.weights) == 2  # built as layers are added, once the input is known

    model = keras.Sequential()
    model.add(keras.layers.Dense(8))
    model.add(keras.layers.Dense(4))
    assert len(model.weights) == 0  # delayed build: no weights yet
    model.build((None, 16))
    assert len(model.weights) == 4

    model = keras.Sequential([
        layers.Dense(2, activation="relu", name="layer1"),
        layers.Dense(3, activation="relu", name="layer2"),
        layers.Dense(4, name="layer3"),
    ])
    y = model(np.ones((3, 3)))  # calling the model on data builds it
    assert y.shape == (3, 4)
    assert model.get_layer("layer2").get_weights()[0].shape == (2, 3)
    assert [layer.name for layer in model.layers][:2] == ["layer1", "relu"]
    model.pop()
    assert model.layers[-1].name == "relu_1"  # layer3 is gone
    model.pop()  # layer2 with the activation its activation= added
    assert model.layers[-1].name == "relu"
    model.summary()
    assert 'Model: "sequential"' in capsys.readouterr().out
