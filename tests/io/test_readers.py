"""The data file readers, on small files the tests make."""

import gzip
import struct

import numpy as np
import pytest

from chainrule.errors import DataError
from chainrule.io.readers import read_csv, read_idx, read_npz, read_table


def write(path, text):
    path.write_text(text)
    return path


def test_csv_numeric_and_string_targets(tmp_path):
    table = read_csv(write(tmp_path / "a.csv", "x1,x2,y\n1,2,3.5\n4,5,6\n"))
    np.testing.assert_array_equal(table.X, [[1, 2], [4, 5]])
    np.testing.assert_array_equal(table.y, [3.5, 6])
    assert table.feature_names == ["x1", "x2"] and table.target_name == "y"
    named = read_csv(write(tmp_path / "b.csv", "kind,x\ncat,1\ndog,2\n"), target="kind")
    assert named.y.tolist() == ["cat", "dog"] and named.X.tolist() == [[1], [2]]


def test_csv_gzip_and_features_only(tmp_path):
    path = tmp_path / "c.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("a,b\n1,2\n")
    table = read_table(path, target="label", require_target=False)
    assert table.X.tolist() == [[1, 2]] and table.y.size == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("a,y\n", "has a header but no data rows"),
        ("a,a,y\n1,2,3\n", "repeats a column name"),
        ("a,y\n1,nan\n", "line 2: value is not finite"),
        ("a,y\ninf,1\n", "column 'a', line 2: 'inf' is not finite"),
        ("a,y\n1,\n", "column 'y', line 2: missing value"),
    ],
)
def test_csv_errors(tmp_path, text, message):
    with pytest.raises(DataError, match=message):
        read_csv(write(tmp_path / "bad.csv", text))


def test_binary_file_is_not_a_csv(tmp_path):
    path = tmp_path / "bin.csv"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataError, match="not a text CSV file"):
        read_csv(path)


def test_npz_reader(tmp_path):
    np.savez(tmp_path / "ok.npz", X=np.ones((3, 2)), y=np.arange(3))
    assert read_npz(tmp_path / "ok.npz").X.shape == (3, 2)
    np.savez(tmp_path / "no_y.npz", X=np.ones((3, 2)))
    with pytest.raises(DataError, match="missing y"):
        read_npz(tmp_path / "no_y.npz")
    np.savez(tmp_path / "bad.npz", X=np.ones(3), y=np.ones(3))
    with pytest.raises(DataError, match="'X' must be 2-D"):
        read_npz(tmp_path / "bad.npz")
    np.savez(tmp_path / "objects.npz", X=np.array([[{"a": 1}]], dtype=object), y=np.ones(1))
    with pytest.raises(DataError, match="cannot read as NPZ"):
        read_npz(tmp_path / "objects.npz")


def test_idx_reader_checks_the_header_against_the_data(tmp_path):
    good = struct.pack(">BBBBII", 0, 0, 8, 2, 2, 3) + bytes(range(6))
    (tmp_path / "ok-idx2").write_bytes(good)
    np.testing.assert_array_equal(read_idx(tmp_path / "ok-idx2"), np.arange(6).reshape(2, 3))
    (tmp_path / "short-idx2").write_bytes(good[:-1])
    with pytest.raises(DataError, match="promises 6 bytes of data for shape \\(2, 3\\)"):
        read_idx(tmp_path / "short-idx2")
    (tmp_path / "magic-idx2").write_bytes(b"\x01\x02" + good[2:])
    with pytest.raises(DataError, match="bad magic number"):
        read_idx(tmp_path / "magic-idx2")
    with gzip.open(tmp_path / "ok-idx2.gz", "wb") as handle:
        handle.write(good)
    assert read_idx(tmp_path / "ok-idx2.gz").shape == (2, 3)


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(DataError, match="unknown data format"):
        read_table(write(tmp_path / "data.json", "{}"))
    with pytest.raises(DataError, match="no such file"):
        read_table(tmp_path / "absent.csv")


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_reads_only_the_selected_rows(tmp_path, suffix):
    images = np.arange(5 * 2 * 3, dtype=np.uint8).reshape(5, 2, 3)
    labels = np.arange(5, dtype=np.uint8)
    opener = gzip.open if suffix else open
    for name, array in (("train-images-idx3-ubyte", images), ("train-labels-idx1-ubyte", labels)):
        header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
        with opener(tmp_path / (name + suffix), "wb") as handle:
            handle.write(header + array.tobytes())
    images_path = tmp_path / ("train-images-idx3-ubyte" + suffix)
    table = read_table(images_path, select=lambda m: range(1, 3))
    assert table.total == 5 and table.rows == range(1, 3)
    np.testing.assert_array_equal(table.X, images[1:3].reshape(2, 6))
    np.testing.assert_array_equal(table.y, labels[1:3])
    whole = read_table(images_path)
    np.testing.assert_array_equal(whole.X, images.reshape(5, 6))
