"""``keras.activations``: the names ``activation=`` takes, so ``activation=keras.activations.relu``
reads as in Keras.  Each becomes its own layer after the one it is given to (layers.py)."""

relu = "relu"
sigmoid = "sigmoid"
tanh = "tanh"
softmax = "softmax"
leaky_relu = "leaky_relu"
linear = "linear"  # no activation layer at all
