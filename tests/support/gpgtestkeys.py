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

"""Throwaway OpenPGP keys made with the real ``gpg``, for tests.

Plain functions, no pytest: the signing tests and the signature audit both
use them.  Every key is shaped like a release key: a certify-only primary
key and a separate signing subkey, so code that must check the *primary*
fingerprint of a signature made by a subkey is really exercised.

Nothing here is for production: keys have no passphrase.
"""

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

GPG = os.environ.get("PYPI_GUARD_TEST_GPG", "gpg")
GPGCONF = os.environ.get("PYPI_GUARD_TEST_GPGCONF", "gpgconf")


@dataclass
class TestKey:
    """A generated key: where it lives and what identifies it."""

    __test__ = False  # not a pytest test class

    gnupghome: str
    uid: str
    fingerprint: str          # the primary key, 40 upper-case hex digits
    signing_subkey: str       # the signing subkey's fingerprint
    private: str              # armored secret key (primary and subkeys)
    public: str               # armored public key


def faked_time(when):
    """``--faked-system-time`` argument for ``when`` (epoch seconds or a
    ``YYYYMMDDTHHMMSS`` string); the trailing ``!`` freezes the clock."""
    if isinstance(when, (int, float)):
        return f"{int(when)}!"
    return when if when.endswith("!") else when + "!"


def gpg(gnupghome, *args, at=None, input=None):
    """Run gpg in batch mode in ``gnupghome``; returns the CompletedProcess.

    ``at`` runs it at a faked system time (see :func:`faked_time`).
    Raises ``subprocess.CalledProcessError`` (with gpg's output) on failure.
    """
    cmd = [GPG, "--homedir", str(gnupghome), "--batch", "--yes",
           "--no-tty", "--pinentry-mode", "loopback", "--passphrase", ""]
    if at is not None:
        cmd += ["--faked-system-time", faked_time(at)]
    cmd += list(args)
    return subprocess.run(cmd, input=input, capture_output=True, check=True,
                          text=isinstance(input, str) or input is None)


def new_gnupghome(parent=None):
    """A fresh GnuPG home (mode 0700) under ``parent`` (default: TMPDIR)."""
    home = tempfile.mkdtemp(prefix="gpgtest-", dir=parent)
    os.chmod(home, 0o700)
    return home


def _fingerprints(gnupghome, uid):
    out = gpg(gnupghome, "--with-colons", "--fingerprint", "--list-secret-keys",
              uid).stdout
    primary = None
    signing = []
    last = None
    for line in out.splitlines():
        fields = line.split(":")
        if fields[0] in ("sec", "ssb"):
            last = fields
        elif fields[0] == "fpr" and last is not None:
            if last[0] == "sec":
                primary = fields[9]
            elif "s" in last[11]:
                signing.append(fields[9])
            last = None
    return primary, signing


def generate_key(gnupghome, uid="Test Release Key <release@example.org>",
                 algo="ed25519", expire="never", subkey_expire=None, at=None):
    """Generate a key with a certify-only primary and a signing subkey.

    ``expire`` is the primary key's expiry as gpg takes it (``never``,
    ``1d``, ``2y``, an ISO date); ``subkey_expire`` defaults to it.  ``at``
    generates the key at a faked system time, so that, for example, a key
    generated at ``20200101T000000`` with ``expire='1d'`` is expired now.
    Returns a :class:`TestKey`.
    """
    gpg(gnupghome, "--quick-gen-key", uid, algo, "cert", expire, at=at)
    primary, _ = _fingerprints(gnupghome, uid)
    gpg(gnupghome, "--quick-add-key", primary, algo, "sign",
        subkey_expire or expire, at=at)
    primary, signing = _fingerprints(gnupghome, uid)
    if not signing:
        raise RuntimeError(f"gpg made no signing subkey for {uid}")
    return TestKey(
        gnupghome=str(gnupghome), uid=uid, fingerprint=primary,
        signing_subkey=signing[-1],
        private=export_private(gnupghome, primary),
        public=export_public(gnupghome, primary))


def export_private(gnupghome, fingerprint):
    """The armored secret key (primary and subkeys)."""
    return gpg(gnupghome, "--armor", "--export-secret-keys", fingerprint).stdout


def export_public(gnupghome, fingerprint):
    """The armored public key."""
    return gpg(gnupghome, "--armor", "--export", fingerprint).stdout


def sign_file(key, path, output=None, at=None):
    """Write an armored detached signature of ``path`` made by ``key``
    (its signing subkey); ``output`` defaults to ``<path>.asc``.  ``at``
    signs at a faked system time.  Returns the signature's path."""
    output = str(output or f"{path}.asc")
    if os.path.exists(output):
        os.unlink(output)
    gpg(key.gnupghome, "--local-user", key.fingerprint, "--armor",
        "--detach-sign", "--output", output, str(path), at=at)
    return output


def kill_agent(gnupghome):
    """Stop the gpg-agent that gpg started for ``gnupghome``."""
    subprocess.run([GPGCONF, "--homedir", str(gnupghome), "--kill", "all"],
                   capture_output=True, check=False)


def private_key_lines(key):
    """The lines of the armored private key that must never be printed or
    left on disk: every base64 body line (headers and blank lines are
    common to all keys and are left out)."""
    lines = []
    for line in key.private.splitlines():
        line = line.strip()
        if not line or line.startswith("-----") or ":" in line:
            continue
        if len(line) >= 16:
            lines.append(line)
    return lines


def tree_contains(root, needles):
    """Paths of files under ``root`` that contain any of ``needles``."""
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath, name)
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if any(n.encode() in data for n in needles):
                found.append(str(path))
    return found


def agents_under(directory):
    """gpg-agent processes started for a GnuPG home under ``directory``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "gpg-agent" in cmdline and str(directory) in cmdline:
            found.append(cmdline)
    return found
