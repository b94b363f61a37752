"""The weight downloader against a real HTTP server on 127.0.0.1."""

import hashlib
import http.server
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from kerasgan.utils import download
from kerasgan.utils.download import DownloadError, fetch

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAYLOAD = os.urandom(200_000)
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves `server.files`; paths starting with a mode misbehave on purpose."""

    def do_GET(self):
        server = self.server
        with server.lock:
            server.requests.append(self.path)
        mode, _, name = self.path.lstrip("/").partition("/")
        if mode not in ("ok", "truncated", "stall", "slow") or name not in server.files:
            self.send_error(404, "Not Found")
            return
        body = server.files[name]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "slow":
            time.sleep(0.5)  # long enough for concurrent clients to overlap
        if mode == "truncated":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if mode == "stall":
            self.wfile.write(body[:1000])
            self.wfile.flush()
            server.release.wait(10)  # sends nothing more until the test ends
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.files = {"w.h5": PAYLOAD}
    httpd.requests = []
    httpd.lock = threading.Lock()
    httpd.release = threading.Event()
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERASGAN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KERASGAN_MIRROR", raising=False)
    return tmp_path / "home"


def _cache_files(home):
    """Every file under the cache, lock files aside."""
    found = []
    for folder, _, files in os.walk(home):
        found += [os.path.join(folder, f) for f in files if not f.endswith(".lock")]
    return found


def _assert_cache_clean(home):
    """The cache holds a verified file or nothing: no partial or unverified files."""
    for path in _cache_files(home):
        assert not path.endswith(".part"), path
        with open(path, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == SHA, path


def test_fetch_downloads_verifies_and_caches(server, home):
    path = fetch(f"{server.base}/ok/w.h5", SHA, size=len(PAYLOAD))
    assert path == str(home / "weights" / "w.h5")
    assert open(path, "rb").read() == PAYLOAD
    assert os.stat(path).st_mode & 0o777 == download.default_mode()  # not mkstemp's 0600
    assert fetch(f"{server.base}/ok/w.h5", SHA) == path
    assert server.requests == ["/ok/w.h5"]  # the second call was a cache hit
    _assert_cache_clean(home)


def test_404_names_the_url_cache_path_and_remedy(server, home):
    url = f"{server.base}/ok/missing.h5"
    with pytest.raises(DownloadError) as info:
        fetch(url, SHA)
    message = str(info.value)
    assert url in message and "HTTP 404" in message
    assert str(home / "weights" / "missing.h5") in message
    assert SHA in message and "KERASGAN_MIRROR" in message
    assert _cache_files(home) == []


def test_wrong_hash_leaves_nothing(server, home):
    wrong = "0" * 64
    with pytest.raises(DownloadError, match=f"sha256 mismatch: expected {wrong}, received {SHA}"):
        fetch(f"{server.base}/ok/w.h5", wrong)
    assert _cache_files(home) == []


def test_wrong_size_leaves_nothing(server, home):
    with pytest.raises(DownloadError, match=r"received 200000 bytes, the published size is 5"):
        fetch(f"{server.base}/ok/w.h5", SHA, size=5)
    assert _cache_files(home) == []


def test_truncated_body_leaves_nothing(server, home):
    expected = r"the body was truncated: received 100000 bytes, Content-Length is 200000"
    with pytest.raises(DownloadError, match=expected):
        fetch(f"{server.base}/truncated/w.h5", SHA)
    assert _cache_files(home) == []


def test_stalled_server_times_out(server, home):
    start = time.monotonic()
    with pytest.raises(DownloadError, match=r"no answer within 1\.0 s"):
        fetch(f"{server.base}/stall/w.h5", SHA, timeout=1.0)
    assert time.monotonic() - start < 5
    assert _cache_files(home) == []


def test_tampered_cache_file_is_fetched_again(server, home):
    path = fetch(f"{server.base}/ok/w.h5", SHA)
    with open(path, "r+b") as f:
        f.write(b"evil")
    with pytest.warns(UserWarning, match="does not match its sha256"):
        again = fetch(f"{server.base}/ok/w.h5", SHA)
    assert open(again, "rb").read() == PAYLOAD
    assert server.requests.count("/ok/w.h5") == 2
    _assert_cache_clean(home)


def test_local_path_and_file_url(tmp_path, home):
    local = tmp_path / "w.h5"
    local.write_bytes(PAYLOAD)
    assert fetch(str(local), SHA) == str(local)
    assert fetch(local.as_uri(), SHA) == str(local)
    with pytest.raises(DownloadError, match=r"No such file: .*nothing\.h5"):
        fetch(str(tmp_path / "nothing.h5"), SHA)
    with pytest.raises(DownloadError, match="does not match its published sha256"):
        fetch(str(local), "f" * 64)
    assert _cache_files(home) == []  # local files are used in place


def test_mirror_to_a_folder_and_to_a_server(server, home, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "w.h5").write_bytes(PAYLOAD)
    monkeypatch.setenv("KERASGAN_MIRROR", str(mirror))
    assert fetch("https://example.invalid/releases/w.h5", SHA) == str(mirror / "w.h5")
    monkeypatch.setenv("KERASGAN_MIRROR", f"{server.base}/ok/")
    path = fetch("https://example.invalid/releases/w.h5", SHA)
    assert open(path, "rb").read() == PAYLOAD
    assert server.requests == ["/ok/w.h5"]


def test_offline_error_says_how_to_place_the_file(home):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/w.h5"
    with pytest.raises(DownloadError) as info:
        fetch(url, SHA, timeout=2)
    message = str(info.value)
    assert url in message and "refused" in message.lower()
    assert f"copy it to {home / 'weights' / 'w.h5'} (sha256 {SHA})" in message
    assert "KERASGAN_MIRROR" in message


@pytest.mark.parametrize("bad", ["abc", "g" * 64, None])
def test_bad_sha256_argument(bad):
    with pytest.raises(ValueError, match="must be 64 hexadecimal digits. Received: sha256="):
        fetch("https://example.invalid/w.h5", bad)


def test_four_processes_fetch_the_same_file_once(server, home):
    # The module is loaded by path so the processes start in milliseconds and overlap
    # inside the server's half-second delay.
    code = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('download', sys.argv[3])\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "print(module.fetch(sys.argv[1], sys.argv[2]))\n"
    )
    env = dict(os.environ, KERASGAN_HOME=str(home))
    env.pop("KERASGAN_MIRROR", None)
    procs = [
        subprocess.Popen([sys.executable, "-c", code, f"{server.base}/slow/w.h5", SHA,
                          download.__file__],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0, err[-2000:]
        assert out.strip() == str(home / "weights" / "w.h5")
    assert server.requests == ["/slow/w.h5"]
    _assert_cache_clean(home)


def test_module_does_not_import_tensorflow():
    proc = subprocess.run(
        [sys.executable, "-c", "import sys, importlib.util, os\n"
         "spec = importlib.util.spec_from_file_location('d', sys.argv[1])\n"
         "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
         "print('tensorflow' in sys.modules, 'keras' in sys.modules)", download.__file__],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.stdout.strip() == "False False", proc.stderr
