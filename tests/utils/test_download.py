"""`kerasgan.utils.download` against a real HTTP server on 127.0.0.1 (no mocks).

The module is loaded from its file: importing it through the `kerasgan`
package would import Keras and TensorFlow, which the downloader must not need.
"""

import hashlib
import importlib.util
import io
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from tests.local_http import serve

DOWNLOAD_PY = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "kerasgan", "utils", "download.py",
)
_spec = importlib.util.spec_from_file_location("kerasgan_download_under_test", DOWNLOAD_PY)
download = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(download)
DownloadError = download.DownloadError
fetch = download.fetch

PAYLOAD = bytes(range(256)) * 781 + b"end"  # 199 939 bytes: several read blocks
SHA = hashlib.sha256(PAYLOAD).hexdigest()
OTHER_SHA = hashlib.sha256(b"another file").hexdigest()


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    (root / "w.h5").write_bytes(PAYLOAD)
    with serve(root) as httpd:
        yield httpd


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERASGAN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KERASGAN_MIRROR", raising=False)
    monkeypatch.delenv("KERASGAN_TIMEOUT", raising=False)
    return tmp_path / "home"


def _cache_files(home):
    """Every file in the cache except lock files."""
    found = []
    for folder, _, names in os.walk(home):
        found += [os.path.join(folder, n) for n in names if not n.endswith(".lock")]
    return sorted(found)


def _assert_verified_or_nothing(home):
    """The cache holds verified files or nothing: no `.part` file, nothing unverified."""
    for path in _cache_files(home):
        assert not path.endswith(".part"), path
        with open(path, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == SHA, path


def _assert_names_url_and_cache(message, url, target):
    assert url in message
    assert f"copy it to {target} (sha256 " in message
    assert "KERASGAN_MIRROR" in message


def test_download_is_verified_and_placed_in_the_cache(server, home):
    path = fetch(f"{server.base}/files/w.h5", SHA, size=len(PAYLOAD))
    assert path == str(home / "weights" / "w.h5")
    with open(path, "rb") as f:
        assert f.read() == PAYLOAD
    assert os.stat(path).st_mode & 0o777 == download.default_mode()  # the umask, not 0600
    assert server.counts == {"/files/w.h5": 1}
    assert _cache_files(home) == [path]


def test_cache_hit_makes_no_request(server, home):
    first = fetch(f"{server.base}/files/w.h5", SHA)
    second = fetch(f"{server.base}/files/w.h5", SHA, size=len(PAYLOAD))
    assert first == second
    assert server.counts["/files/w.h5"] == 1


def test_fname_cache_subdir_and_cache_dir(server, home, tmp_path):
    path = fetch(f"{server.base}/files/w.h5", SHA, fname="renamed.h5",
                 cache_subdir=os.path.join("presets", "tiny"), cache_dir=tmp_path / "other")
    assert path == str(tmp_path / "other" / "presets" / "tiny" / "renamed.h5")
    assert not home.exists()


def test_404_names_url_cache_path_and_status(server, home):
    url = f"{server.base}/files/absent.h5"
    with pytest.raises(DownloadError) as info:
        fetch(url, SHA)
    message = str(info.value)
    _assert_names_url_and_cache(message, url, home / "weights" / "absent.h5")
    assert "HTTP 404 Not Found" in message
    assert _cache_files(home) == []


def test_wrong_hash_leaves_nothing(server, home):
    url = f"{server.base}/files/w.h5"
    with pytest.raises(DownloadError) as info:
        fetch(url, OTHER_SHA)
    message = str(info.value)
    _assert_names_url_and_cache(message, url, home / "weights" / "w.h5")
    assert f"sha256 mismatch: expected {OTHER_SHA}, received {SHA}" in message
    assert _cache_files(home) == []


def test_wrong_size_leaves_nothing(server, home):
    url = f"{server.base}/files/w.h5"
    with pytest.raises(DownloadError) as info:
        fetch(url, SHA, size=5)
    message = str(info.value)
    _assert_names_url_and_cache(message, url, home / "weights" / "w.h5")
    assert f"announces {len(PAYLOAD)} bytes (Content-Length), but the published size is 5" in (
        message
    )
    assert _cache_files(home) == []


def test_truncated_body_is_detected_by_content_length(server, home):
    url = f"{server.base}/truncated/w.h5"
    with pytest.raises(DownloadError) as info:
        fetch(url, SHA)
    message = str(info.value)
    _assert_names_url_and_cache(message, url, home / "weights" / "w.h5")
    half = len(PAYLOAD) // 2
    assert f"truncated: the connection closed after {half} of {len(PAYLOAD)} bytes" in message
    assert _cache_files(home) == []


def test_truncated_body_without_content_length_is_detected_by_size(server, home):
    url = f"{server.base}/nolength/w.h5"
    with pytest.raises(DownloadError) as info:
        fetch(url, SHA, size=len(PAYLOAD))
    half = len(PAYLOAD) // 2
    assert f"received {half} bytes, but the published size is {len(PAYLOAD)}" in str(info.value)
    with pytest.raises(DownloadError, match="sha256 mismatch"):  # no size: the hash catches it
        fetch(url, SHA)
    assert _cache_files(home) == []


@pytest.mark.parametrize(
    "mode, reason",
    [("stall", "the server sent nothing for 1 s after 1000 bytes"),
     ("hang", "the server sent nothing for 1 s")],
)
def test_stalled_server_times_out(server, home, mode, reason):
    url = f"{server.base}/{mode}/w.h5"
    start = time.monotonic()
    with pytest.raises(DownloadError) as info:
        fetch(url, SHA, timeout=1.0)
    assert time.monotonic() - start < 5
    message = str(info.value)
    _assert_names_url_and_cache(message, url, home / "weights" / "w.h5")
    assert f"timed out: {reason}" in message
    assert _cache_files(home) == []


def test_tampered_cache_file_warns_and_is_fetched_again(server, home):
    url = f"{server.base}/files/w.h5"
    path = fetch(url, SHA)
    with open(path, "r+b") as f:
        f.write(b"evil")
    with pytest.warns(UserWarning, match=r"w\.h5 does not match its published sha256"):
        again = fetch(url, SHA)
    assert again == path
    with open(again, "rb") as f:
        assert f.read() == PAYLOAD
    assert server.counts[url.removeprefix(server.base)] == 2
    _assert_verified_or_nothing(home)


def test_tampered_cache_file_is_dropped_when_the_refetch_fails(server, home):
    target = home / "weights" / "w.h5"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"partial")
    with pytest.warns(UserWarning, match="does not match"):
        with pytest.raises(DownloadError, match="HTTP 404"):
            fetch(f"{server.base}/gone/w.h5", SHA)
    assert _cache_files(home) == []


def test_file_url_and_local_paths_are_verified_in_place(tmp_path, home, monkeypatch):
    local = tmp_path / "w.h5"
    local.write_bytes(PAYLOAD)
    assert fetch(str(local), SHA, size=len(PAYLOAD)) == str(local)
    assert fetch(local, SHA) == str(local)
    assert fetch(local.as_uri(), SHA) == str(local)
    monkeypatch.chdir(tmp_path)
    assert fetch("w.h5", SHA) == str(local)  # relative to the working folder
    assert _cache_files(home) == []  # nothing copied


def test_local_file_errors_name_the_path(tmp_path, home):
    missing = tmp_path / "nothing.h5"
    with pytest.raises(DownloadError, match=r"No such file: '.*nothing\.h5'"):
        fetch(str(missing), SHA)
    with pytest.raises(DownloadError, match=r"No such file: '.*nothing\.h5'"):
        fetch(missing.as_uri(), SHA)
    local = tmp_path / "w.h5"
    local.write_bytes(PAYLOAD)
    with pytest.raises(DownloadError) as info:
        fetch(str(local), OTHER_SHA)
    assert f"{str(local)!r} does not match its published sha256: expected {OTHER_SHA}, " \
           f"actual {SHA}" in str(info.value)
    with pytest.raises(DownloadError, match=rf"has {len(PAYLOAD)} bytes .* has 7 "):
        fetch(str(local), SHA, size=7)


def test_mirror_folder(tmp_path, home, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "w.h5").write_bytes(PAYLOAD)
    monkeypatch.setenv("KERASGAN_MIRROR", str(mirror))
    assert fetch("https://weights.invalid/releases/w.h5", SHA) == str(mirror / "w.h5")
    assert fetch("file:///releases/w.h5", SHA) == str(mirror / "w.h5")
    with pytest.raises(DownloadError) as info:
        fetch("https://weights.invalid/releases/other.h5", SHA)
    message = str(info.value)
    assert f"No such file: {str(mirror / 'other.h5')!r}" in message
    assert "the KERASGAN_MIRROR copy of https://weights.invalid/releases/other.h5" in message
    local = tmp_path / "local.h5"  # local paths are not redirected
    local.write_bytes(PAYLOAD)
    assert fetch(str(local), SHA) == str(local)
    assert _cache_files(home) == []


def test_mirror_server(server, home, monkeypatch):
    monkeypatch.setenv("KERASGAN_MIRROR", f"{server.base}/files/")
    path = fetch("https://weights.invalid/releases/w.h5", SHA)
    assert path == str(home / "weights" / "w.h5")
    with open(path, "rb") as f:
        assert f.read() == PAYLOAD
    assert server.counts == {"/files/w.h5": 1}
    with pytest.raises(DownloadError) as info:
        fetch("https://weights.invalid/releases/nope.h5", SHA)
    message = str(info.value)
    assert f"{server.base}/files/nope.h5" in message
    assert "copy of https://weights.invalid/releases/nope.h5" in message
    assert "HTTP 404" in message
    _assert_verified_or_nothing(home)


def test_connection_refused_gives_the_offline_instructions(home):
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/releases/w.h5"
    with pytest.raises(DownloadError) as info:
        fetch(url, SHA, timeout=2)
    message = str(info.value)
    target = home / "weights" / "w.h5"
    assert f"Could not download {url} to {target}: connection refused" in message
    assert (
        f"If this machine is offline, download {url} elsewhere and copy it to {target} "
        f"(sha256 {SHA}), or set KERASGAN_MIRROR to a folder or URL that holds w.h5."
    ) in message
    assert _cache_files(home) == []


def test_unknown_host_names_url_and_cache(home):
    url = "http://weights.invalid/w.h5"  # .invalid never resolves (RFC 6761)
    with pytest.raises(DownloadError) as info:
        fetch(url, SHA, timeout=2)
    _assert_names_url_and_cache(str(info.value), url, home / "weights" / "w.h5")
    assert _cache_files(home) == []


@pytest.mark.parametrize("bad", ["abc", "g" * 64, SHA + "0", " " + SHA[1:], None, 12])
def test_bad_sha256_argument_is_quoted(bad, home):
    with pytest.raises(DownloadError, match=r"64 hexadecimal digits\. Received: sha256=") as info:
        fetch("https://weights.invalid/w.h5", bad)
    assert isinstance(info.value, ValueError)
    assert repr(bad) in str(info.value)


@pytest.mark.parametrize(
    "kwargs, quoted",
    [({"size": -1}, "size=-1"), ({"size": "12"}, "size='12'"), ({"timeout": 0}, "timeout=0"),
     ({"timeout": float("inf")}, "timeout=inf"), ({"deadline": 0}, "deadline=0"),
     ({"deadline": "5"}, "deadline='5'"), ({"fname": "../escape.h5"}, "fname='../escape.h5'"),
     ({"fname": ".hidden.h5"}, "fname='.hidden.h5'"), ({"fname": "a b.h5"}, "fname='a b.h5'")],
)
def test_bad_arguments_are_quoted(kwargs, quoted, home):
    with pytest.raises(ValueError, match=f"Received: {quoted}"):
        fetch("https://weights.invalid/w.h5", SHA, **kwargs)


def test_uppercase_sha256_is_accepted(tmp_path, home):
    local = tmp_path / "w.h5"
    local.write_bytes(PAYLOAD)
    assert fetch(str(local), SHA.upper()) == str(local)


class _Terminal(io.StringIO):
    """A stdout that says it is a terminal (what the default `progress=None` looks at)."""

    def isatty(self):
        return True


def test_progress_bar_is_a_keras_progbar_on_stdout(server, home, capsys):
    url = f"{server.base}/files/w.h5"
    fetch(url, SHA, progress=True)
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out.startswith(f"Downloading w.h5 from {url}\n")
    # Progbar's final line: the byte count against the total, then a newline.
    assert f"{len(PAYLOAD)}/{len(PAYLOAD)}" in captured.out
    assert captured.out.endswith("\n") and "B\n" in captured.out  # the unit is bytes
    fetch(url, SHA, fname="quiet.h5")  # stdout is no terminal here: no bar
    assert capsys.readouterr() == ("", "")


def test_progress_bar_shows_by_default_on_a_terminal(server, home, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    fetch(f"{server.base}/files/w.h5", SHA)
    text = terminal.getvalue()
    assert text.startswith("Downloading w.h5 from ")
    assert f"{len(PAYLOAD)}/{len(PAYLOAD)}" in text


def _part_files(folder):
    return sorted(n for n in os.listdir(folder) if n.endswith(".part"))


def test_stale_part_with_a_free_lock_is_removed_and_never_trusted(server, home):
    folder = home / "weights"
    folder.mkdir(parents=True)
    # What a process killed mid-transfer leaves: one .part holding the whole (correct) body,
    # one holding a prefix. Neither is resumed or renamed into place.
    (folder / ".w.h5.4242-0badf00d.part").write_bytes(PAYLOAD)
    (folder / ".w.h5.4243-deadbeef.part").write_bytes(PAYLOAD[:1000])
    (folder / ".w2.h5.4244-feedface.part").write_bytes(b"another target's")
    path = fetch(f"{server.base}/files/w.h5", SHA)
    assert path == str(folder / "w.h5")
    with open(path, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == SHA
    assert server.counts == {"/files/w.h5": 1}  # downloaded afresh
    assert _part_files(folder) == [".w2.h5.4244-feedface.part"]  # other targets' are left


@pytest.mark.skipif(download.fcntl is None, reason="no flock on this platform")
@pytest.mark.parametrize("holder", ["finishes", "is killed"])
def test_part_whose_lock_is_held_is_left_alone(server, home, holder):
    import fcntl

    folder = home / "weights"
    folder.mkdir(parents=True)
    part = folder / ".w.h5.777-00c0ffee.part"
    results, errors = [], []

    def worker():
        try:
            results.append(fetch(f"{server.base}/files/w.h5", SHA, timeout=10))
        except Exception as error:  # reported below
            errors.append(error)

    # This test plays another process downloading w.h5: it holds the lock (a separate open
    # file, so flock makes the fetch below wait even in this process) and writes a .part.
    with open(folder / "w.h5.lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        part.write_bytes(PAYLOAD)
        thread = threading.Thread(target=worker)
        thread.start()
        time.sleep(0.6)
        assert thread.is_alive()  # waiting for the lock
        assert part.read_bytes() == PAYLOAD  # the holder's .part is untouched
        assert server.counts == {}
        if holder == "finishes":
            os.replace(part, folder / "w.h5")
    thread.join(20)
    assert not thread.is_alive() and errors == []
    assert results == [str(folder / "w.h5")]
    with open(folder / "w.h5", "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == SHA
    assert _part_files(folder) == []
    # A finished holder's file is used as it is; a killed holder's .part is removed and the
    # file downloaded afresh.
    assert server.counts == ({} if holder == "finishes" else {"/files/w.h5": 1})


def test_dripping_server_fails_at_the_deadline(server, home):
    url = f"{server.base}/drip/w.h5"  # 64 bytes every 0.2 s: each read arrives in time
    start = time.monotonic()
    with pytest.raises(DownloadError) as info:
        fetch(url, SHA, size=len(PAYLOAD), deadline=1.5)
    elapsed = time.monotonic() - start
    assert 1.5 <= elapsed < 3.0, elapsed
    message = str(info.value)
    _assert_names_url_and_cache(message, url, home / "weights" / "w.h5")
    assert "the transfer did not finish within its deadline of 1.5 s (" in message
    assert f" of {len(PAYLOAD)} bytes arrived in " in message
    assert _part_files(home / "weights") == []
    assert _cache_files(home) == []


def test_default_deadline_allows_50_kib_per_second_and_at_least_a_minute():
    assert download._default_deadline(None) == 600.0
    assert download._default_deadline(0) == 60.0
    assert download._default_deadline(1 << 20) == 60.0
    assert download._default_deadline(100 * 2**20) == 2048.0  # 100 MiB / 50 KiB/s


def test_kerasgan_timeout_sets_the_default_timeout(server, home, monkeypatch):
    monkeypatch.setenv("KERASGAN_TIMEOUT", "0.5")
    url = f"{server.base}/hang/w.h5"
    start = time.monotonic()
    with pytest.raises(DownloadError) as info:
        fetch(url, SHA)
    assert time.monotonic() - start < 3
    assert "timed out: the server sent nothing for 0.5 s (the network timeout; set it with " \
           "`timeout=` or KERASGAN_TIMEOUT)" in str(info.value)
    assert download.network_timeout(2) == 2.0  # an explicit timeout wins
    monkeypatch.setenv("KERASGAN_TIMEOUT", "soon")
    with pytest.raises(ValueError, match=r"Received: KERASGAN_TIMEOUT='soon'"):
        fetch(url, SHA)
    monkeypatch.setenv("KERASGAN_TIMEOUT", "")
    assert download.network_timeout() == 30.0


def _tree(root):
    """Every file and link under `root` with its content (links: their target)."""
    found = {}
    for folder, dirs, names in os.walk(root):
        for name in names + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                found[rel] = "-> " + os.readlink(path)
            else:
                with open(path, "rb") as f:
                    found[rel] = hashlib.sha256(f.read()).hexdigest()
    return found


@pytest.mark.parametrize("subdir", ["../victim", "../../escaped", "{victim}", "presets/link"])
def test_cache_subdir_cannot_leave_the_cache(server, home, tmp_path, subdir):
    area = tmp_path / "area"  # holds the cache and, beside it, a victim folder
    cache, victim = area / "cache", area / "victim"
    victim.mkdir(parents=True)
    (victim / "keep.txt").write_text("mine")
    (cache / "presets").mkdir(parents=True)
    os.symlink(victim, cache / "presets" / "link")  # a link inside the cache pointing out
    subdir = subdir.format(victim=victim)
    before = _tree(tmp_path)
    with pytest.raises(ValueError) as info:
        fetch(f"{server.base}/files/w.h5", SHA, cache_subdir=subdir, cache_dir=cache)
    message = str(info.value)
    assert f"Received: cache_subdir={subdir!r}" in message
    assert f"lies outside {str(cache)!r}" in message
    assert _tree(tmp_path) == before  # nothing written anywhere, not even in the cache
    assert server.counts == {}


def test_mirror_folder_lookups_stay_in_the_mirror(tmp_path, home, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (tmp_path / "w.h5").write_bytes(PAYLOAD)  # beside the mirror, not in it
    monkeypatch.setenv("KERASGAN_MIRROR", str(mirror))
    with pytest.raises(ValueError) as info:
        fetch("https://weights.invalid/releases/..%2Fw.h5", SHA)
    assert "Received: name='../w.h5'" in str(info.value)
    assert "file name of https://weights.invalid/releases/..%2Fw.h5 to look up in the mirror " \
           f"folder {mirror}" in str(info.value)


def test_url_file_names_that_are_not_plain_are_refused(server, home):
    for url, quoted in [(f"{server.base}/files/..%2F..%2Fescaped.h5", "'../../escaped.h5'"),
                        (f"{server.base}/files/.w.h5", "'.w.h5'"),
                        (f"{server.base}/files/w%20x.h5", "'w x.h5'")]:
        with pytest.raises(ValueError) as info:
            fetch(url, SHA)
        assert f"cache file name taken from the URL {url} (pass `fname` to name it)" in (
            str(info.value))
        assert f"Received: fname={quoted}" in str(info.value)
    assert server.counts == {}
    assert not home.exists()


def test_kerasgan_home(monkeypatch, tmp_path):
    monkeypatch.setenv("KERASGAN_HOME", str(tmp_path / "h"))
    assert download.kerasgan_home() == str(tmp_path / "h")
    monkeypatch.delenv("KERASGAN_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert download.kerasgan_home() == str(tmp_path / "user" / ".keras" / "kerasgan")


_CHILD = """\
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("kerasgan_download", sys.argv[1])
download = importlib.util.module_from_spec(spec)
spec.loader.exec_module(download)
print("ready", flush=True)
sys.stdin.readline()
start = time.monotonic()
path = download.fetch(sys.argv[2], sys.argv[3], timeout=10)
print(path, time.monotonic() - start, flush=True)
"""


def test_four_processes_fetching_at_once_download_once(server, home):
    url = f"{server.base}/slow/w.h5"  # the server waits 0.5 s before answering
    env = dict(os.environ, KERASGAN_HOME=str(home))
    env.pop("KERASGAN_MIRROR", None)
    children = [
        subprocess.Popen([sys.executable, "-c", _CHILD, DOWNLOAD_PY, url, SHA], env=env,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for _ in range(4)
    ]
    try:
        for child in children:  # every process is loaded before any starts fetching
            assert child.stdout.readline() == "ready\n", child.stderr.read()
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        outputs = [child.communicate(timeout=60) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    waited = []
    for child, (out, err) in zip(children, outputs):
        assert child.returncode == 0, err
        path, seconds = out.split()
        assert path == str(home / "weights" / "w.h5")
        waited.append(float(seconds))
    assert server.counts == {"/slow/w.h5": 1}
    # Besides the downloader, at least one process waited on the lock (it did not
    # simply start after the file was in place).
    assert sum(s > 0.25 for s in waited) >= 2, waited
    _assert_verified_or_nothing(home)


def test_without_fcntl_concurrent_fetches_still_leave_a_verified_file(server, home, monkeypatch):
    monkeypatch.setattr(download, "fcntl", None)
    server.delay = 0.2
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker():
        barrier.wait()
        try:
            results.append(fetch(f"{server.base}/slow/w.h5", SHA))
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert results == [str(home / "weights" / "w.h5")] * 4
    assert 1 <= server.counts["/slow/w.h5"] <= 4
    _assert_verified_or_nothing(home)
    assert _cache_files(home) == [str(home / "weights" / "w.h5")]


def test_module_imports_only_the_standard_library():
    code = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('d', sys.argv[1])\n"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'numpy') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, DOWNLOAD_PY],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_read_url_has_the_deadline_and_a_size_cap(server, home):
    url = f"{server.base}/files/w.h5"
    assert download.read_url(url) == PAYLOAD
    with pytest.raises(DownloadError) as info:
        download.read_url(url, limit=1000, what="the card")
    assert str(info.value) == (
        f"Could not read the card {url}: the server announces {len(PAYLOAD)} bytes "
        "(Content-Length), more than the 1000 this file may have."
    )
    drip = f"{server.base}/drip/w.h5"
    start = time.monotonic()
    with pytest.raises(DownloadError) as info:
        download.read_url(drip, deadline=1.0, hint="Try again later.")
    assert time.monotonic() - start < 3
    assert str(info.value).startswith(
        f"Could not read the file {drip}: the transfer did not finish within its deadline of 1 s")
    assert str(info.value).endswith("Try again later.")
    with pytest.raises(DownloadError, match=r"w\.h5: the server answered HTTP 404 Not Found\.$"):
        download.read_url(f"{server.base}/nothing/w.h5", hint="Not for HTTP errors.")
    assert not home.exists()  # nothing cached
