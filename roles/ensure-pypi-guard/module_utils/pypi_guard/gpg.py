# Copyright 2026 pypi-guard contributors
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""The gpg layer: OpenPGP fingerprints, a throwaway GnuPG home, key import,
detached signatures made and checked.

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

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from ansible.module_utils.pypi_guard.errors import PypiGuardError

GNUPG_IMPORT_ERROR: str | None
try:
    import gnupg
    GNUPG_IMPORT_ERROR = None
except ImportError as exc:  # reported by the modules through fail_json
    gnupg = None
    GNUPG_IMPORT_ERROR = str(exc)

# A gnupg.GPG bound to a GnupgHome (python-gnupg ships no type information).
GPG = Any

EXPIRED_KEY = "signing key has expired"

_HEX40 = re.compile(r"^[0-9A-F]{40}$")


class SigningError(PypiGuardError):
    """Something a person has to fix; the message says what."""


class InvalidFingerprint(PypiGuardError, ValueError):
    """A value that is not a full OpenPGP v4 fingerprint."""


# --------------------------------------------------------------------------
# Fingerprints


def normalize_fingerprint(value: object) -> str:
    """Return ``value`` as 40 upper-case hex digits.

    Whitespace and case are ignored, so ``'a1b2 C3D4 ...'`` as printed by
    ``gpg --fingerprint`` is accepted, and so is a leading ``0x``.  Raises
    :class:`InvalidFingerprint` for anything that is not a full v4 fingerprint (key IDs
    included).
    """
    text = "".join(str(value or "").split()).upper().removeprefix("0X")
    if not _HEX40.match(text):
        raise InvalidFingerprint(
            f"{value!r} is not an OpenPGP fingerprint: expected 40 hex digits "
            "(spaces allowed), as printed by 'gpg --fingerprint'; key IDs are "
            "not accepted")
    return text


def normalize_fingerprints(values: str | Iterable[str]) -> list[str]:
    """Normalise one fingerprint or an iterable of them; returns a list."""
    if isinstance(values, str):
        values = [values]
    result = [normalize_fingerprint(v) for v in values]
    if not result:
        raise InvalidFingerprint("no expected fingerprint given")
    return result


def same_fingerprint(first: object, second: object) -> bool:
    """True when both are the same fingerprint (case and spaces ignored)."""
    try:
        return normalize_fingerprint(first) == normalize_fingerprint(second)
    except InvalidFingerprint:
        return False


def format_fingerprint(value: object) -> str:
    """``ABCD 1234 ...`` in groups of four, as gpg prints it."""
    fpr = normalize_fingerprint(value)
    return " ".join(fpr[i:i + 4] for i in range(0, 40, 4))



# --------------------------------------------------------------------------
# A throwaway GnuPG home


def _gpgconf_for(gpgbinary: str) -> str | None:
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


def _home_parent(parent: str | None) -> str:
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

    def __init__(self, gpgbinary: str = "gpg", parent: str | None = None) -> None:
        if gnupg is None:
            raise SigningError(
                f"python-gnupg is not installed for this interpreter "
                f"({GNUPG_IMPORT_ERROR}); run the ensure-pypi-guard role or "
                "install requirements.txt")
        self.gpgbinary = gpgbinary
        self.parent = parent
        self.path: str | None = None
        self.gpg: GPG = None

    def __enter__(self) -> GnupgHome:
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

    def __exit__(self, *exc_info: object) -> None:
        self.cleanup()

    def cleanup(self) -> None:
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


def _last_line(text: str | None) -> str:
    lines = [line for line in (text or "").splitlines()
             if line.strip() and not line.startswith("[GNUPG:]")]
    return lines[-1].strip() if lines else ""


def import_keys(gpg: GPG, armored: object, what: str = "the key") -> list[str]:
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


def _gpg_error(stderr: str | None) -> str:
    """The line of gpg's messages that says what went wrong."""
    lines = [line.strip() for line in (stderr or "").splitlines()
             if line.startswith("gpg:")]
    for line in lines:
        if "failed" in line or "error" in line.lower():
            return line
    return lines[-1] if lines else ""


def _key_record(gpg: GPG, fingerprint: str, secret: bool) -> dict[str, Any] | None:
    for key in gpg.list_keys(secret=secret):
        if key.get("fingerprint", "").upper() == fingerprint:
            return dict(key)
    return None


def check_signing_key(gpg: GPG, imported: Iterable[str], expected: str) -> str:
    """Is the key about to sign the release key in force?

    ``imported`` are the primary fingerprints from :func:`import_keys`;
    ``expected`` is ``release_python_signed_fingerprint``.  Returns the
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
            "(release_python_signed_fingerprint). Either the secret holds the wrong "
            "key or release_python_signed_fingerprint is out of date.")
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
    signer_fingerprint: str | None = None
    signing_key_fingerprint: str | None = None
    timestamp: int | None = None
    status: str | None = None
    key_status: str | None = None
    expected: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_detached(gpg: GPG, signature_file: str | os.PathLike[str],
                    data_file: str | os.PathLike[str], expected: str | Iterable[str],
                    allow_expired_key: bool = False) -> SignatureCheck:
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

    def result(ok: bool, reason: str, verified: Any = None) -> SignatureCheck:
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
# Signing


def sign_detached(gpg: GPG, path: str | os.PathLike[str], fingerprint: str) -> bytes:
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

