"""Model files: round trips, atomic writes, damaged files, checkpoints that resume exactly."""

import io
import json
import os
import zipfile

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ModelFileError
from chainrule.io.modelfile import read_model_file, write_model_file


@pytest.fixture
def trained(rng):
    net = cr.Network([4, 6, 3], ["tanh"], "softmax", seed=1, l2=0.01, leaky_slope=0.2)
    X = rng.normal(size=(4, 30))
    Y = np.eye(3)[rng.integers(0, 3, 30)].T
    cr.fit(net, X, Y, epochs=5, learning_rate=0.1)
    return net, X


def test_round_trip_keeps_architecture_and_parameters(trained, tmp_path):
    net, X = trained
    path = tmp_path / "model.npz"
    cr.save(net, path)
    loaded = cr.load(path)
    assert loaded.layer_sizes == net.layer_sizes
    assert loaded.hidden_activation == ["tanh"] and loaded.output.name == "softmax"
    assert (loaded.l2, loaded.leaky_slope, loaded.dtype) == (0.01, 0.2, np.float32)
    np.testing.assert_array_equal(loaded.theta, net.theta)
    np.testing.assert_array_equal(loaded.forward(X), net.forward(X))


def test_file_is_plain_npz_with_a_json_header(trained, tmp_path):
    net, _ = trained
    cr.save(net, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as data:
        header = json.loads(data["header"].tobytes())
        assert header["format"] == "chainrule" and header["version"] == 2
        assert header["network"]["layer_sizes"] == [4, 6, 3]
        assert data["theta"].shape == (net.n_params,)


def test_an_interrupted_save_leaves_the_old_model_intact(trained, tmp_path, monkeypatch):
    net, _ = trained
    path = tmp_path / "model.npz"
    cr.save(net, path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        cr.save(net, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temporary left behind


def test_saving_into_a_missing_folder_is_a_clear_error(trained, tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        cr.save(trained[0], tmp_path / "no" / "such" / "model.npz")


def damaged(path, tmp_path, name, transform):
    target = tmp_path / name
    target.write_bytes(transform(path.read_bytes()))
    return target


def flip_a_byte_in_theta(data: bytes) -> bytes:
    position = data.index(b"theta.npy") + 200  # inside the parameters' data
    return data[:position] + bytes([data[position] ^ 0xFF]) + data[position + 1 :]


@pytest.mark.parametrize(
    ("name", "transform", "message"),
    [
        ("truncated.npz", lambda d: d[: len(d) // 2], "not a chainrule model file"),
        ("flipped.npz", flip_a_byte_in_theta, "corrupted"),
        ("empty.npz", lambda d: b"", "not a chainrule model file"),
        ("text.npz", lambda d: b"W1,b1\n1,2\n", "not a chainrule model file"),
    ],
)
def test_damaged_files_are_rejected_by_name(trained, tmp_path, name, transform, message):
    path = tmp_path / "model.npz"
    cr.save(trained[0], path)
    with pytest.raises(ModelFileError, match=message) as error:
        cr.load(damaged(path, tmp_path, name, transform))
    assert name in str(error.value)


def test_foreign_npz_and_missing_files(tmp_path):
    np.savez(tmp_path / "foreign.npz", W=np.ones(3))
    with pytest.raises(ModelFileError, match="foreign.npz: not a chainrule model file"):
        cr.load(tmp_path / "foreign.npz")
    with pytest.raises(ModelFileError, match="no such model file"):
        cr.load(tmp_path / "absent.npz")


def test_newer_format_version_is_refused(trained, tmp_path):
    net, _ = trained
    path = tmp_path / "future.npz"
    write_model_file(
        path, {"kind": "network", "network": {"layer_sizes": [4, 6, 3]}}, {"theta": net.theta}
    )
    header, arrays = read_model_file(path)
    header["version"] = 99
    encoded = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(path, header=encoded, theta=arrays["theta"])
    with pytest.raises(ModelFileError, match="newer chainrule \\(format version 99\\)"):
        cr.load(path)


def test_header_claiming_huge_shapes_is_refused_before_allocating(trained, tmp_path):
    net, _ = trained
    path = tmp_path / "huge.npz"
    cr.save(net, path)
    header, arrays = read_model_file(path)
    header["network"]["layer_sizes"] = [100000, 100000, 3]
    header["arrays"]["theta"]["shape"] = [100000 * 100001 + 3 * 100001]
    np.savez(path, header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8), **arrays)
    with pytest.raises(
        ModelFileError, match="should take 40001600012 bytes but the archive says 332"
    ):
        cr.load(path)


@pytest.mark.parametrize(
    "optimizer",
    [cr.SGD(0.05, momentum=0.9, nesterov=True), cr.Adam(0.01)],
    ids=["sgd-nesterov", "adam"],
)
def test_checkpoint_resume_equals_an_uninterrupted_run(optimizer, rng, tmp_path):
    import copy

    X = rng.normal(size=(5, 60))
    Y = (X[:1] + X[1:2] > 0).astype(float)

    def start():
        net = cr.Network([5, 7, 1], "relu", seed=4, dtype="float64", dropout=0.2)
        return cr.Trainer(
            net,
            copy.deepcopy(optimizer),
            batch_size=8,
            schedule="exponential",
            patience=50,
            clip_norm=5.0,
            checkpoint=tmp_path / "ckpt.npz",
            checkpoint_every=5,
        )

    straight = start()
    straight.fit(X, Y, 20, validation=(X[:, :10], Y[:, :10]))

    interrupted = start()
    interrupted.fit(X, Y, 12, validation=(X[:, :10], Y[:, :10]))  # checkpoints at 5 and 10
    resumed = cr.Trainer.resume(tmp_path / "ckpt.npz")
    assert resumed.epochs_done == 10
    resumed.fit(X, Y, 20 - resumed.epochs_done, validation=(X[:, :10], Y[:, :10]))

    np.testing.assert_array_equal(resumed.net.theta, straight.net.theta)
    for name, buffer in straight.optimizer.state.items():
        np.testing.assert_array_equal(resumed.optimizer.state[name], buffer)
    assert resumed.optimizer.t == straight.optimizer.t
    assert resumed.history.cost == straight.history.cost
    assert resumed.history.val_score == straight.history.val_score


def test_resume_needs_training_state(trained, tmp_path):
    cr.save(trained[0], tmp_path / "plain.npz")
    with pytest.raises(ModelFileError, match="no training state to resume from"):
        cr.Trainer.resume(tmp_path / "plain.npz")


def test_a_header_npy_declaring_two_to_the_42_bytes_is_refused_before_allocation(trained, tmp_path):
    net, _ = trained
    cr.save(net, tmp_path / "m.npz")
    forged = tmp_path / "forged.npz"
    with zipfile.ZipFile(tmp_path / "m.npz") as source, zipfile.ZipFile(forged, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "header.npy":
                buffer = io.BytesIO()
                np.lib.format.write_array_header_1_0(
                    buffer, {"descr": "|u1", "fortran_order": False, "shape": (2**42,)}
                )
                data = buffer.getvalue() + data[128:]
            target.writestr(info.filename, data)
    with pytest.raises(ModelFileError, match="malformed header"):
        read_model_file(forged)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_as_model_file_is_refused_without_opening_it(tmp_path):
    os.mkfifo(tmp_path / "m.npz")
    with pytest.raises(ModelFileError, match="not a regular file"):
        cr.load(tmp_path / "m.npz")
