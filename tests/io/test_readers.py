"""The data file readers, on small files the tests make."""

import csv
import gzip
import io
import os
import struct
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


def npy_header(shape, descr="<f8"):
    """The bytes of a ``.npy`` header that declares ``shape``, with no data after it."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    return buffer.getvalue()


def test_an_npz_whose_x_declares_more_than_the_file_holds_is_refused(tmp_path):
    path = tmp_path / "tiny.npz"
    with zipfile.ZipFile(path, "w") as archive:  # a few hundred bytes claiming 72.8 TiB
        archive.writestr("X.npy", npy_header((10**7, 10**6)))
        archive.writestr("y.npy", npy_header((10**7,)))
    assert path.stat().st_size < 1000
    with pytest.raises(DataError, match=r"'X' declares shape \(10000000, 1000000\).*72.8 TiB"):
        read_table(path)
    with pytest.raises(DataError, match="cannot hold it"):
        read_table(path, select=lambda m: range(0, 1))


def test_a_compressed_npz_is_bounded_by_deflate_s_largest_ratio(tmp_path):
    path = tmp_path / "zip.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("X.npy", npy_header((2**20, 2**20)))
    with pytest.raises(DataError, match="cannot hold it"):
        read_npz(path, require_target=False)
    np.savez_compressed(tmp_path / "zeros.npz", X=np.zeros((300, 300)), y=np.zeros(300))
    assert read_npz(tmp_path / "zeros.npz").X.shape == (300, 300)  # 700:1, honest


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_an_idx_header_claiming_two_to_the_31_images_is_refused(tmp_path, suffix):
    path = tmp_path / ("huge-images-idx3-ubyte" + suffix)
    header = struct.pack(">BBBBIII", 0, 0, 8, 3, 2**31, 65536, 65536)
    opener = gzip.open if suffix else open
    with opener(path, "wb") as handle:
        handle.write(header + bytes(100))
    with pytest.raises(DataError, match=r"huge-images.*(promises|would need)"):
        read_idx(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)  # opening it to read would block until someone writes
    with pytest.raises(DataError, match="not a regular file"):
        read_table(fifo)


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_name(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b,y\n1,2,0\n3,4,1\n")
    table = read_csv(path, target="a")
    assert table.target_name == "a" and table.feature_names == ["b", "y"]
    assert read_csv(path).feature_names == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.5,2,0\n3,4,1\n", r"first row \(1.5, 2, 0\) holds only numbers: the file has no header"),
        (",a,y\n0,1,0\n1,2,1\n", "column 1 has no name in the header row .*index=False"),
        ("a,,y\n0,1,0\n", "column 2 has no name"),
    ],
)
def test_a_header_that_is_not_one_is_refused(tmp_path, text, message):
    with pytest.raises(DataError, match=message):
        read_csv(write(tmp_path / "h.csv", text))


def test_line_numbers_count_the_blank_lines(tmp_path):
    path = write(tmp_path / "gaps.csv", "a,y\n\n1,0\n\n\n2,1\nx,0\n")
    with pytest.raises(DataError, match="column 'a', line 7: 'x' is not a number"):
        read_csv(path)
    ragged = write(tmp_path / "ragged.csv", "a,y\n\n1,0\n\n1,2,3\n")
    with pytest.raises(DataError, match="line 5 has 3 fields"):
        read_csv(ragged)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            st.floats(-1e6, 1e6, allow_nan=False),
            st.floats(-1e6, 1e6, allow_nan=False),
            st.sampled_from(["cat", "dog", "a, b", 'say "hi"']),
        ),
        min_size=1,
        max_size=6,
    ),
    bom=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
    blank_after=st.sets(st.integers(0, 6)),
    quote_all=st.booleans(),
    final_newline=st.booleans(),
)
def test_csv_dialect_variations_read_the_same_table(
    tmp_path, rows, bom, newline, blank_after, quote_all, final_newline
):
    """A BOM, CRLF line ends, blank lines, quoted cells and a missing final newline change
    nothing: the same names, features and labels come back."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, lineterminator=newline, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    )
    lines = []
    for cells in [("x1", "x2", "kind"), *[(repr(a), repr(b), k) for a, b, k in rows]]:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        lines.append(buffer.getvalue())
    text = ""
    for index, line in enumerate(lines):
        text += line + (newline if index in blank_after else "")
    if not final_newline:
        text = text.removesuffix(newline)
    path = tmp_path / "dialect.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    table = read_csv(path)
    assert table.feature_names == ["x1", "x2"] and table.target_name == "kind"
    np.testing.assert_array_equal(table.X, [[a, b] for a, b, _ in rows])
    assert table.y.tolist() == [k for _, _, k in rows]
