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

"""Warehouse's web forms as a person uses them: a session cookie, the CSRF
token of the page, a two-factor (TOTP) login."""

import base64
import hashlib
import hmac
import re
import struct
import time
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


def totp(secret_b32, counter):
    """RFC 6238 TOTP (SHA-1, 6 digits, 30 s) for time step ``counter``."""
    key = base64.b32decode(secret_b32)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{code % 1_000_000:06d}"


class _Forms(HTMLParser):
    """Every form of a page: its action and its inputs' default values."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "fields": {}})
        elif tag in ("input", "button") and self.forms and attrs.get("name"):
            if attrs.get("type") in ("submit", "checkbox", "radio") and tag == "input":
                return
            self.forms[-1]["fields"].setdefault(attrs["name"], attrs.get("value") or "")


def forms(html):
    parser = _Forms()
    parser.feed(html)
    return parser.forms


class WebError(AssertionError):
    pass


class WebUser:
    """One Warehouse account in a browser-like session."""

    # the last TOTP time step used per secret: Warehouse refuses a code twice
    _used_steps = {}

    def __init__(self, url, username, password, totp_secret):
        self.url = url.rstrip("/")
        self.username = username
        self.password = password
        self.totp_secret = totp_secret
        self.session = requests.Session()
        self.logged_in = False

    def _absolute(self, path):
        return urljoin(self.url + "/", path.lstrip("/"))

    def get(self, path, **kwargs):
        response = self.session.get(self._absolute(path), timeout=60, **kwargs)
        if response.status_code >= 400:
            raise WebError(f"GET {path} as {self.username}: HTTP {response.status_code}")
        return response

    def submit(self, page, action=None, data=None, expect=None, with_field=None, match=None):
        """GET ``page``, find its form whose action contains ``action`` and
        which has the input ``with_field`` and the default values of ``match``
        (the first form without), fill ``data`` over its defaults (CSRF token
        included) and POST it.  Returns the final response."""
        response = self.get(page)
        candidates = [form for form in forms(response.text)
                      if (action is None or action in form["action"])
                      and (with_field is None or with_field in form["fields"])
                      and all(form["fields"].get(k) == v for k, v in (match or {}).items())]
        if not candidates:
            raise WebError(f"{page}: no form posting to {action!r} for {self.username}"
                           f" (forms: {[f['action'] for f in forms(response.text)]})")
        form = candidates[0]
        fields = dict(form["fields"])
        fields.update(data or {})
        target = urljoin(response.url, form["action"] or response.url)
        answer = self.session.post(target, data=fields, timeout=60,
                                   headers={"Referer": response.url})
        if answer.status_code >= 400:
            raise WebError(f"POST {target} as {self.username}: HTTP {answer.status_code}")
        # Warehouse shows its flash messages through an include the page's
        # JavaScript loads: ask for it as the browser would.
        flashes = self.session.get(self._absolute("/_includes/unauthed/flash-messages/"),
                                   timeout=60).text
        errors = [m.strip() for m in re.findall(
            r'notification-bar--danger.*?notification-bar__message">(.*?)</span>', flashes, re.S)]
        answer.flashes = [m.strip() for m in re.findall(
            r'notification-bar__message">(.*?)</span>', flashes, re.S)]
        if errors:
            raise WebError(f"POST {target} as {self.username}: Warehouse says {errors}")
        if expect and not any(re.search(expect, m) for m in answer.flashes):
            raise WebError(f"POST {target} as {self.username}: no message {expect!r}"
                           f" (page {answer.url}, messages {answer.flashes})")
        return answer

    def _fresh_code(self):
        while True:
            step = int(time.time() // 30)
            if WebUser._used_steps.get(self.totp_secret, -1) < step:
                WebUser._used_steps[self.totp_secret] = step
                return totp(self.totp_secret, step)
            time.sleep(30 - time.time() % 30 + 0.2)

    def login(self):
        answer = self.submit("/account/login/", "/account/login/",
                             {"username": self.username, "password": self.password})
        if "/account/two-factor/" not in answer.url:
            raise WebError(f"login of {self.username}: no two-factor page ({answer.url})")
        page = answer.url.split(self.url, 1)[-1]
        answer = self.submit(page, None, {"totp_value": self._fresh_code()},
                             with_field="method")
        if "/account/two-factor/" in answer.url or "/account/login/" in answer.url:
            raise WebError(f"login of {self.username}: two-factor refused ({answer.url})")
        self.logged_in = True
        return self

    def ensure_login(self):
        if not self.logged_in:
            self.login()
        return self
