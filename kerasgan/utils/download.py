"""Verified, cached, atomic downloads of zoo weight files.

`fetch` hands back the local path of a file whose sha256 (and size, when
known) has been checked. Files behind `http(s)://` URLs are cached under
`$KERASGAN_HOME` (default `~/.keras/kerasgan`) and re-verified on every use;
a cached file that no longer matches is fetched again. A download streams
into a hidden `.part` file beside its target, is hashed while it streams, and
is renamed into place only once verified, so the cache holds a verified file
or nothing. Processes fetching the same file take turns on a lock file, and
the later ones find the cache already filled.

`keras.utils.get_file` is not used for the transfer: it has no timeout (a
stalled server hangs it forever), writes straight into the final cache path
(a reader can see a partial file, and a file failing its hash is left there),
and takes no lock between processes; it does detect a short body, but only
against `Content-Length`. This module is standard library only, so the
command line can use it without importing TensorFlow or Keras.
"""

import contextlib
import hashlib
import http.client
import os
import posixpath
import re
import secrets
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings

try:
    import fcntl
except ImportError:  # Windows: no lock; the atomic rename still keeps the cache consistent.
    fcntl = None

HOME_ENV = "KERASGAN_HOME"
MIRROR_ENV = "KERASGAN_MIRROR"

_HTTP_SCHEMES = ("http", "https")
_URL_SCHEMES = _HTTP_SCHEMES + ("file",)
_SHA256_PATTERN = re.compile(r"[0-9a-fA-F]{64}")
_BLOCK_SIZE = 1 << 16


class DownloadError(OSError):
    """A file could not be fetched, or it did not match its published sha256.

    The message names the URL or path, the cache path, what went wrong and,
    for downloads, how to place the file by hand.
    """


class DownloadArgumentError(DownloadError, ValueError):
    """An argument of `fetch` is invalid (also a `ValueError`)."""


def kerasgan_home():
    """The root folder of the kerasgan cache.

    `$KERASGAN_HOME` when set (and not empty), else `~/.keras/kerasgan`; a
    leading `~` is expanded.

    Returns:
        The folder path as a string. It is not created.

    Examples:

    >>> import os
    >>> os.environ["KERASGAN_HOME"] = "/tmp/kerasgan-cache"
    >>> kerasgan_home()
    '/tmp/kerasgan-cache'
    """
    root = os.environ.get(HOME_ENV) or os.path.join("~", ".keras", "kerasgan")
    return os.path.expanduser(root)


def default_mode(directory=False):
    """The permission bits a plainly created file (or folder) gets under the umask.

    Files written through a private temporary name (`tempfile.mkstemp`,
    `mkdtemp`) should be given these before they are moved into place.

    Args:
        directory: bool. Whether to return the mode of a folder (`0o777` minus
            the umask) rather than of a file (`0o666` minus the umask).

    Returns:
        An int such as `0o644`.

    Examples:

    >>> oct(default_mode())  # with the common umask 022
    '0o644'
    """
    umask = _current_umask()
    return (0o777 if directory else 0o666) & ~umask


def _current_umask():
    # Linux reports the umask without changing it; elsewhere set and restore it.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def file_sha256(path):
    """The sha256 hex digest of a file, read in blocks.

    Args:
        path: str or path-like. The file to hash.

    Returns:
        64 lowercase hex digits.

    Examples:

    >>> with open("/tmp/empty", "wb"):
    ...     pass
    >>> file_sha256("/tmp/empty")
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(origin, sha256, *, size=None, fname=None, cache_subdir="weights", cache_dir=None,
          timeout=30.0, progress=None):
    """Returns the local path of a sha256-verified file, downloading it at most once.

    Local files (a path, or a `file://` URL) are verified and used in place.
    URLs are cached at `<cache_dir>/<cache_subdir>/<fname>`: a cached file that
    verifies is returned without any request; one that does not (corrupt or
    tampered) is reported with a warning and downloaded again. Downloads are
    hashed while they stream into a temporary `.part` file beside the target,
    checked for truncation, size and sha256, and only then renamed into place;
    on any failure the temporary file is removed. Processes fetching the same
    file at once wait for each other, so the file is downloaded once.

    With `$KERASGAN_MIRROR` set to a URL (`http`, `https` or `file`) or a
    folder, every URL origin `.../<name>` is read from `<mirror>/<name>`
    instead; local path origins are not redirected.

    Args:
        origin: str or path-like. An `http://` or `https://` URL, a `file://`
            URL, or a local path (absolute, or relative to the working folder).
        sha256: str. The file's published sha256, 64 hex digits.
        size: int or `None`. The file's size in bytes, if known; checked
            before the hash.
        fname: str or `None`. The cache file name. Defaults to the last path
            component of the URL.
        cache_subdir: str. The folder under `cache_dir` to cache into.
        cache_dir: str or `None`. The cache root. Defaults to
            `kerasgan_home()`.
        timeout: float. Seconds to wait for the server: to connect, for the
            response headers and for each read of the body, so a server that
            stalls, even mid-body, fails after about this long.
        progress: bool or `None`. Whether to show a progress line on stderr.
            `None` shows it when stderr is a terminal.

    Returns:
        The path of the verified file: the local file itself for a local
        origin, the cached copy for a URL.

    Raises:
        DownloadError: the file is missing, unreachable, truncated, or does
            not match `size` or `sha256`. For a URL the message names the
            URL, the cache path, the reason and how to place the file by
            hand. Invalid arguments raise `DownloadArgumentError`, which is
            both a `DownloadError` and a `ValueError`.

    Examples:

    >>> path = fetch(
    ...     "https://example.org/kerasgan/dcgan_celeba_64.weights.h5",
    ...     sha256="6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b",
    ... )
    >>> path.endswith("weights/dcgan_celeba_64.weights.h5")
    True
    """
    sha256 = _checked_sha256(sha256)
    size = _checked_size(size)
    timeout = _checked_timeout(timeout)
    try:
        origin = os.fspath(origin)
    except TypeError:
        raise DownloadArgumentError(
            f"`origin` must be a URL or a path. Received: origin={origin!r}"
        ) from None
    if not isinstance(origin, str) or not origin:
        raise DownloadArgumentError(
            f"`origin` must be a non-empty URL or path string. Received: origin={origin!r}"
        )

    source, mirror = _redirect(origin)
    if _scheme(source) not in _HTTP_SCHEMES:
        return _verify_local(_local_path(source), sha256, size, origin if mirror else None)

    name = _cache_name(origin if _scheme(origin) in _URL_SCHEMES else source, fname)
    root = os.path.expanduser(os.fspath(cache_dir)) if cache_dir is not None else kerasgan_home()
    target = os.path.join(root, os.fspath(cache_subdir), name)
    if progress is None:
        progress = _stderr_is_terminal()
    failure = _Failure(source, origin, target, sha256, mirror)

    if _verifies(target, sha256, size):
        return target
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
    except OSError as error:
        raise failure(f"cannot create the cache folder ({error})") from None

    with _exclusive(target):
        # Another process may have filled the cache while this one waited.
        if os.path.lexists(target):
            if _verifies(target, sha256, size):
                return target
            warnings.warn(
                f"The cached file {target} does not match its published sha256 {sha256} "
                "(it is corrupt or has been tampered with); downloading it again.",
                stacklevel=2,
            )
            try:
                os.remove(target)
            except OSError as error:
                raise failure(f"cannot remove the unverified cached file ({error})") from None
        try:
            _transfer(source, target, sha256, size, timeout, progress)
        except _Reason as reason:
            raise failure(str(reason)) from reason.__cause__
    return target


# --- argument checks ---------------------------------------------------------------------------


def _checked_sha256(sha256):
    if not isinstance(sha256, str) or not _SHA256_PATTERN.fullmatch(sha256):
        raise DownloadArgumentError(
            f"`sha256` must be the file's sha256 as 64 hexadecimal digits. "
            f"Received: sha256={sha256!r}"
        )
    return sha256.lower()


def _checked_size(size):
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise DownloadArgumentError(
            f"`size` must be a byte count (an int >= 0) or None. Received: size={size!r}"
        )
    return size


def _checked_timeout(timeout):
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise DownloadArgumentError(
            f"`timeout` must be a positive number of seconds. Received: timeout={timeout!r}"
        )
    return float(timeout)


def _cache_name(url, fname):
    if fname is None:
        fname = urllib.parse.unquote(posixpath.basename(urllib.parse.urlsplit(url).path))
        if not fname:
            raise DownloadArgumentError(
                f"Cannot name the cache file after a URL that ends in '/'; pass `fname`. "
                f"Received: origin={url!r}"
            )
    separators = {"/", os.sep, os.altsep} - {None}
    if (not isinstance(fname, str) or fname in ("", ".", "..")
            or any(s in fname for s in separators) or "\0" in fname):
        raise DownloadArgumentError(
            f"`fname` must be a plain file name, without folders. Received: fname={fname!r}"
        )
    return fname


# --- origins and the mirror --------------------------------------------------------------------


def _scheme(location):
    """The lowercase URL scheme of `location`, or '' for a local path (also `C:\\...`)."""
    head, sep, _ = location.partition("://")
    if sep and head.lower() in _URL_SCHEMES:
        return head.lower()
    return ""


def _redirect(origin):
    """Applies `$KERASGAN_MIRROR` to a URL origin. Returns (source, mirror or None)."""
    mirror = os.environ.get(MIRROR_ENV, "").strip()
    if not mirror or not _scheme(origin):
        return origin, None
    name = posixpath.basename(urllib.parse.urlsplit(origin).path)
    if not name:
        raise DownloadArgumentError(
            f"Cannot look up {origin!r} in the mirror {MIRROR_ENV}={mirror!r}: the URL names "
            "no file."
        )
    if _scheme(mirror):
        return mirror.rstrip("/") + "/" + name, mirror
    return os.path.join(os.path.expanduser(mirror), urllib.parse.unquote(name)), mirror


def _local_path(location):
    if _scheme(location) != "file":
        return os.path.abspath(location)
    parts = urllib.parse.urlsplit(location)
    if parts.netloc not in ("", "localhost"):
        raise DownloadArgumentError(
            f"Only local file:// URLs are supported (no host). Received: origin={location!r}"
        )
    return os.path.abspath(urllib.request.url2pathname(parts.path))


def _verify_local(path, sha256, size, mirrored_from):
    via = f" (the {MIRROR_ENV} copy of {mirrored_from})" if mirrored_from else ""
    if not os.path.exists(path):
        raise DownloadError(f"No such file: {path!r}{via}; expected a file with sha256 {sha256}.")
    if not os.path.isfile(path):
        raise DownloadError(f"Not a file: {path!r}{via}; expected a file with sha256 {sha256}.")
    try:
        actual_size = os.path.getsize(path)
        actual = file_sha256(path) if size is None or actual_size == size else None
    except OSError as error:
        raise DownloadError(f"Cannot read {path!r}{via}: {error}") from None
    if actual is None:
        raise DownloadError(
            f"The file {path!r}{via} has {actual_size} bytes but the published file has "
            f"{size} (sha256 {sha256}); it is truncated or a different file."
        )
    if actual != sha256:
        raise DownloadError(
            f"The file {path!r}{via} does not match its published sha256: expected {sha256}, "
            f"actual {actual}. It is corrupt, a different version, or has been tampered with."
        )
    return path


def _verifies(path, sha256, size):
    try:
        if not os.path.isfile(path):
            return False
        if size is not None and os.path.getsize(path) != size:
            return False
        return file_sha256(path) == sha256
    except OSError:
        return False


# --- the transfer ------------------------------------------------------------------------------


class _Reason(Exception):
    """Internal: why a transfer failed, worded to follow "Could not download X: "."""


class _Failure:
    """Builds the `DownloadError` of a failed download from its reason."""

    def __init__(self, url, origin, target, sha256, mirror):
        self.url, self.origin, self.target = url, origin, target
        self.sha256, self.mirror = sha256, mirror

    def __call__(self, reason):
        via = f" (the {MIRROR_ENV} copy of {self.origin})" if self.mirror else ""
        held = urllib.parse.unquote(posixpath.basename(urllib.parse.urlsplit(self.url).path))
        return DownloadError(
            f"Could not download {self.url}{via} to {self.target}: {reason}. If this machine is "
            f"offline, download {self.origin} elsewhere and copy it to {self.target} "
            f"(sha256 {self.sha256}), or set {MIRROR_ENV} to a folder or URL that holds {held}."
        )


def _transfer(url, target, sha256, size, timeout, progress):
    """Streams `url` into a `.part` file beside `target`, verifies it and renames it."""
    folder, name = os.path.split(target)
    part = os.path.join(folder, f".{name}.{os.getpid()}-{secrets.token_hex(4)}.part")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(part, flags, 0o666)  # the umask applies, unlike mkstemp's 0600
    except OSError as error:
        raise _Reason(f"cannot write into the cache folder ({error})") from None
    try:
        with os.fdopen(descriptor, "wb") as out:
            received, digest, announced = _stream(url, out, size, timeout, progress, name)
            try:
                out.flush()
                os.fsync(out.fileno())
            except OSError as error:
                raise _Reason(f"cannot write the cache file ({error})") from None
        if announced is not None and received < announced:
            raise _Reason(
                f"the body was truncated: the connection closed after {received} of "
                f"{announced} bytes (Content-Length)"
            )
        if size is not None and received != size:
            short = "the body was truncated: " if received < size else ""
            raise _Reason(f"{short}received {received} bytes, but the published size is {size}")
        actual = digest.hexdigest()
        if actual != sha256:
            raise _Reason(
                f"sha256 mismatch: expected {sha256}, received {actual} (a corrupt, different "
                "or tampered file)"
            )
        try:
            os.replace(part, target)
        except OSError as error:
            raise _Reason(f"cannot move the verified file into place ({error})") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(part)
        raise


def _stream(url, out, size, timeout, progress, name):
    """Copies the body of `url` into `out`. Returns (bytes, sha256 object, Content-Length)."""
    digest = hashlib.sha256()
    received = 0
    announced = None
    request = urllib.request.Request(
        url, headers={"User-Agent": "kerasgan", "Accept-Encoding": "identity"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            announced = _content_length(response)
            if announced is not None and size is not None and announced != size:
                raise _Reason(
                    f"the server announces {announced} bytes (Content-Length), but the "
                    f"published size is {size}"
                )
            meter = _Progress(progress, name, announced if announced is not None else size)
            # `read1` returns what has arrived (up to a block), so the byte count stays exact
            # when the server stalls; each underlying read waits at most `timeout` seconds.
            read = getattr(response, "read1", response.read)
            while True:
                block = read(_BLOCK_SIZE)
                if not block:
                    break
                try:
                    out.write(block)
                except OSError as error:
                    raise _Reason(f"cannot write the cache file ({error})") from None
                digest.update(block)
                received += len(block)
                meter.update(received)
            meter.close(received)
    except _Reason:
        raise
    except urllib.error.HTTPError as error:
        raise _Reason(f"the server answered HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise _Reason(_describe(error.reason, received, timeout)) from error
    except (OSError, http.client.HTTPException) as error:
        raise _Reason(_describe(error, received, timeout)) from error
    return received, digest, announced


def _describe(error, received, timeout):
    """Words a network error (the `reason` of a URLError, or a raw socket error)."""
    after = f" after {received} bytes" if received else ""
    if isinstance(error, TimeoutError) or (isinstance(error, str) and "timed out" in error):
        return f"timed out: the server sent nothing for {timeout:g} s{after}"
    if isinstance(error, ConnectionRefusedError):
        return f"connection refused ({error})"
    if isinstance(error, socket.gaierror):
        return f"the host name could not be resolved ({error})"
    if isinstance(error, http.client.HTTPException) or isinstance(error, ConnectionError):
        return f"the connection failed{after} ({type(error).__name__}: {error})"
    return f"{error}"


def _content_length(response):
    value = response.headers.get("Content-Length") if response.headers else None
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


# --- lock and progress -------------------------------------------------------------------------


@contextlib.contextmanager
def _exclusive(target):
    """Holds an exclusive `flock` on `<target>.lock`; without fcntl (or a lock), no lock."""
    if fcntl is None:
        yield
        return
    try:
        handle = open(target + ".lock", "a+b")
    except OSError:
        yield  # the download itself will report the unwritable folder
        return
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        except OSError:  # e.g. ENOLCK on some network file systems
            pass
        yield  # closing the handle releases the lock


def _stderr_is_terminal():
    stream = sys.stderr
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):
        return False


class _Progress:
    """A one-line `\\r` progress meter on stderr, at most ten updates a second."""

    def __init__(self, enabled, name, total):
        self.enabled, self.name, self.total = enabled, name, total
        self.shown_at = None

    def update(self, done):
        now = time.monotonic()
        if not self.enabled or (self.shown_at is not None and now - self.shown_at < 0.1):
            return
        self.shown_at = now
        self._show(done)

    def close(self, done):
        if self.enabled:
            self._show(done)
            sys.stderr.write("\n")
            sys.stderr.flush()

    def _show(self, done):
        if self.total:
            text = f"{done}/{self.total} bytes ({100 * done // self.total}%)"
        else:
            text = f"{done} bytes"
        sys.stderr.write(f"\rDownloading {self.name}: {text}")
        sys.stderr.flush()
