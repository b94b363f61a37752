"""Verified, cached, atomic downloads of zoo weight files.

`fetch` hands back the local path of a file whose sha256 (and size, when
known) has been checked. Files behind `http(s)://` URLs are cached under
`$KERASGAN_HOME` (default `~/.keras/kerasgan`) and re-verified on every use;
a cached file that no longer matches is fetched again. A download streams
into a hidden `.part` file beside its target, is hashed while it streams, and
is renamed into place only once verified, so the cache holds a verified file
or nothing. Processes fetching the same file take turns on a lock file, and
the later ones find the cache already filled.

A transfer has two time limits: `timeout` bounds every wait on the server
(connecting, the headers, each read), and `deadline` bounds the whole
transfer, so a server that drips a few bytes at a time cannot hold a client
for hours. A `.part` file left by a process that was killed mid-transfer is
never resumed: the next fetch of the same file, once it holds the lock (so
no other process is writing it), removes it and downloads afresh. Cache
paths are built from plain names only (`kerasgan.utils.paths`), so a URL or a
card cannot name a file outside the cache.

`keras.utils.get_file` is not used for the transfer: it has no timeout (a
stalled server hangs it forever), writes straight into the final cache path
(a reader can see a partial file, and a file failing its hash is left there),
and takes no lock between processes; it does detect a short body, but only
against `Content-Length`. This module imports only the standard library (and
its sibling `paths.py`, also standard library only), so the command line can
use it without importing TensorFlow or Keras; the progress bar,
`keras.utils.Progbar`, imports Keras when it is shown.
"""

import contextlib
import hashlib
import http.client
import io
import math
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

if __package__:
    from .paths import path_under, validate_name
else:  # loaded from its file alone (as the tests do): its sibling, without the kerasgan package
    import importlib.util as _importlib_util

    _paths_spec = _importlib_util.spec_from_file_location(
        "_kerasgan_paths", os.path.join(os.path.dirname(os.path.abspath(__file__)), "paths.py"))
    _paths = _importlib_util.module_from_spec(_paths_spec)
    _paths_spec.loader.exec_module(_paths)
    path_under, validate_name = _paths.path_under, _paths.validate_name

HOME_ENV = "KERASGAN_HOME"
MIRROR_ENV = "KERASGAN_MIRROR"
TIMEOUT_ENV = "KERASGAN_TIMEOUT"
DEFAULT_TIMEOUT = 30.0
# The default deadline: time for the file at MIN_RATE bytes/s, and never less than
# MIN_DEADLINE seconds; UNKNOWN_SIZE_DEADLINE when neither the caller nor the server
# gives the size.
MIN_RATE = 50 * 1024
MIN_DEADLINE = 60.0
UNKNOWN_SIZE_DEADLINE = 600.0

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


def network_timeout(timeout=None):
    """The network timeout in seconds: `timeout`, else `$KERASGAN_TIMEOUT`, else 30.

    Args:
        timeout: a positive number of seconds, or `None` for the environment
            variable `KERASGAN_TIMEOUT` (when set and not empty), else 30.

    Returns:
        The timeout as a float.

    Raises:
        DownloadArgumentError: `timeout` (or the environment variable) is not
            a positive, finite number of seconds; the message quotes it.

    Examples:

    >>> import os
    >>> os.environ["KERASGAN_TIMEOUT"] = "5"
    >>> network_timeout(), network_timeout(0.5)
    (5.0, 0.5)
    """
    if timeout is not None:
        return _checked_timeout(timeout)
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
        raise DownloadArgumentError(
            f"The environment variable {TIMEOUT_ENV} must be a positive number of seconds. "
            f"Received: {TIMEOUT_ENV}={raw!r}"
        )
    return value


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
          timeout=None, deadline=None, progress=None):
    """Returns the local path of a sha256-verified file, downloading it at most once.

    Local files (a path, or a `file://` URL) are verified and used in place.
    URLs are cached at `<cache_dir>/<cache_subdir>/<fname>`: a cached file that
    verifies is returned without any request; one that does not (corrupt or
    tampered) is reported with a warning and downloaded again. Downloads are
    hashed while they stream into a temporary `.part` file beside the target,
    checked for truncation, size and sha256, and only then renamed into place;
    on any failure the temporary file is removed. Processes fetching the same
    file at once wait for each other, so the file is downloaded once. The
    process holding the lock first removes the `.part` files that killed
    processes left behind for this target (they are never resumed).

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
            component of the URL. Either way it must be a plain name
            (`kerasgan.utils.paths.validate_name`: letters, digits, `.`, `_`,
            `-`, no folders).
        cache_subdir: str. The folder under `cache_dir` to cache into; the
            cache path must resolve inside `cache_dir` (symlinks included).
        cache_dir: str or `None`. The cache root. Defaults to
            `kerasgan_home()`.
        timeout: float or `None`. Seconds to wait for the server: to
            connect, for the response headers and for each read of the body,
            so a server that stalls, even mid-body, fails after about this
            long. `None` reads `$KERASGAN_TIMEOUT`, else 30.
        deadline: float or `None`. Seconds the whole transfer may take,
            checked as the body arrives (a transfer fails at most `timeout`
            after its deadline, if the server stalls then). `None` allows
            the time the file needs at 50 KiB/s (a slow but honest link) and
            at least 60 s, `max(60, size / 51200)`, with `size` the
            published size or else the server's `Content-Length`; 600 s when
            neither gives the size. A server that drips bytes is cut off,
            where `timeout` alone would wait for it forever. `math.inf`
            disables it.
        progress: bool or `None`. Whether to show a `keras.utils.Progbar`
            (on stdout, like every Keras progress bar; it imports Keras).
            `None` shows it when stdout is a terminal.

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

    A local `file://` URL stands in for a server here; `https://` works the same.

    >>> import hashlib, pathlib
    >>> source = pathlib.Path("published.weights.h5")
    >>> _ = source.write_bytes(b"weights")
    >>> path = fetch(source.resolve().as_uri(), sha256=hashlib.sha256(b"weights").hexdigest())
    >>> open(path, "rb").read()
    b'weights'
    """
    sha256 = _checked_sha256(sha256)
    size = _checked_size(size)
    timeout = network_timeout(timeout)
    deadline = _checked_deadline(deadline)
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
    try:
        target = path_under(root, os.fspath(cache_subdir), name)
    except ValueError as error:
        raise DownloadArgumentError(
            f"The cache path of {origin} must stay in the cache folder: {error} "
            f"Received: cache_subdir={cache_subdir!r}"
        ) from None
    if progress is None:
        progress = _stdout_is_terminal()
    failure = _Failure(source, origin, target, sha256, mirror)

    if _verifies(target, sha256, size):
        return target
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
    except OSError as error:
        raise failure(f"cannot create the cache folder ({error})") from None

    with _exclusive(target) as locked:
        if locked:  # no other process is writing this target: its `.part` files are stale
            _remove_stale_parts(target)
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
            _transfer(source, target, sha256, size, timeout, deadline, progress)
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
    if (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0
            or not math.isfinite(timeout)):
        raise DownloadArgumentError(
            f"`timeout` must be a positive number of seconds. Received: timeout={timeout!r}"
        )
    return float(timeout)


def _checked_deadline(deadline):
    if deadline is None:
        return None
    if isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or not deadline > 0:
        raise DownloadArgumentError(
            "`deadline` must be a positive number of seconds (math.inf for none) or None. "
            f"Received: deadline={deadline!r}"
        )
    return float(deadline)


def _default_deadline(expected):
    """`max(60, expected / 50 KiB/s)`; 600 s when the size is unknown."""
    if expected is None:
        return UNKNOWN_SIZE_DEADLINE
    return max(MIN_DEADLINE, expected / MIN_RATE)


def _cache_name(url, fname):
    what = "cache file name `fname`"
    if fname is None:
        fname = urllib.parse.unquote(posixpath.basename(urllib.parse.urlsplit(url).path))
        if not fname:
            raise DownloadArgumentError(
                f"Cannot name the cache file after a URL that ends in '/'; pass `fname`. "
                f"Received: origin={url!r}"
            )
        what = f"cache file name taken from the URL {url} (pass `fname` to name it)"
    try:
        return validate_name(fname, what, key="fname")
    except ValueError as error:
        raise DownloadArgumentError(str(error)) from None


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
    try:
        plain = validate_name(urllib.parse.unquote(name),
                              f"file name of {origin} to look up in the mirror folder {mirror}")
        return path_under(os.path.expanduser(mirror), plain), mirror
    except ValueError as error:
        raise DownloadArgumentError(str(error)) from None


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


def _part_path(target):
    """A fresh temporary name beside `target`: `.<name>.<pid>-<8 hex>.part`."""
    folder, name = os.path.split(target)
    return os.path.join(folder, f".{name}.{os.getpid()}-{secrets.token_hex(4)}.part")


def _remove_stale_parts(target):
    """Removes the `.part` files of `target` (call it holding the target's lock).

    Every process writing a `.part` of `target` holds its lock, so once this
    process holds it, any such file belongs to a process that was killed.
    """
    folder, name = os.path.split(target)
    pattern = re.compile(re.escape(f".{name}.") + r"\d+-[0-9a-f]{8}\.part")
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for entry in entries:
        if pattern.fullmatch(entry):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(folder, entry))


def _transfer(url, target, sha256, size, timeout, deadline, progress):
    """Streams `url` into a `.part` file beside `target`, verifies it and renames it."""
    part = _part_path(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(part, flags, 0o666)  # the umask applies, unlike mkstemp's 0600
    except OSError as error:
        raise _Reason(f"cannot write into the cache folder ({error})") from None
    try:
        with os.fdopen(descriptor, "wb") as out:
            received, digest, announced = _stream(
                url, out, size, timeout, deadline, progress, os.path.basename(target))
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


def _stream(url, out, size, timeout, deadline, progress, name, limit=None):
    """Copies the body of `url` into `out`. Returns (bytes, sha256 object, Content-Length).

    `size` is the published size (the body may not exceed it), `limit` a cap
    for bodies of unknown size, `deadline` the seconds the whole transfer may
    take (`None`: `_default_deadline` of the known size).
    """
    digest = hashlib.sha256()
    received = 0
    announced = None
    started = time.monotonic()
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
            expected = size if size is not None else announced
            if limit is not None and expected is not None and expected > limit:
                raise _Reason(f"the server announces {expected} bytes (Content-Length), more "
                              f"than the {limit} this file may have")
            allowed = deadline if deadline is not None else _default_deadline(expected)
            meter = _Meter(progress, name, url, expected)
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
                if size is not None and received > size:
                    raise _Reason(f"the server sent more than the published size of {size} "
                                  "bytes")
                if limit is not None and received > limit:
                    raise _Reason(f"the server sent more than the {limit} bytes this file may "
                                  "have")
                elapsed = time.monotonic() - started
                if elapsed > allowed:
                    of = f" of {expected}" if expected is not None else ""
                    raise _Reason(
                        f"the transfer did not finish within its deadline of {allowed:g} s "
                        f"({received}{of} bytes arrived in {elapsed:.1f} s): the server is "
                        "too slow; pass a larger `deadline` to wait longer"
                    )
                meter.update(received)
            meter.finish(received)
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
        return (f"timed out: the server sent nothing for {timeout:g} s{after} (the network "
                f"timeout; set it with `timeout=` or {TIMEOUT_ENV})")
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


def read_url(url, *, timeout=None, deadline=None, limit=16 * 2**20, what="the file", hint=""):
    """The body of an `http(s)://` or `file://` URL, with the limits of `fetch`.

    For small files read into memory (a preset's `card.json` and
    `config.json`): no cache and no checksum, but the same `timeout`, the
    same `deadline` (default `max(60 s, size / 50 KiB/s)`) and a cap on the
    size, so a server can neither hold the caller nor fill its memory.

    Args:
        url: str. The URL.
        timeout: float or `None`. As for `fetch` (`None`: `$KERASGAN_TIMEOUT`,
            else 30).
        deadline: float or `None`. As for `fetch`.
        limit: int. The largest body accepted, in bytes.
        what: str. What the file is, for the error message.
        hint: str. A sentence appended to network errors (not to HTTP ones).

    Returns:
        The body as bytes.

    Raises:
        DownloadError: the URL could not be read within the limits; the
            message names it, the reason and, for network errors, `hint`.

    Examples:

    >>> import json, pathlib
    >>> _ = pathlib.Path("card.json").write_text('{"name": "tiny"}')
    >>> json.loads(read_url(pathlib.Path("card.json").resolve().as_uri(), timeout=10))
    {'name': 'tiny'}
    """
    timeout = network_timeout(timeout)
    deadline = _checked_deadline(deadline)
    if _scheme(url) == "file":
        path = _local_path(url)
        try:
            if os.path.getsize(path) > limit:
                raise DownloadError(f"Could not read {what} {url}: it has more than {limit} "
                                    "bytes.")
            with open(path, "rb") as stream:
                return stream.read()
        except OSError as error:
            raise DownloadError(f"Could not read {what} {url}: {error}.") from None
    body = io.BytesIO()
    try:
        _stream(url, body, None, timeout, deadline, False, url, limit=limit)
    except _Reason as reason:
        http_error = str(reason).startswith("the server answered HTTP")
        tail = "" if http_error or not hint else f" {hint}"
        raise DownloadError(f"Could not read {what} {url}: {reason}.{tail}") from None
    return body.getvalue()


# --- lock and progress -------------------------------------------------------------------------


@contextlib.contextmanager
def _exclusive(target):
    """Holds an exclusive `flock` on `<target>.lock`; yields whether the lock is held.

    Without fcntl, a writable lock file or a working `flock`, there is no lock
    (and `False` is yielded): the atomic rename still keeps the cache
    consistent, but other processes' `.part` files cannot be told from stale
    ones.
    """
    if fcntl is None:
        yield False
        return
    try:
        handle = open(target + ".lock", "a+b")
    except OSError:
        yield False  # the download itself will report the unwritable folder
        return
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        except OSError:  # e.g. ENOLCK on some network file systems
            locked = False
        else:
            locked = True
        yield locked  # closing the handle releases the lock


def _stdout_is_terminal():
    stream = sys.stdout
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):
        return False


class _Meter:
    """The progress of one transfer as a `keras.utils.Progbar` in bytes (or nothing)."""

    def __init__(self, enabled, name, url, total):
        self.bar = None
        if not enabled:
            return
        import keras  # only here: the module itself stays standard library only

        if keras.config.is_interactive_logging_enabled():
            sys.stdout.write(f"Downloading {name} from {url}\n")
            sys.stdout.flush()
        self.bar = keras.utils.Progbar(total, unit_name="B")

    def update(self, done):
        if self.bar is not None:
            self.bar.update(done)

    def finish(self, done):
        if self.bar is not None:
            self.bar.update(done, finalize=True)
