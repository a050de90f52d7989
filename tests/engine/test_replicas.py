"""replicas.py: a step shared with a second process gives the one-process step's numbers,
repeats with a seed, never splits batch statistics, and leaves no process or shared memory
behind (the model dropped, the second process killed, the model's process killed)."""

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from nnplayground.engine import PRESETS, Sequential, parallel, replicas

pytestmark = pytest.mark.skipif(parallel.workers() < 2, reason="needs 2 cores")


def conv_net(seed, dropout=False, batchnorm=False):
    layers = [{"type": "conv2d", "filters": 4, "kernel_size": 3, "padding": 1},
              {"type": "relu"}, {"type": "max_pool2d", "pool_size": 2}]
    if batchnorm:
        layers.append({"type": "batch_norm"})
    layers += [{"type": "flatten"}, {"type": "dense", "units": 16}, {"type": "relu"}]
    if dropout:
        layers.append({"type": "dropout", "rate": 0.5})
    layers.append({"type": "dense", "units": 10})
    model = Sequential.from_config({"input_shape": [1, 8, 8], "layers": layers},
                                   rng=np.random.default_rng(seed))
    return model.compile(optimizer={"name": "adam", "lr": 0.01}, loss="softmax_cross_entropy")


@pytest.fixture
def data():
    rng = np.random.default_rng(7)
    return (rng.standard_normal((99, 1, 8, 8)).astype(np.float32),
            rng.integers(0, 10, 99))


@pytest.fixture
def split_all(monkeypatch):
    """Every step of 16+ samples goes to a second process."""
    monkeypatch.setattr(replicas, "MIN_WORK", 0)
    monkeypatch.setattr(replicas, "MIN_INTENSITY", 0)
    yield
    for model in list(replicas._replicas):
        replicas.forget(model)


@contextlib.contextmanager
def one_process():
    with pytest.MonkeyPatch.context() as m:
        m.setattr(replicas, "MIN_WORK", float("inf"))
        yield


def steps(model, x, y, sizes=(32, 33, 34)):
    losses, lo = [], 0
    for size in sizes:
        losses.append(model.train_step(x[lo:lo + size], y[lo:lo + size]))
        lo += size
    return losses


def test_a_shared_step_gives_the_one_process_numbers(split_all, data):
    x, y = data
    shared, alone = conv_net(0), conv_net(0)
    with one_process():
        expected = steps(alone, x, y)
    got = steps(shared, x, y)  # an odd batch too: 16 here, 17 there
    assert shared in replicas._replicas  # it really went to a second process
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    for a, b in zip(shared.get_weights(), alone.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    # the outputs the metrics read come back in the batch's order
    before = shared._forward(x[:40], True, shared._loss_layers)
    _, out = shared._train_batch(x[:40], y[:40])
    np.testing.assert_allclose(out, before, rtol=1e-5, atol=1e-6)


def test_dropout_in_both_processes_repeats_with_the_seed(split_all, data):
    x, y = data
    a, b = conv_net(3, dropout=True), conv_net(3, dropout=True)
    assert steps(a, x, y) == steps(b, x, y)
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert a in replicas._replicas and b in replicas._replicas


def test_batch_statistics_and_small_steps_stay_in_one_process(split_all):
    assert not replicas.wanted(conv_net(0, batchnorm=True), 100)
    assert not replicas.wanted(conv_net(0), 2 * replicas.MIN_PART - 1)
    assert replicas.wanted(conv_net(0), 2 * replicas.MIN_PART)
    with parallel.only_paths("reference"):
        assert not replicas.wanted(conv_net(0), 100)


def test_only_the_conv_presets_share_their_steps():
    def model(name):
        return Sequential.from_config(PRESETS.create(name)["spec"],
                                      rng=np.random.default_rng(0))

    # GEMM-bound nets stay on threads (a half batch through the socket costs about as much
    # as their work), the conv nets split from batch 16 on.
    for name in ("two_layer_net", "mlp_5x100", "mlp_strong"):
        assert not replicas.wanted(model(name), 1000), name
    for name in ("simple_conv_net", "deep_conv_net"):
        assert replicas.wanted(model(name), 16), name
        assert not replicas.wanted(model(name), 15), name


def test_a_killed_second_process_leaves_the_model_training_alone(split_all, data):
    x, y = data
    shared, alone = conv_net(1), conv_net(1)
    shared.train_step(x[:32], y[:32])
    with one_process():
        alone.train_step(x[:32], y[:32])
    child = replicas._replicas[shared].child.proc
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    loss = shared.train_step(x[32:64], y[32:64])  # finds the pipe closed, steps alone
    assert shared not in replicas._replicas and not replicas.wanted(shared, 32)
    with one_process():
        expected = alone.train_step(x[32:64], y[32:64])
    assert loss == pytest.approx(expected, rel=1e-5)


def test_the_second_process_waits_for_the_next_model_and_leaves_no_shared_memory(
        split_all, data):
    x, y = data
    first = conv_net(0)
    first.train_step(x[:32], y[:32])
    replica = replicas._replicas[first]
    pid = replica.child.proc.pid
    assert not os.path.exists("/dev/shm/" + replica.shm.name.lstrip("/"))  # unlinked at once
    first.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert first not in replicas._replicas  # fit hands it back when training ends
    assert [c.proc.pid for c in replicas._idle] == [pid]
    second = conv_net(1)
    second.train_step(x[:32], y[:32])
    assert replicas._replicas[second].child.proc.pid == pid and not replicas._idle


def test_the_second_process_ends_with_the_models_process(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent("""
        import sys, time
        import numpy as np
        from nnplayground.engine import Sequential, replicas
        replicas.MIN_WORK = replicas.MIN_INTENSITY = 0
        model = Sequential.from_config(
            {"input_shape": [1, 8, 8], "layers": [{"type": "conv2d", "filters": 4,
             "kernel_size": 3}, {"type": "flatten"}, {"type": "dense", "units": 10}]})
        model.compile(optimizer="sgd", loss="softmax_cross_entropy")
        model.train_step(np.zeros((32, 1, 8, 8), np.float32), np.zeros(32, int))
        print(replicas._replicas[model].child.proc.pid, flush=True)
        time.sleep(60)
    """))
    # No `if __name__ == "__main__"` guard: the second process must not run the script.
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        child = int(proc.stdout.readline())
    finally:
        proc.kill()
        proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid):
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as status:
            return "\tZ" not in next(line for line in status if line.startswith("State"))
    except FileNotFoundError:
        return False


def test_a_model_the_copy_cannot_take_trains_alone(split_all, data):
    from nnplayground.engine.losses import SoftmaxCrossEntropy

    class LocalLoss(SoftmaxCrossEntropy):  # a class inside a function does not pickle
        pass

    x, y = data
    model, alone = conv_net(2), conv_net(2)
    model.compile(optimizer={"name": "adam", "lr": 0.01}, loss=LocalLoss())
    loss = model.train_step(x[:32], y[:32])
    assert model not in replicas._replicas and not replicas.wanted(model, 32)
    with one_process():
        assert loss == alone.train_step(x[:32], y[:32])


def test_a_forked_child_leaves_the_parents_second_process_alone(split_all, data):
    x, y = data
    model = conv_net(0)
    model.train_step(x[:32], y[:32])
    pid_before = replicas._replicas[model].child.proc.pid
    pid = os.fork()
    if pid == 0:  # the child: its own second process, and the parent's untouched
        code = 1
        try:
            model.train_step(x[32:64], y[32:64])
            code = 0 if replicas._replicas[model].child.proc.pid != pid_before else 2
            replicas.forget(model)
        finally:
            os._exit(code)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # bounded: a child stuck on a shared socket is killed
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.01)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child's step never finished")
    assert os.waitstatus_to_exitcode(status) == 0
    alone = conv_net(0)
    with one_process():
        alone.train_step(x[:32], y[:32])
        expected = alone.train_step(x[32:64], y[32:64])
    assert model.train_step(x[32:64], y[32:64]) == pytest.approx(expected, rel=1e-5)


def test_a_model_collected_anywhere_ends_its_copy_without_waiting(split_all, data):
    import gc
    import threading

    x, y = data
    model = conv_net(0)
    model.train_step(x[:32], y[:32])
    child = replicas._replicas[model].child.proc
    idle_before = list(replicas._idle)
    done = threading.Event()

    def drop():  # while this thread holds the lock the cyclic GC may interrupt
        nonlocal model
        with replicas._lock_idle, replicas._lock:
            model = None
            gc.collect()
        done.set()

    thread = threading.Thread(target=drop, daemon=True)
    thread.start()
    assert done.wait(10), "the finalizer waited for a lock its own thread holds"
    child.wait(timeout=10)  # it read EOF and exited
    assert replicas._idle == idle_before


def test_the_weights_live_in_the_shared_memory_and_move_back_out(split_all, data):
    """No copy a step: the optimizer updates the weights where the second process reads
    them.  A weight bound anew (the optimizer-race lab does that) still reaches it, and
    forget() hands the model memory of its own, with the same numbers."""
    x, y = data
    shared, alone = conv_net(0), conv_net(0)
    shared.train_step(x[:32], y[:32])
    replica = replicas._replicas[shared]
    memory = replica.shared
    assert all(np.shares_memory(p.value, memory) for p in shared.parameters())
    for model in (shared, alone):  # a new array, outside the pack and the shared memory
        model.layers[0].W.value = model.layers[0].W.value * np.float32(0.5)
    alone.set_weights(shared.get_weights())
    with one_process():
        expected = alone.train_step(x[32:64], y[32:64])
    assert shared.train_step(x[32:64], y[32:64]) == pytest.approx(expected, rel=1e-5)
    shared._link()  # packed again (the model's layers changed): its second process goes
    assert shared not in replicas._replicas
    before = shared.get_weights()
    shared.train_step(x[64:96], y[64:96])
    replica = replicas._replicas[shared]
    assert all(np.shares_memory(p.value, replica.shared) for p in shared.parameters())
    before = shared.get_weights()
    replicas.forget(shared)
    assert not any(np.shares_memory(p.value, memory) for p in shared.parameters())
    for a, b in zip(shared.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
