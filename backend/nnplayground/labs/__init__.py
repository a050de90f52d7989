"""Labs: the book's experiments, computed with the engine's own classes (never the server).

One module per lab: perceptron (ch. 2), gradient_check (§5.7), optimizer_race and
optimizers_mnist (§6.1), weight_init (§6.2), batch_norm (§6.3), overfitting (§6.4),
hyperparameter_search (§6.5), nielsen (Nielsen ch. 3 and 4).  Long labs take
``hooks: base.Hooks`` to stream progress and to be stopped.
"""
