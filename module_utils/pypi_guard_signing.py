"""Signing and checking release artifacts with OpenPGP detached signatures.

Plain functions that the pypi-guard modules are thin wrappers over, and
that the signature audit reuses: fingerprint normalisation, a throwaway
GnuPG home, verification of a detached signature against the expected
*primary* key fingerprint, signing, pairing dists with their ``.asc`` and
asking a package index's simple API which files it already has.

Rules that every caller relies on:

* A fingerprint is 40 hex digits; case and whitespace are ignored.  Short
  or long key IDs are refused: they do not identify a key.
* A signature counts only when gpg reports it good *and* the primary key
  behind the signing (sub)key has the expected fingerprint.  python-gnupg's
  ``valid`` is true for any key in the keyring, so the signer is always
  compared.  Release keys sign with a subkey: the subkey's fingerprint is
  reported but is never what is compared.
* Key material lives only in a fresh GnuPG home (mode 0700) that is removed,
  with its gpg-agent stopped, whatever happens.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatch
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit

from ansible.module_utils.pypi_guard_deliverables import normalize_name
from ansible.module_utils.pypi_guard_report import write_atomically

try:
    import gnupg
    GNUPG_IMPORT_ERROR = None
except ImportError as exc:  # reported by the modules through fail_json
    gnupg = None
    GNUPG_IMPORT_ERROR = str(exc)

DIST_PATTERNS = ("*.tar.gz", "*.whl")
SIGNATURE_SUFFIX = ".asc"
PYPI_UPLOAD_URL = "https://upload.pypi.org/legacy/"
TESTPYPI_UPLOAD_URL = "https://test.pypi.org/legacy/"
KNOWN_REPOSITORIES = {"pypi": PYPI_UPLOAD_URL, "testpypi": TESTPYPI_UPLOAD_URL}
KNOWN_SIMPLE_URLS = {
    PYPI_UPLOAD_URL: "https://pypi.org/simple/",
    TESTPYPI_UPLOAD_URL: "https://test.pypi.org/simple/",
}
EXPIRED_KEY = "signing key has expired"

_HEX40 = re.compile(r"^[0-9A-F]{40}$")


class SigningError(Exception):
    """Something a person has to fix; the message says what."""


class PreflightError(SigningError):
    """The artifacts are not fit to upload; ``problems`` lists each reason."""

    def __init__(self, problems, files=None):
        self.problems = list(problems)
        self.files = files or []
        listed = "\n- ".join(self.problems)
        super().__init__(
            f"Refusing to upload anything: {len(self.problems)} problem(s) with the "
            f"release artifacts:\n- {listed}")


# --------------------------------------------------------------------------
# Fingerprints


def normalize_fingerprint(value):
    """Return ``value`` as 40 upper-case hex digits.

    Whitespace and case are ignored, so ``'a1b2 C3D4 ...'`` as printed by
    ``gpg --fingerprint`` is accepted, and so is a leading ``0x``.  Raises
    ``ValueError`` for anything that is not a full v4 fingerprint (key IDs
    included).
    """
    text = "".join(str(value or "").split()).upper().removeprefix("0X")
    if not _HEX40.match(text):
        raise ValueError(
            f"{value!r} is not an OpenPGP fingerprint: expected 40 hex digits "
            "(spaces allowed), as printed by 'gpg --fingerprint'; key IDs are "
            "not accepted")
    return text


def normalize_fingerprints(values):
    """Normalise one fingerprint or an iterable of them; returns a list."""
    if isinstance(values, str):
        values = [values]
    result = [normalize_fingerprint(v) for v in values]
    if not result:
        raise ValueError("no expected fingerprint given")
    return result


def same_fingerprint(first, second):
    """True when both are the same fingerprint (case and spaces ignored)."""
    try:
        return normalize_fingerprint(first) == normalize_fingerprint(second)
    except ValueError:
        return False


def format_fingerprint(value):
    """``ABCD 1234 ...`` in groups of four, as gpg prints it."""
    fpr = normalize_fingerprint(value)
    return " ".join(fpr[i:i + 4] for i in range(0, 40, 4))


def _expected_fingerprint(value):
    try:
        return normalize_fingerprint(value)
    except ValueError as exc:
        raise SigningError(f"release_signing_fingerprint: {exc}") from None


# --------------------------------------------------------------------------
# A throwaway GnuPG home


def _gpgconf_for(gpgbinary):
    directory = os.path.dirname(gpgbinary)
    if directory:
        candidate = os.path.join(directory, "gpgconf")
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("gpgconf")


# gpg-agent listens on sockets in the GnuPG home unless /run/user/<uid>
# exists; a socket path is limited to 107 bytes (sun_path), and the longest
# name gpg uses there is "S.gpg-agent.browser".
_SOCKET_PATH_MAX = 107
_HOME_NAME_LENGTH = len("/pypi-guard-gnupg-xxxxxxxx/S.gpg-agent.browser")


def _home_parent(parent):
    """Where to create a GnuPG home whose agent sockets will work: ``parent``
    (default: TMPDIR) unless its path is too long for a socket, then the
    first of /tmp, /var/tmp, /dev/shm that is short enough and writable."""
    first = parent or tempfile.gettempdir()
    if os.path.isdir(f"/run/user/{os.getuid()}"):
        return first  # gpg puts the sockets there, whatever the home's length
    for candidate in (first, "/tmp", "/var/tmp", "/dev/shm"):  # noqa: S108 - mkdtemp below
        fits = len(os.path.abspath(candidate)) + _HOME_NAME_LENGTH <= _SOCKET_PATH_MAX
        if fits and os.path.isdir(candidate) and os.access(candidate, os.W_OK | os.X_OK):
            return candidate
    return first


class GnupgHome:
    """A fresh GnuPG home directory, mode 0700, for one operation.

    Use as a context manager: on exit the gpg-agent started for it is
    stopped and the directory, with any key material, is removed, whether
    the block succeeded or raised.  ``gpg`` is a ``gnupg.GPG`` bound to it.
    """

    def __init__(self, gpgbinary="gpg", parent=None):
        if gnupg is None:
            raise SigningError(
                f"python-gnupg is not installed for this interpreter "
                f"({GNUPG_IMPORT_ERROR}); run the ensure-pypi-guard role or "
                "install requirements.txt")
        self.gpgbinary = gpgbinary
        self.parent = parent
        self.path = None
        self.gpg = None

    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="pypi-guard-gnupg-",
                                     dir=_home_parent(self.parent))
        try:
            os.chmod(self.path, 0o700)
            try:
                self.gpg = gnupg.GPG(gpgbinary=self.gpgbinary, gnupghome=self.path)
            except (OSError, ValueError, RuntimeError) as exc:
                raise SigningError(f"cannot run gpg ({self.gpgbinary}): {exc}") from None
            self.gpg.encoding = "utf-8"
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc_info):
        self.cleanup()
        return False

    def cleanup(self):
        """Stop the agent and remove the directory (safe to call twice)."""
        if not self.path:
            return
        gpgconf = _gpgconf_for(self.gpgbinary)
        if gpgconf:
            for action in (["--kill", "all"], ["--remove-socketdir"]):
                try:
                    subprocess.run([gpgconf, "--homedir", self.path, *action],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   timeout=30, check=False)
                except (OSError, subprocess.SubprocessError):
                    continue
        for _attempt in range(3):
            shutil.rmtree(self.path, ignore_errors=True)
            if not os.path.exists(self.path):
                break
        self.path = None


def _last_line(text):
    lines = [line for line in (text or "").splitlines()
             if line.strip() and not line.startswith("[GNUPG:]")]
    return lines[-1].strip() if lines else ""


def import_keys(gpg, armored, what="the key"):
    """Import armored key(s); return the primary fingerprints imported.

    Raises ``SigningError`` when nothing was imported.  Messages never
    include key material.
    """
    if not isinstance(armored, str) or "-----BEGIN PGP" not in armored:
        raise SigningError(
            f"{what} is not an ASCII-armored OpenPGP key (it should begin with "
            "'-----BEGIN PGP PRIVATE KEY BLOCK-----' or '-----BEGIN PGP PUBLIC "
            "KEY BLOCK-----')")
    result = gpg.import_keys(armored)
    fingerprints = []
    for fpr in result.fingerprints or []:
        fpr = (fpr or "").upper()
        if fpr and fpr not in fingerprints:
            fingerprints.append(fpr)
    if not fingerprints:
        reason = _gpg_error(result.stderr) or "no key found"
        raise SigningError(f"gpg could not import {what} ({reason})")
    if int(result.sec_read or 0) > int(result.sec_imported or 0) + int(result.sec_dups or 0):
        error = _gpg_error(result.stderr) or "unknown error"
        hint = (" (gpg-agent could not start: is the temporary directory's path too "
                "long for its sockets?)" if "agent" in error else "")
        raise SigningError(f"gpg could not import the private part of {what}: {error}{hint}")
    return fingerprints


def _gpg_error(stderr):
    """The line of gpg's messages that says what went wrong."""
    lines = [line.strip() for line in (stderr or "").splitlines()
             if line.startswith("gpg:")]
    for line in lines:
        if "failed" in line or "error" in line.lower():
            return line
    return lines[-1] if lines else ""


def _key_record(gpg, fingerprint, secret):
    for key in gpg.list_keys(secret=secret):
        if key.get("fingerprint", "").upper() == fingerprint:
            return key
    return None


def check_signing_key(gpg, imported, expected):
    """Is the key about to sign the release key in force?

    ``imported`` are the primary fingerprints from :func:`import_keys`;
    ``expected`` is ``release_signing_fingerprint``.  Returns the
    fingerprint of the subkey gpg will sign with.  Raises ``SigningError``
    when the secret is another key, holds no secret part, or has no usable
    signing (sub)key (expired or revoked).
    """
    expected = normalize_fingerprint(expected)
    if expected not in imported:
        found = ", ".join(format_fingerprint(f) for f in imported)
        raise SigningError(
            f"Refusing to sign: the key in gpg_key.private is {found}, not the "
            f"release key in force {format_fingerprint(expected)} "
            "(release_signing_fingerprint). Either the secret holds the wrong "
            "key or release_signing_fingerprint is out of date.")
    record = _key_record(gpg, expected, secret=True)
    if record is None:
        raise SigningError(
            f"gpg_key.private holds only the public part of "
            f"{format_fingerprint(expected)}: the private key is needed to sign")
    if "S" not in (record.get("cap") or ""):
        raise SigningError(
            f"The release key {format_fingerprint(expected)} has no usable signing "
            f"key: it or its signing subkey is expired or revoked (capabilities "
            f"{record.get('cap')!r}). Extend the key's expiry or rotate the key.")
    signing = [info.get("fingerprint", "").upper()
               for info in (record.get("subkey_info") or {}).values()
               if "s" in (info.get("cap") or "") and info.get("trust") not in ("e", "r")]
    return signing[-1] if signing else expected


# --------------------------------------------------------------------------
# Verification


@dataclass
class SignatureCheck:
    """The outcome of checking one detached signature.

    ``ok`` is the only field to decide on; the rest explains it.
    ``signer_fingerprint`` is the primary key behind the signature,
    ``signing_key_fingerprint`` the (sub)key that made it, ``timestamp``
    the signature's creation time (epoch seconds).
    """

    ok: bool
    reason: str
    signature: str
    data: str
    signer_fingerprint: str = None
    signing_key_fingerprint: str = None
    timestamp: int = None
    status: str = None
    key_status: str = None
    expected: list = field(default_factory=list)

    def as_dict(self):
        return asdict(self)


def verify_detached(gpg, signature_file, data_file, expected, allow_expired_key=False):
    """Is ``signature_file`` a good detached signature of ``data_file`` made
    by (a subkey of) one of the ``expected`` primary keys?

    ``gpg`` is a ``gnupg.GPG`` whose keyring holds the public key(s);
    ``expected`` is one fingerprint or an iterable of them, compared with
    the *primary* key behind the signature.  A signature by a key that has
    since expired counts only with ``allow_expired_key`` (audits of old
    releases: a signature made while the key was valid stays good); a
    revoked key never does.  Returns a :class:`SignatureCheck`; never raises
    for a bad signature.
    """
    expected = normalize_fingerprints(expected)
    sig_name = os.path.basename(str(signature_file))
    data_name = os.path.basename(str(data_file))

    def result(ok, reason, verified=None):
        check = SignatureCheck(ok=ok, reason=reason, signature=str(signature_file),
                               data=str(data_file), expected=expected)
        if verified is not None:
            check.signer_fingerprint = (verified.pubkey_fingerprint or "").upper() or None
            check.signing_key_fingerprint = (verified.fingerprint or "").upper() or None
            stamp = str(verified.sig_timestamp or verified.timestamp or "")
            check.timestamp = int(stamp) if stamp.isdigit() else None
            check.status = verified.status
            check.key_status = verified.key_status
        return check

    if not os.path.isfile(signature_file):
        return result(False, f"{sig_name}: the signature file is missing")
    if not os.path.isfile(data_file):
        return result(False, f"{sig_name}: the signed file {data_name} is missing")
    verified = gpg.verify_file(str(signature_file), data_filename=str(data_file))
    signer = (verified.pubkey_fingerprint or "").upper()
    wanted = " or ".join(format_fingerprint(f) for f in expected)
    statuses = {verified.status} | {p.get("status") for p in verified.problems}
    other_problems = [p for p in verified.problems if p.get("status") != EXPIRED_KEY]

    if "no public key" in statuses:
        signing_key = (verified.fingerprint or verified.key_id or "(unknown)").upper()
        return result(False, f"{sig_name}: made by the key {signing_key}, which is not "
                      f"the expected key {wanted} nor one of its subkeys", verified)
    if "signature bad" in statuses:
        return result(False, f"{sig_name} does not match {data_name}: the file or its "
                      "signature was modified after signing", verified)
    if not signer:
        return result(False, f"{sig_name}: not a valid OpenPGP signature of {data_name} "
                      f"({verified.status or 'no signature found'})", verified)
    if signer not in expected:
        return result(False, f"{sig_name}: made by key {format_fingerprint(signer)}, "
                      f"not by the expected key {wanted}", verified)
    if verified.key_status == EXPIRED_KEY:
        if allow_expired_key and not other_problems:
            return result(True, f"good signature by {format_fingerprint(signer)} "
                          "(the key has expired since)", verified)
        return result(False, f"{sig_name}: made by {format_fingerprint(signer)}, whose "
                      "signing key has expired", verified)
    if verified.key_status:
        return result(False, f"{sig_name}: made by {format_fingerprint(signer)}: "
                      f"{verified.key_status}", verified)
    if not verified.valid or other_problems:
        return result(False, f"{sig_name}: signature not valid ({verified.status})",
                      verified)
    return result(True, f"good signature by {format_fingerprint(signer)}", verified)


# --------------------------------------------------------------------------
# Files


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_dists(directory, patterns=DIST_PATTERNS):
    """Sorted paths of the regular files in ``directory`` matching ``patterns``."""
    if not os.path.isdir(directory):
        raise SigningError(f"the artifacts directory {directory} does not exist")
    found = []
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if os.path.isfile(path) and any(fnmatch(name, p) for p in patterns):
            found.append(path)
    return found


def find_signatures(directory):
    """Sorted paths of the ``*.asc`` files in ``directory``."""
    return [os.path.join(directory, name) for name in sorted(os.listdir(directory))
            if name.endswith(SIGNATURE_SUFFIX)
            and os.path.isfile(os.path.join(directory, name))]


def signature_path(path):
    return path + SIGNATURE_SUFFIX


def _file_entry(path, check=None):
    entry = {"path": path, "name": os.path.basename(path),
             "signature": signature_path(path), "sha256": sha256_file(path)}
    if check is not None:
        entry.update({"signer_fingerprint": check.signer_fingerprint,
                      "signing_key_fingerprint": check.signing_key_fingerprint,
                      "signature_timestamp": check.timestamp})
    return entry


# --------------------------------------------------------------------------
# Signing


def sign_detached(gpg, path, fingerprint):
    """An armored detached signature (bytes) of ``path`` by the key
    ``fingerprint``; gpg signs with its signing subkey."""
    with open(path, "rb") as handle:
        signed = gpg.sign_file(handle, keyid=normalize_fingerprint(fingerprint),
                               detach=True, clearsign=False, binary=False)
    data = signed.data or b""
    if not data.startswith(b"-----BEGIN PGP SIGNATURE-----"):
        reason = signed.status or _last_line(signed.stderr) or "no output"
        raise SigningError(f"gpg could not sign {os.path.basename(path)}: {reason}")
    return data


def sign_artifacts(directory, private_key, fingerprint, gpgbinary="gpg",
                   check_mode=False, patterns=DIST_PATTERNS, tmpdir=None):
    """Sign every dist in ``directory`` with the release key, then verify.

    Imports ``private_key`` into a throwaway GnuPG home, refuses any key
    but ``fingerprint``, writes ``<dist>.asc`` (armored, detached) for each
    dist without a good signature by that key, then verifies every
    signature against ``fingerprint``.  In ``check_mode`` the key is still
    checked but nothing is written.  Returns a dict with ``files``,
    ``signed`` (signature names written, or that would be), ``fingerprint``,
    ``signing_key_fingerprint`` and ``changed``.  Raises ``SigningError``.
    """
    expected = _expected_fingerprint(fingerprint)
    dists = find_dists(directory, patterns)
    if not dists:
        raise SigningError(f"no release artifacts ({', '.join(patterns)}) in "
                           f"{directory}: nothing to sign")
    with GnupgHome(gpgbinary, parent=tmpdir) as home:
        imported = import_keys(home.gpg, private_key, "gpg_key.private")
        subkey = check_signing_key(home.gpg, imported, expected)
        written = []
        for dist in dists:
            asc = signature_path(dist)
            if os.path.exists(asc) and verify_detached(home.gpg, asc, dist, expected).ok:
                continue
            written.append(os.path.basename(asc))
            if not check_mode:
                write_atomically({asc: sign_detached(home.gpg, dist, expected)})
        files = []
        problems = []
        for dist in dists:
            if check_mode:
                files.append(_file_entry(dist))
                continue
            check = verify_detached(home.gpg, signature_path(dist), dist, expected)
            if not check.ok:
                problems.append(check.reason)
            elif check.signing_key_fingerprint:
                subkey = check.signing_key_fingerprint
            files.append(_file_entry(dist, check))
        if problems:
            listed = "\n- ".join(problems)
            raise SigningError(f"signatures were written but do not verify against "
                               f"{format_fingerprint(expected)}:\n- {listed}")
    return {"files": files, "signed": written, "fingerprint": expected,
            "signing_key_fingerprint": subkey, "changed": bool(written)}


# --------------------------------------------------------------------------
# Preflight before an upload


def pair_signatures(directory, patterns=DIST_PATTERNS):
    """Match dists with their ``.asc``; returns ``(dists, problems)``.

    A problem is a dist without its ``.asc``, an ``.asc`` without its dist,
    or no dist at all.
    """
    dists = find_dists(directory, patterns)
    problems = []
    if not dists:
        problems.append(f"no release artifacts ({', '.join(patterns)}) in {directory}")
    for dist in dists:
        if not os.path.isfile(signature_path(dist)):
            problems.append(f"{os.path.basename(dist)} has no signature "
                            f"({os.path.basename(signature_path(dist))} is missing)")
    names = set(dists)
    for asc in find_signatures(directory):
        if asc.removesuffix(SIGNATURE_SUFFIX) not in names:
            problems.append(f"{os.path.basename(asc)} has no matching dist: it would be "
                            "uploaded with nothing, or with the wrong file")
    return dists, problems


def verify_artifacts(directory, fingerprint, keys, gpgbinary="gpg",
                     patterns=DIST_PATTERNS, tmpdir=None):
    """Preflight: does every dist have an ``.asc`` made by the release key,
    and every ``.asc`` a dist?

    ``keys`` is a list of armored keys (public or private) for a throwaway
    keyring; the release key ``fingerprint`` must be among them.  Raises
    ``PreflightError`` listing every problem at once.  Returns a dict with
    ``files`` (path, sha256, signer) and ``upload_files`` (each dist
    followed by its ``.asc``, as twine should get them).
    """
    expected = _expected_fingerprint(fingerprint)
    dists, problems = pair_signatures(directory, patterns)
    files = []
    with GnupgHome(gpgbinary, parent=tmpdir) as home:
        imported = []
        for number, armored in enumerate(keys, start=1):
            imported += import_keys(home.gpg, armored, f"gpg_key (key {number})")
        if expected not in imported:
            found = ", ".join(format_fingerprint(f) for f in imported)
            raise PreflightError(
                [f"the key in gpg_key is {found}, not the release key "
                 f"{format_fingerprint(expected)} (release_signing_fingerprint): "
                 "the secret or the fingerprint is wrong"] + problems)
        for dist in dists:
            asc = signature_path(dist)
            if not os.path.isfile(asc):
                continue
            check = verify_detached(home.gpg, asc, dist, expected)
            if not check.ok:
                problems.append(check.reason)
            files.append(_file_entry(dist, check))
    if problems:
        raise PreflightError(problems, files)
    upload_files = []
    for entry in files:
        upload_files += [entry["path"], entry["signature"]]
    return {"files": files, "upload_files": upload_files, "fingerprint": expected}


# --------------------------------------------------------------------------
# What the index already has (twine's --skip-existing only works for pypi.org)


def upload_url_for(repository=None, repository_url=None):
    """The upload URL twine uses for ``repository`` / ``repository_url``."""
    if repository_url:
        return repository_url
    return KNOWN_REPOSITORIES.get(repository or "pypi", PYPI_UPLOAD_URL)


def simple_index_url(upload_url):
    """The simple API (PEP 503) base URL of the index behind ``upload_url``.

    pypi.org and TestPyPI are known; otherwise a trailing ``legacy/`` is
    dropped and ``simple/`` appended, which is where pypiserver, devpi and
    most other indexes serve it.
    """
    url = upload_url or PYPI_UPLOAD_URL
    if not url.endswith("/"):
        url += "/"
    if url in KNOWN_SIMPLE_URLS:
        return KNOWN_SIMPLE_URLS[url]
    url = url.removesuffix("legacy/")
    if url.endswith("/simple/"):
        return url
    return url + "simple/"


def dist_project_name(filename):
    """The canonical project name from a wheel or sdist file name."""
    name = os.path.basename(filename)
    if name.endswith(".whl"):
        return normalize_name(name.split("-")[0])
    for suffix in (".tar.gz", ".zip", ".tar.bz2"):
        stem = name.removesuffix(suffix)
        if stem != name and "-" in stem:
            return normalize_name(stem.rsplit("-", 1)[0])
    raise SigningError(f"cannot tell the project of {name} from its file name")


class _LinkParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def parse_simple_page(body, content_type="text/html"):
    """``{filename: sha256 or None}`` from a simple API project page, HTML
    (PEP 503) or JSON (PEP 691)."""
    files = {}
    if "json" in (content_type or ""):
        for entry in json.loads(body).get("files", []):
            files[entry["filename"]] = (entry.get("hashes") or {}).get("sha256")
        return files
    parser = _LinkParser()
    parser.feed(body)
    for href in parser.links:
        path, _, fragment = href.partition("#")
        name = unquote(path.rstrip("/").rsplit("/", 1)[-1])
        if name:
            digest = fragment.removeprefix("sha256=").lower()
            files[name] = digest if fragment.startswith("sha256=") else None
    return files


def index_files(simple_url, project, auth=None, timeout=30, session=None):
    """The files the index lists for ``project``: ``{filename: sha256 or None}``.

    A 404 means the project is not there yet.  A redirect to another host
    (pypiserver's fallback to pypi.org) also means this index has nothing.
    ``auth`` is sent only to the index's own host.
    """
    import requests  # only this helper needs it

    session = session or requests.Session()
    base = simple_url if simple_url.endswith("/") else simple_url + "/"
    url = urljoin(base, normalize_name(project) + "/")
    origin = urlsplit(url)[:2]
    headers = {"Accept": "application/vnd.pypi.simple.v1+json, "
                         "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"}
    for _hop in range(5):
        try:
            response = session.get(url, headers=headers, timeout=timeout, auth=auth,
                                   allow_redirects=False)
        except requests.RequestException as exc:
            raise SigningError(f"cannot ask {url} which files it has: {exc}") from None
        if response.status_code in (301, 302, 303, 307, 308):
            target = urljoin(url, response.headers.get("location", ""))
            if urlsplit(target)[:2] != origin:
                return {}
            url = target
            continue
        if response.status_code == 404:
            return {}
        if response.status_code in (401, 403):
            raise SigningError(
                f"{simple_url} refused to list {project} (HTTP {response.status_code}): "
                "check the credentials in pypi_info")
        if response.status_code != 200:
            raise SigningError(f"{url} answered HTTP {response.status_code}")
        return parse_simple_page(response.text, response.headers.get("content-type", ""))
    raise SigningError(f"too many redirects from {url}")


def split_existing(dists, simple_url, auth=None, timeout=30):
    """Sort ``dists`` (paths) into what the index already has and what it
    lacks, by file name, as twine's ``--skip-existing`` and the index itself
    do: an index never replaces a released file.  A file the index has under
    the same name but with another sha256 (a rebuild on a re-run) is still
    "existing", and is also reported in ``different``.  Returns a dict with
    ``existing`` and ``missing`` (paths) and ``different`` (one line each).
    """
    by_project = {}
    for dist in dists:
        by_project.setdefault(dist_project_name(dist), []).append(dist)
    existing, missing, different = [], [], []
    for project, paths in sorted(by_project.items()):
        listed = index_files(simple_url, project, auth=auth, timeout=timeout)
        for path in paths:
            name = os.path.basename(path)
            if name not in listed:
                missing.append(path)
                continue
            existing.append(path)
            remote, ours = listed[name], sha256_file(path)
            if remote and remote != ours:
                different.append(
                    f"{name}: the index keeps the file uploaded first (sha256 {remote}); "
                    f"this build (sha256 {ours}) is not uploaded")
    return {"existing": existing, "missing": missing, "different": different}
