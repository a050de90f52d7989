"""A learner's script as the live tests run it in a subprocess:
``python playground_script.py URL NAME EPOCHS SLEEP`` trains the Keras book's MLP on 1,000
MNIST images with callbacks.Playground and prints the epochs it finished.  SLEEP seconds per
batch stretch the run so a test can act while it trains."""

from __future__ import annotations

import sys
import time

from nnplayground import keras
from nnplayground.keras import layers
from nnplayground.keras.callbacks import LambdaCallback, Playground

url, name, epochs, pause = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
keras.utils.set_random_seed(0)
(x_train, y_train), _ = keras.datasets.mnist.load_data()
x_train = x_train[:1000].reshape((1000, 28 * 28)).astype("float32") / 255
y_train = y_train[:1000]
model = keras.Sequential([
    layers.Dense(64, activation="relu"),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
slow = LambdaCallback(on_batch_end=lambda step, logs: time.sleep(pause))
history = model.fit(x_train, y_train, epochs=epochs, batch_size=20, verbose=0,
                    validation_split=0.1,
                    callbacks=[Playground(url=url, name=name, weights_every=0.5), slow])
print("epochs", len(history.epoch), flush=True)
