"""`kerasgan.utils.download` against a real HTTP server on 127.0.0.1 (no mocks).

The module is loaded from its file: importing it through the `kerasgan`
package would import Keras and TensorFlow, which the downloader must not need.
"""

import collections
import hashlib
import http.server
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

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
MODES = ("files", "slow", "truncated", "nolength", "stall", "hang")


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves the files of `server.root` under `/<mode>/<name>`; most modes misbehave.

    files: plain 200. slow: waits `server.delay` before answering. truncated:
    announces the full Content-Length, sends half, closes. nolength: no
    Content-Length, half the body, closes. stall: headers and 1000 bytes, then
    silence. hang: silence before the headers. Anything else: 404.
    """

    def do_GET(self):
        server = self.server
        with server.lock:
            server.counts[self.path] += 1
        mode, _, name = self.path.lstrip("/").partition("/")
        path = os.path.join(server.root, name)
        if mode not in MODES or "/" in name or not os.path.isfile(path):
            self.send_error(404, "Not Found")
            return
        with open(path, "rb") as f:
            body = f.read()
        if mode == "hang":
            server.release.wait(10)
            return
        if mode == "slow":
            time.sleep(server.delay)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if mode != "nolength":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode in ("truncated", "nolength"):
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
        elif mode == "stall":
            self.wfile.write(body[:1000])
            self.wfile.flush()
            server.release.wait(10)  # nothing more until the test ends
        else:
            self.wfile.write(body)

    def log_message(self, *args):
        """Keeps the server's request log out of the test output."""


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    (root / "w.h5").write_bytes(PAYLOAD)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.root = str(root)
    httpd.counts = collections.Counter()
    httpd.lock = threading.Lock()
    httpd.release = threading.Event()
    httpd.delay = 0.5
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERASGAN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KERASGAN_MIRROR", raising=False)
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
     ({"fname": "../escape.h5"}, "fname='../escape.h5'")],
)
def test_bad_arguments_are_quoted(kwargs, quoted, home):
    with pytest.raises(ValueError, match=f"Received: {quoted}"):
        fetch("https://weights.invalid/w.h5", SHA, **kwargs)


def test_uppercase_sha256_is_accepted(tmp_path, home):
    local = tmp_path / "w.h5"
    local.write_bytes(PAYLOAD)
    assert fetch(str(local), SHA.upper()) == str(local)


def test_progress_line(server, home, capsys):
    fetch(f"{server.base}/files/w.h5", SHA, progress=True)
    assert f"Downloading w.h5: {len(PAYLOAD)}/{len(PAYLOAD)} bytes (100%)\n" in (
        capsys.readouterr().err
    )
    fetch(f"{server.base}/files/w.h5", SHA, fname="quiet.h5")  # stderr is no terminal here
    assert capsys.readouterr().err == ""


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
