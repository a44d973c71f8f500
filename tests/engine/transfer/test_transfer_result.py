"""Both results share :class:`TransferResult`: a front end reads either without trying field names."""

from __future__ import annotations

from rfsync_core.transfer.download import DownloadResult
from rfsync_core.transfer.result import TransferResult
from rfsync_core.transfer.upload import UploadResult


def test_both_results_read_the_same_way() -> None:
    up = UploadResult(uploaded=["/a", "/b"], skipped=["/c"], failed=[("/d", "/d: gone")], bytes_sent=10)
    down = DownloadResult(downloaded=["output/x"], bytes_received=7, cancelled=True)
    for result, counts, moved in ((up, (2, 1, 1), 10), (down, (1, 0, 0), 7)):
        assert isinstance(result, TransferResult)
        assert result.counts == counts and result.bytes_moved == moved and not result.ok
    assert up.done is up.uploaded and down.done is down.downloaded


def test_merge_adds_files_failures_and_bytes() -> None:
    total = UploadResult(uploaded=["/a"], bytes_sent=1, parts_sent=1, keys={"/a": "input/a"}, duration=2.0)
    total.merge(UploadResult(uploaded=["/b"], skipped=["/c"], failed=[("/d", "x")], bytes_sent=2, parts_reused=3,
                             keys={"/b": "input/b"}, cancelled=True, duration=5.0))
    assert (total.uploaded, total.skipped, total.failed) == (["/a", "/b"], ["/c"], [("/d", "x")])
    assert (total.bytes_sent, total.parts_sent, total.parts_reused) == (3, 1, 3)
    assert total.keys == {"/a": "input/a", "/b": "input/b"} and total.cancelled and total.duration == 2.0

    down = DownloadResult(downloaded=["k1"], bytes_received=4, local_files={"k1": "/l/k1"})
    down.merge(DownloadResult(downloaded=["k2"], failed_frames=[("1", "2", "failed")], bytes_received=5,
                              local_files={"k2": "/l/k2"}))
    assert down.downloaded == ["k1", "k2"] and down.bytes_received == 9
    assert down.failed_frames == [("1", "2", "failed")] and down.local_files == {"k1": "/l/k1", "k2": "/l/k2"}
