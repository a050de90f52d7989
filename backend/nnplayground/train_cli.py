"""``nnplayground train PRESET_OR_SPEC.json``: train a preset or a spec file in the terminal.

A progress bar goes to stderr; one line per epoch with train (running mean over the epoch)
and test loss/accuracy goes to stdout.  Bad input exits with status 2 and a message that
names the bad value.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

DATASETS = ("mnist", "fashion_mnist")  # the image sets a 28x28 model can train on


class UsageError(Exception):
    """Reported as ``error: ...`` with exit status 2, like argparse's own errors."""


def _int_at_least(minimum: int, words: str):  # noqa: ANN202 - an argparse type
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {words}, got {text!r}")
        return value

    return parse


_positive_int = _int_at_least(1, "a positive integer")
_non_negative_int = _int_at_least(0, "an integer >= 0")


def add_train_parser(subparsers: Any) -> argparse.ArgumentParser:
    from .engine.presets import PRESETS

    p = subparsers.add_parser(
        "train",
        help="train a preset or a spec file on MNIST in the terminal",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "model",
        metavar="PRESET_OR_SPEC",
        help=f"a preset ({', '.join(PRESETS.names())}) or a model spec .json file",
    )
    p.add_argument("--epochs", type=_positive_int, help="default: the preset's")
    p.add_argument("--batch-size", type=_positive_int, help="default: the preset's")
    p.add_argument("--optimizer", help="sgd, momentum, nesterov, adagrad, rmsprop or adam")
    p.add_argument("--lr", type=float, help="learning rate (default: the preset's)")
    p.add_argument("--weight-decay", type=float, help="L2 weight decay λ (default: the preset's)")
    p.add_argument(
        "--lr-decay",
        type=float,
        help="multiply lr by this after every epoch (default: the preset's, or 1)",
    )
    p.add_argument(
        "--lr-schedule",
        choices=["step", "linear"],
        help="step: constant within an epoch; linear: warm up, then straight down to zero "
        "(default: the preset's, or step)",
    )
    p.add_argument("--seed", type=_non_negative_int, default=0)
    p.add_argument("--dataset", choices=DATASETS, default="mnist")
    p.add_argument("--train-size", type=_positive_int, help="use the first N training images")
    p.add_argument("--test-size", type=_positive_int, help="use the first N test images")
    p.add_argument("--save", metavar="OUT.npz", help="save the trained model here")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run_train)
    return p


def _resolve(model_arg: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(spec, training settings) from a preset name or a JSON file (a spec or a preset)."""
    from .engine.presets import PRESETS

    if model_arg.lower() in PRESETS:
        preset = PRESETS.create(model_arg)
        return preset["spec"], preset["training"]
    path = Path(model_arg)
    if not path.suffix == ".json" and not path.exists():
        raise UsageError(
            f"unknown preset {model_arg!r}; choose one of "
            f"{', '.join(PRESETS.names())}, or give a spec .json file"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"spec file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"spec file {str(path)!r} is not valid JSON: {exc}") from None
    if isinstance(data, dict) and "spec" in data:  # a saved preset-like document
        return data["spec"], data.get("training") or {}
    return data, {}


def _load_data(
    dataset: str, flatten: bool, train_size: int | None, test_size: int | None
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    from .engine.data import dataset_info

    info = dataset_info(dataset)  # each dataset knows how to load itself
    x, y, xt, yt = info.load(train_size or 60_000, test_size or 10_000)
    if not flatten:
        x, xt = x.reshape(-1, *info.input_shape), xt.reshape(-1, *info.input_shape)
    return (x, y), (xt, yt)


def _build(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """The model and its settings, resolved exactly as the server resolves a run."""
    from .engine import SpecError
    from .engine.presets import PRESETS
    from .jobs.config import resolve
    from .jobs.errors import ConfigError
    from .jobs.training import build_model

    spec, training = _resolve(args.model)
    request: dict[str, Any] = {**training, "spec": spec}
    if args.model.lower() in PRESETS:
        request = {"preset": args.model.lower()}
    if args.lr is not None and not args.lr > 0:
        raise UsageError(f"lr must be > 0, got {args.lr}")
    if args.lr_decay is not None and not 0 < args.lr_decay <= 1:
        raise UsageError(f"lr_decay must be in (0, 1], got {args.lr_decay}")
    overrides = {"epochs": args.epochs, "batch_size": args.batch_size, "seed": args.seed,
                 "weight_decay": args.weight_decay, "lr_decay": args.lr_decay,
                 "lr_schedule": args.lr_schedule,
                 "dataset": args.dataset, "train_size": 60_000, "test_size": 10_000}
    request.update({k: v for k, v in overrides.items() if v is not None})
    try:
        config = resolve(request)
        if args.optimizer or args.lr is not None:
            # Another rule brings its own defaults, not the preset's; --lr alone keeps the rule.
            opt = {"name": args.optimizer} if args.optimizer else config.optimizer.model_dump()
            if args.lr is not None:
                opt["lr"] = args.lr
            config = resolve({**request, "optimizer": opt})
        model = build_model(config)
    except ConfigError as exc:
        raise UsageError(exc.message.removeprefix("optimizer: ")) from None
    except SpecError as exc:
        raise UsageError(f"bad model spec: {exc}") from None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return model, {"epochs": config.epochs, "batch_size": config.batch_size,
                   "lr_decay": config.lr_decay, "lr_schedule": config.lr_schedule}


def run_train(args: argparse.Namespace) -> int:
    from .engine.callbacks import LambdaCallback, ProgressBar, lr_schedule

    try:
        model, settings = _build(args)
        if tuple(model.input_shape) not in ((784,), (1, 28, 28)):
            raise UsageError(
                f"input_shape {list(model.input_shape)} does not fit 28×28 images; "
                "use [784] or [1, 28, 28]"
            )
        flat = len(model.input_shape) == 1
        (x, y), (xt, yt) = _load_data(args.dataset, flat, args.train_size, args.test_size)
    except UsageError as exc:
        print(f"nnplayground train: error: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:  # missing/corrupt dataset files
        print(f"nnplayground train: error: {exc}", file=sys.stderr)
        return 1
    print(model.summary_text())
    print(
        f"optimizer {model.optimizer!r}, batch {settings['batch_size']}, "
        f"{settings['epochs']} epochs, lr decay {settings['lr_decay']:g}/epoch, "
        f"lr schedule {settings['lr_schedule']}, "
        f"{len(x)} train / {len(xt)} test images ({args.dataset})"
    )

    def report(epoch: int, logs: dict[str, Any]) -> None:
        print(
            f"epoch {epoch + 1:>3}/{settings['epochs']}  "
            f"train loss {logs['loss']:.4f} acc {logs['accuracy']:.4f}  "
            f"test loss {logs['val_loss']:.4f} acc {logs['val_accuracy']:.4f}  "
            f"{logs['seconds']:.1f}s  lr {model.optimizer.lr:g}",
            flush=True,
        )

    callbacks = lr_schedule(settings["lr_schedule"], settings["lr_decay"])
    if not args.quiet:
        callbacks.append(ProgressBar(stream=sys.stderr, epoch_lines=False))
    callbacks.append(LambdaCallback(on_epoch_end=report))
    start = time.perf_counter()
    model.fit(
        x,
        y,
        epochs=settings["epochs"],
        batch_size=settings["batch_size"],
        validation_data=(xt, yt),
        callbacks=callbacks,
    )
    print(f"done in {time.perf_counter() - start:.1f}s")
    if args.save:
        try:
            model.save(args.save)
        except OSError as exc:
            print(
                f"nnplayground train: error: cannot save to {args.save!r}: {exc}", file=sys.stderr
            )
            return 1
        print(f"saved {args.save}")
    return 0
