"""``nnplayground train``: a small real run, saving, and clear errors with exit status 2."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nnplayground.cli import main
from nnplayground.engine import load_model
from nnplayground.engine.data import load_mnist


def test_train_preset_on_a_subset_and_save(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "tln.npz"
    code = main(
        [
            "train",
            "two_layer_net",
            "--epochs",
            "2",
            "--batch-size",
            "10",
            "--train-size",
            "500",
            "--test-size",
            "200",
            "--seed",
            "3",
            "--save",
            str(out_file),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    lines = [line for line in captured.out.splitlines() if line.startswith("epoch")]
    assert len(lines) == 2
    pattern = (
        r"epoch +2/2  train loss \d+\.\d{4} acc (\d\.\d{4})  "
        r"test loss \d+\.\d{4} acc (\d\.\d{4})"
    )
    match = re.match(pattern, lines[1])
    assert match, lines[1]
    test_acc = float(match.group(2))
    assert test_acc > 0.5
    assert "Total params: 39,760" in captured.out
    assert "500 train / 200 test images" in captured.out
    assert "[" in captured.err and "]" in captured.err  # the progress bar went to stderr
    model = load_model(out_file)
    _, (xt, yt) = load_mnist()
    result = model.evaluate(xt[:200], yt[:200], return_dict=True)
    assert result["accuracy"] == pytest.approx(test_acc, abs=1e-4)


def test_train_a_spec_file_with_overrides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = {
        "name": "tiny",
        "input_shape": [1, 28, 28],
        "layers": [
            {"type": "conv2d", "filters": 2, "kernel_size": 5, "stride": 3},
            {"type": "relu"},
            {"type": "flatten"},
            {"type": "dense", "units": 10},
        ],
    }
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    code = main(
        [
            "train",
            str(path),
            "--epochs",
            "2",
            "--optimizer",
            "momentum",
            "--lr",
            "0.05",
            "--lr-decay",
            "0.5",
            "--train-size",
            "300",
            "--test-size",
            "100",
            "--quiet",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Momentum(lr=0.05" in captured.out and "epoch   2/2" in captured.out
    assert "lr 0.025" in captured.out  # halved after each epoch
    assert captured.err == ""


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["lenet5"], "unknown preset 'lenet5'"),
        (["missing.json"], "'missing.json' does not exist"),
        (["two_layer_net", "--optimizer", "adamw"], "unknown optimizer 'adamw'"),
        (["two_layer_net", "--lr", "-1"], "lr must be > 0, got -1.0"),
        (["two_layer_net", "--lr-decay", "0"], "lr_decay must be in (0, 1], got 0.0"),
    ],
)
def test_bad_input_exits_2_naming_the_value(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", *args]) == 2
    assert needle in capsys.readouterr().err


def test_bad_spec_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "input_shape": [784],
                "layers": [{"type": "dense", "units": 50}, {"type": "dense", "units": -5}],
            }
        )
    )
    assert main(["train", str(path)]) == 2
    assert "layer 1, field 'units'" in capsys.readouterr().err
    path.write_text("{oops")
    assert main(["train", str(path)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_argparse_rejects_bad_numbers_with_status_2() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "nnplayground", "train", "two_layer_net", "--epochs", "zero"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "must be a positive integer, got 'zero'" in proc.stderr
