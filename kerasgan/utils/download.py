"""Verified, cached, atomic downloads of weight files.

`fetch` returns a local path of a file whose sha256 (and size) have been
checked. HTTP(S) files are cached in `$KERASGAN_HOME` (default
`~/.keras/kerasgan`); a cached file is re-verified on every use and fetched
again when it no longer matches. A download streams into a hidden `.part`
file beside its target, is verified, then renamed into place, so the cache
holds a verified file or nothing, also when several processes fetch at once
(they take turns on a lock file and the later ones find the cache filled).

`keras.utils.get_file` is not used for the transfer: it has no timeout (a
stalled server hangs it), writes straight to the final path, and has no lock
between processes. This module is standard library only, so the command line
can use it without importing TensorFlow.
"""

import contextlib
import hashlib
import os
import re
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings

try:
    import fcntl
except ImportError:  # Windows: no lock, the atomic rename still keeps the cache consistent
    fcntl = None

MIRROR_ENV = "KERASGAN_MIRROR"
HOME_ENV = "KERASGAN_HOME"
_CHUNK = 1 << 16
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class DownloadError(OSError):
    """A file could not be fetched or did not verify."""


def kerasgan_home():
    """The cache root: `$KERASGAN_HOME`, or `~/.keras/kerasgan`."""
    return os.path.expanduser(os.environ.get(HOME_ENV) or os.path.join("~", ".keras", "kerasgan"))


def default_mode(directory=False):
    """The permissions a plainly created file (or folder) gets under the current umask.

    Temporary files (`tempfile.mkstemp`, `mkdtemp`) are private; files renamed
    into place from them get these permissions instead.
    """
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if directory else 0o666) & ~umask


def file_sha256(path):
    """The hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_remote(origin):
    return origin.startswith(("http://", "https://", "file://"))


def _apply_mirror(origin):
    mirror = os.environ.get(MIRROR_ENV)
    if not mirror or not _is_remote(origin):
        return origin
    name = os.path.basename(urllib.parse.urlparse(origin).path)
    if _is_remote(mirror):
        return mirror.rstrip("/") + "/" + urllib.parse.quote(name)
    return os.path.join(mirror, name)


def _local_path(origin):
    if origin.startswith("file://"):
        return urllib.request.url2pathname(urllib.parse.urlparse(origin).path)
    return origin


def _check_local(path, sha256, size):
    if not os.path.isfile(path):
        raise DownloadError(f"No such file: {path!r} (expected the file with sha256 {sha256}).")
    actual_size = os.path.getsize(path)
    if size is not None and actual_size != size:
        raise DownloadError(
            f"The file {path!r} has {actual_size} bytes; expected {size} (sha256 {sha256}). "
            "It is truncated or not the published file."
        )
    actual = file_sha256(path)
    if actual != sha256:
        raise DownloadError(
            f"The file {path!r} does not match its published sha256: expected {sha256}, "
            f"received {actual}. It is corrupt or has been tampered with."
        )
    return path


def _verifies(path, sha256, size):
    try:
        return (size is None or os.path.getsize(path) == size) and file_sha256(path) == sha256
    except OSError:
        return False


@contextlib.contextmanager
def _lock(path):
    if fcntl is None:
        yield
        return
    with open(path + ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _Progress:
    def __init__(self, enabled, name, total):
        self.enabled, self.name, self.total = enabled, name, total
        self.last = 0.0

    def update(self, done, final=False):
        now = time.monotonic()
        if not self.enabled or (not final and now - self.last < 0.2):
            return
        self.last = now
        total = f"/{self.total / 1e6:.1f}" if self.total else ""
        sys.stderr.write(f"\rDownloading {self.name}: {done / 1e6:.1f}{total} MB")
        if final:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _download(url, target, sha256, size, timeout, progress):
    """Streams `url` into a temporary file beside `target`, verifies it, renames it."""
    folder = os.path.dirname(target)
    handle, part = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".part",
                                    dir=folder)
    try:
        os.fchmod(handle, default_mode())
        digest = hashlib.sha256()
        received = 0
        with os.fdopen(handle, "wb") as out:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                header = response.headers.get("Content-Length") if hasattr(
                    response, "headers") else None
                expected = int(header) if header and header.isdigit() else size
                bar = _Progress(progress, os.path.basename(target), expected)
                while True:
                    block = response.read(_CHUNK)
                    if not block:
                        break
                    out.write(block)
                    digest.update(block)
                    received += len(block)
                    bar.update(received)
                bar.update(received, final=True)
        for label, want in (("Content-Length", expected), ("the published size", size)):
            if want is not None and received != want:
                raise DownloadError(
                    f"the body was truncated: received {received} bytes, {label} is {want}"
                )
        actual = digest.hexdigest()
        if actual != sha256:
            raise DownloadError(
                f"sha256 mismatch: expected {sha256}, received {actual} (a corrupt or "
                "tampered file)"
            )
        os.replace(part, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(part)
        raise


def fetch(origin, sha256, *, size=None, fname=None, cache_subdir="weights", cache_dir=None,
          timeout=30.0, progress=None):
    """Returns a local, sha256-verified path of `origin`, downloading it once.

    Args:
        origin: an `http(s)://` URL, a `file://` URL or a local path. With
            `$KERASGAN_MIRROR` set (a URL or a folder), URLs are redirected to
            `<mirror>/<file name>`; local paths are not.
        sha256: the file's published sha256 (64 hex digits).
        size: the file's published size in bytes, if known.
        fname: the cache file name (default: the URL's last path component).
        cache_subdir: the folder under `cache_dir` to cache into.
        cache_dir: the cache root (default `kerasgan_home()`).
        timeout: seconds to wait for the server, for the connection and for
            each read.
        progress: print progress to stderr (default: when stderr is a terminal).

    Returns:
        The path of the verified file: the local file itself for local
        origins, the cached copy for URLs.

    Raises:
        DownloadError: the file is missing, unreachable, truncated or does not
            match `sha256`; the message names the URL, the cache path and how
            to place the file by hand.

    Examples:

    >>> path = fetch("https://example.org/dcgan.weights.h5",
    ...              sha256="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
    """
    if not isinstance(sha256, str) or not _SHA256.match(sha256.lower()):
        raise ValueError(f"`sha256` must be 64 hexadecimal digits. Received: sha256={sha256!r}")
    sha256 = sha256.lower()
    origin = _apply_mirror(os.fspath(origin))
    if not origin.startswith(("http://", "https://")):
        return _check_local(_local_path(origin), sha256, size)

    name = fname or os.path.basename(urllib.parse.urlparse(origin).path)
    if not name or name in (".", ".."):
        raise ValueError(f"Cannot name a cache file after {origin!r}; pass `fname`.")
    folder = os.path.join(cache_dir or kerasgan_home(), cache_subdir)
    target = os.path.join(folder, name)
    if progress is None:
        progress = sys.stderr.isatty()
    if os.path.exists(target) and _verifies(target, sha256, size):
        return target
    os.makedirs(folder, exist_ok=True)
    with _lock(target):
        if os.path.exists(target):
            if _verifies(target, sha256, size):
                return target  # another process fetched it while we waited
            warnings.warn(
                f"The cached file {target} does not match its sha256 {sha256} (corrupt or "
                "tampered); fetching it again.",
                stacklevel=2,
            )
            os.remove(target)
        try:
            _download(origin, target, sha256, size, timeout, progress)
        except DownloadError as error:
            raise DownloadError(_message(origin, target, sha256, name, str(error))) from None
        except urllib.error.HTTPError as error:
            raise DownloadError(
                _message(origin, target, sha256, name, f"HTTP {error.code} {error.reason}")
            ) from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", None) or error
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                reason = f"no answer within {timeout} s ({reason})"
            raise DownloadError(_message(origin, target, sha256, name, str(reason))) from None
    return target


def _message(url, target, sha256, name, reason):
    return (
        f"Could not fetch {url} into {target}: {reason}. If this machine is offline, download "
        f"{url} elsewhere and copy it to {target} (sha256 {sha256}), or set {MIRROR_ENV} to a "
        f"folder or URL that holds {name}."
    )
