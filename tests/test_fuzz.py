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

"""Property-based tests (hypothesis) of every parser and validator that reads
outside input: PyPI's JSON, XML-RPC, RSS and simple API answers, the
deliverables, series_status.yaml, the vars files, the changelog and the
watcher's state.

Two properties, whatever the input:

1. the parser returns a result or raises the project's own error
   (FetchError and its subclasses, ChangelogError, VarsFileError,
   DeliverablesError, AuditInputError, StateError, ValueError where the
   function documents it); any other exception is a bug;
2. no input turns a project with a problem into a clean result: an account
   that is not allowed, a release that is not listed, an unusable file entry
   are always a finding or an error.

The inputs are the real shapes with hostile leaves (wrong types, huge
numbers, control, bidi and look-alike characters, lone surrogates).  The
"ci" profile of tests/conftest.py keeps them fast; HYPOTHESIS_PROFILE=dev or
thorough searches longer.
"""

import datetime
import json
import tempfile
import xmlrpc.client
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import requests
import yaml
from ansible.module_utils.pypi_guard.allowlist import (
    VarsFileError,
    account_key,
    is_pypi_account_name,
    load_maintainers_allowlist_variable,
    parse_known_releases,
    parse_maintainers_allowlist,
    parse_strict_yaml,
)
from ansible.module_utils.pypi_guard.changelog import (
    ChangelogError,
    JournalEntry,
    entries_since,
    parse_action,
)
from ansible.module_utils.pypi_guard.deliverables import (
    DeliverablesError,
    ManagedProject,
    check_deliverable,
    load_deliverable,
    projects_of_deliverable,
    schema_validator,
    version_key,
)
from ansible.module_utils.pypi_guard.errors import AuditInputError
from ansible.module_utils.pypi_guard.http import FetchError
from ansible.module_utils.pypi_guard.index import parse_simple_page
from ansible.module_utils.pypi_guard.keys import load_series_keys
from ansible.module_utils.pypi_guard.pypi_maintainers_audit import audit_project
from ansible.module_utils.pypi_guard.pypi import fetch_ownership, json_document
from ansible.module_utils.pypi_guard.pypi_release_audit import (
    PyPIReleases,
    audit_releases,
    parse_release_feed,
    summarize_json,
)
from ansible.module_utils.pypi_guard.release_signature_audit import (
    EARLIEST_UPLOAD,
    Scope,
    files_in_scope,
    parse_upload_time,
)
from ansible.module_utils.pypi_guard.pypi_watch import (
    StateError,
    WatchState,
    judge_entry,
    parse_state,
    read_state_file,
)
from hypothesis import assume, event, example, given
from hypothesis import strategies as st

PYPI = "http://127.0.0.1:9"
URL = f"{PYPI}/pypi/nova/json"
TODAY = datetime.date(2026, 11, 25)
SCHEMA_CHECKOUT = Path(__file__).parent / "fixtures" / "managed-set" / "releases"

# --------------------------------------------------------------------------
# Hostile building blocks

NASTY_TEXT = [
    "", " ", "\t", "\n", "\r\n", "\x00", "\x1b[31m", "\x7f", "\x85", "\u2028",
    "\u202e", "\u2066", "\u200b", "\u200e", "\ufeff", "\ud800", "\udfff", "\U0001f600",
    "\u212a", "\u0131", "\u017f", "\u0430", "\uff41", "e\u0301", "0" * 300, "nan",
    "1e999", "-1", "../..", "a/b", "\\", "%s", "{0}", "<x>", "&amp;", "]]>", "null",
]
HUGE_INTS = [2**31, 2**63, -(2**63) - 1, 10**30, -1, 0]

any_char = st.characters(exclude_categories=())  # surrogates included
hostile_text = st.one_of(
    st.text(any_char, max_size=12),
    st.sampled_from(NASTY_TEXT),
    st.lists(st.sampled_from(NASTY_TEXT) | st.text(max_size=3), max_size=4).map("".join),
)
hostile_int = st.integers() | st.sampled_from(HUGE_INTS)
leaf = st.one_of(st.none(), st.booleans(), hostile_int, st.floats(), hostile_text)
json_like = st.recursive(
    leaf, lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(hostile_text, inner, max_size=4), max_leaves=12)


def mostly(good, bad, one_in=8):
    """``good``, and ``bad`` once in ``one_in`` draws: shapes nested a few
    levels deep must still be valid often enough to reach the code behind
    the shape checks."""
    return st.integers(1, one_in).flatmap(lambda n: bad if n == 1 else good)


def maybe(strategy):
    """The real shape, or (sometimes) anything at all in its place."""
    return mostly(strategy, json_like)


def text_of(alphabet, **kwargs):
    return st.text(st.sampled_from(alphabet), **kwargs)


ASCII_NAME = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
sane_name = text_of(ASCII_NAME, min_size=1, max_size=12)
role_name = st.sampled_from(["Owner", "Maintainer"])
version_text = st.one_of(
    st.from_regex(r"\A[0-9]{1,3}(\.[0-9]{1,3}){0,3}((a|b|rc|\.post|\.dev)[0-9])?\Z"),
    st.sampled_from(["1.0", "1.0.0", "01.0", "1.0.0.0", "v1.0", "rocky-em", "ROCKY-EM ",
                     "1!2.0", "1.0+local", "2.0-rc1", " 3.0 ", "4.0\n"]),
    hostile_text,
)
iso_time = st.one_of(
    st.datetimes(min_value=datetime.datetime(1, 1, 1)).map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(["2024-01-02T03:04:05.123456789Z", "0001-01-01T00:00:00Z",
                     "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59",
                     "1999-12-31T23:59:59Z", "2024-02-30T00:00:00", "now"]),
    hostile_text,
)


def json_bytes(value):
    """JSON text of ``value`` as an index would send it (a lone surrogate
    travels as its \\u escape, like Warehouse's)."""
    return json.dumps(value).encode("utf-8")


def response(body, status=200, url=URL, content_type="application/json"):
    """A real requests.Response whose body is already read, as HttpClient
    returns it."""
    answer = requests.Response()
    answer.status_code = status
    answer.url = url
    answer.headers["Content-Type"] = content_type
    answer._content = body
    answer._content_consumed = True
    return answer


class Index:
    """Answers HttpClient.request with fixed bodies: ``json`` (GET) and
    ``xmlrpc`` (POST); only the parsing after the transfer is under test."""

    def __init__(self, json_body=b"{}", json_status=200, xmlrpc_body=b""):
        self.json_body, self.json_status, self.xmlrpc_body = json_body, json_status, xmlrpc_body

    def request(self, method, url, ok_status=(200,), **_kwargs):
        if method == "POST":
            return response(self.xmlrpc_body, url=url, content_type="text/xml")
        return response(self.json_body, self.json_status, url)


def xmlrpc_answer(value):
    """An XML-RPC methodResponse carrying ``value``; values XML-RPC cannot
    carry (a huge int, a surrogate) are written as a hostile index would."""
    try:
        text = xmlrpc.client.dumps((value,), methodresponse=True, allow_none=True)
    except (OverflowError, TypeError):
        text = ("<?xml version='1.0'?><methodResponse><params><param><value>"
                f"<int>{value!r}</int></value></param></params></methodResponse>")
    return text.encode("utf-8", "surrogatepass")


XML_BOMB = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&b;</r>')
XMLRPC_HOSTILE = [
    XML_BOMB, b"", b"<", b"\xff\xfe", b"<methodResponse/>",
    b"<methodResponse><params><param><value><int>99999999999999999999999999</int>"
    b"</value></param></params></methodResponse>",
    b"<methodResponse><params><param><value><double>1e999</double></value></param>"
    b"</params></methodResponse>",
    b"<methodResponse><params><param><value><dateTime.iso8601>99999999T99:99:99"
    b"</dateTime.iso8601></value></param></params></methodResponse>",
    b"<methodResponse><params><param><value><base64>!!!</base64></value></param>"
    b"</params></methodResponse>",
    b"<methodResponse><fault><value><struct></struct></value></fault></methodResponse>",
    b"<methodResponse><fault><value><int>1</int></value></fault></methodResponse>",
]
xmlrpc_body = st.one_of(
    json_like.map(xmlrpc_answer),
    st.lists(st.lists(maybe(sane_name | hostile_text), min_size=2, max_size=2)
             | json_like, max_size=4).map(xmlrpc_answer),
    st.builds(lambda code, text: xmlrpc.client.dumps(
        xmlrpc.client.Fault(code, text), methodresponse=True).encode("utf-8", "surrogatepass"),
        st.integers(-(2**31), 2**31 - 1), hostile_text),
    st.sampled_from(XMLRPC_HOSTILE),
    st.binary(max_size=40),
)

# --------------------------------------------------------------------------
# Ownership (JSON API) and package_roles (XML-RPC)

role_entry = st.fixed_dictionaries({"role": maybe(role_name | hostile_text),
                                    "user": maybe(sane_name | hostile_text)})
ownership_object = st.fixed_dictionaries(
    {"roles": maybe(st.lists(maybe(role_entry), max_size=4))},
    optional={"organization": maybe(st.none() | sane_name | hostile_text)})
info_object = st.fixed_dictionaries({}, optional={
    "name": maybe(sane_name), "version": maybe(version_text), "yanked": maybe(st.booleans())})
ownership_document = st.fixed_dictionaries(
    {"info": maybe(info_object)}, optional={"ownership": maybe(ownership_object)})


@given(document=maybe(ownership_document), status=st.sampled_from([200, 404]),
       roles=xmlrpc_body)
@example(document={"info": {}}, status=200, roles=b"").via("no ownership, no XML-RPC")
def test_ownership_answers_parse_or_fail_cleanly(document, status, roles):
    index = Index(json_bytes(document), status, roles)
    try:
        ownership = fetch_ownership(index, PYPI, "nova")
    except FetchError:
        event("FetchError")
        return
    event(f"parsed from {ownership.source}")
    assert all(isinstance(role, str) and isinstance(user, str)
               for role, user in ownership.roles)
    assert ownership.organization is None or isinstance(ownership.organization, str)


@given(body=st.one_of(st.binary(max_size=60), maybe(ownership_document).map(json_bytes)))
@example(body=b"[" * 3000).via("nesting deeper than the recursion limit")
@example(body=b'{"info": {}, "x": ' + b"[" * 3000 + b"]" * 3000 + b"}")
def test_json_documents_parse_or_fail_cleanly(body):
    try:
        document = json_document(response(body))
    except FetchError:
        return
    assert isinstance(document["info"], dict)


ALLOWLIST = load_maintainers_allowlist_variable({
    "required_owners": ["openstackci"],
    "allowed_accounts": ["release-bot"],
    "allowed_organizations": ["openstack"],
    "exceptions": {"nova": [{"account": "helper", "role": "Maintainer", "reason": "r"}]},
})
ALLOWED = ["openstackci", "release-bot", "helper"]
# Characters a look-alike of an allowed name is made of.
LOOK_ALIKES = {"k": "\u212a", "i": "\u0131\u0456", "s": "\u017f\u0455", "a": "\u0430",
               "o": "\u043e\u03bf", "e": "\u0435", "c": "\u0441", "p": "\u0440",
               "l": "\u04cf\u2113", "-": "\u2010\u2011\u2212"}
INVISIBLE = ["\u200b", "\u200e", "\u202e", "\ufeff", "\n", " ", "\t", "\x00", "\u00ad"]


@st.composite
def case_of(draw, name):
    """``name`` in any ASCII letter case."""
    flips = draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    return "".join(c.upper() if flip else c for c, flip in zip(name, flips, strict=True))


@st.composite
def look_alike(draw):
    """An allowed name (or kevin) in any case with one character swapped
    for a look-alike, or an invisible one added."""
    name = draw(st.sampled_from(ALLOWED + ["kevin"]))
    name = draw(case_of(name))
    swappable = [i for i, c in enumerate(name) if c.lower() in LOOK_ALIKES]
    if swappable and draw(st.booleans()):
        at = draw(st.sampled_from(swappable))
        other = draw(st.sampled_from(LOOK_ALIKES[name[at].lower()]))
        return name[:at] + other + name[at + 1:]
    at = draw(st.integers(0, len(name)))
    return name[:at] + draw(st.sampled_from(INVISIBLE)) + name[at:]


not_allowed_account = st.one_of(look_alike(), sane_name, hostile_text.filter(bool)).filter(
    lambda name: account_key(name) not in ALLOWED)
allowed_holders = st.lists(st.tuples(role_name, st.sampled_from(ALLOWED[:2]).flatmap(case_of)),
                           max_size=3)


@given(rogue=not_allowed_account, rogue_role=role_name | hostile_text.filter(bool),
       others=allowed_holders, position=st.integers(0, 3),
       via_json=st.booleans(), organization=st.none() | st.just("openstack"))
@example(rogue="\u212aevin", rogue_role="Owner", others=[], position=0, via_json=True,
         organization=None).via("the Kelvin sign")
@example(rogue="openstackci\n", rogue_role="Maintainer", others=[("Owner", "openstackci")],
         position=1, via_json=True, organization=None)
@example(rogue="HELPER\u200b", rogue_role="Maintainer", others=[], position=0,
         via_json=False, organization=None)
def test_an_account_not_allowed_is_always_a_finding(rogue, rogue_role, others, position,
                                                    via_json, organization):
    roles = list(others)
    roles.insert(min(position, len(roles)), (rogue_role, rogue))
    if via_json:
        ownership = {"roles": [{"role": r, "user": u} for r, u in roles]}
        if organization:
            ownership["organization"] = organization
        index = Index(json_bytes({"info": {}, "ownership": ownership}))
    else:
        index = Index(json_bytes({"info": {}}), xmlrpc_body=xmlrpc_answer(
            [[r, u] for r, u in roles]))
    try:
        parsed = fetch_ownership(index, PYPI, "nova")
    except FetchError:  # XML cannot carry every character: an error, never clean
        event("FetchError")
        return
    findings, _ = audit_project(parsed, ALLOWLIST, TODAY)
    # the other holders are allowed: any such finding is about the rogue (as
    # the transport carried it: XML reads a CR as a LF)
    flagged = [f for f in findings
               if f.kind in ("unexpected-account", "role-not-allowed", "expired-exception")]
    assert flagged, (rogue, findings)


@given(organization=not_allowed_account.filter(lambda o: account_key(o) != "openstack")
       | st.sampled_from(["openstack\u200b", "\u043epenstack", "OPENSTACK\n"]))
def test_an_organization_not_allowed_is_always_a_finding(organization):
    index = Index(json_bytes({"info": {}, "ownership": {
        "roles": [{"role": "Owner", "user": "openstackci"}], "organization": organization}}))
    findings, _ = audit_project(fetch_ownership(index, PYPI, "nova"), ALLOWLIST, TODAY)
    assert [f.kind for f in findings] == ["organization-not-allowed"]


# --------------------------------------------------------------------------
# Release JSON and RSS


def rss(items, prefix=""):
    """An RSS feed of ``(title, pubDate)`` items, escaped as XML."""
    body = "".join(
        "<item>" + (f"<title>{escape(t)}</title>" if t is not None else "")
        + (f"<pubDate>{escape(d)}</pubDate>" if d is not None else "")
        + "<link>x</link></item>" for t, d in items)
    text = f'<?xml version="1.0"?>{prefix}<rss version="2.0"><channel>{body}</channel></rss>'
    return text.encode("utf-8", "surrogatepass")


pub_date = mostly(st.none() | st.datetimes(timezones=st.timezones()).map(
    lambda d: d.strftime("%a, %d %b %Y %H:%M:%S %z") if d.year >= 1000 else d.isoformat()),
    st.sampled_from(["Mon, 01 Jan 99999999999999999999 00:00:00 GMT",
                     "Mon, 01 Jan 2024 00:00:00 +9999", "Mon, 99 Foo 2024 99:99:99 GMT",
                     "Mon, 01 Jan 0 00:00:00 GMT", "01 Jan 2024", "-1"]) | hostile_text)
feed_items = st.lists(st.tuples(mostly(version_text, st.none()), pub_date), max_size=5)
feed_body = mostly(feed_items.map(rss), st.one_of(
    st.sampled_from([XML_BOMB, b"<rss/>", b"<feed><channel/></feed>", b"",
                     b'<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/x">'
                     b'<rss><channel/></rss>', b"<rss><channel><item><title>1</title>"]),
    st.binary(max_size=40)), one_in=4)


@given(body=feed_body)
@example(body=rss([("1.0", "Mon, 01 Jan 99999999999999999999 00:00:00 GMT")]))
def test_feeds_parse_or_fail_cleanly(body):
    try:
        releases = parse_release_feed(body, URL)
    except FetchError:
        event("FetchError")
        return
    for item in releases:
        assert isinstance(item["version"], str) and item["version"] == item["version"].strip()
        assert item["version"]
        assert item["published"] is None or isinstance(item["published"], str)


file_entry = st.fixed_dictionaries({}, optional={
    "filename": maybe(st.just("nova-1.0.tar.gz") | hostile_text),
    "url": maybe(st.just("https://files.example/nova-1.0.tar.gz") | hostile_text),
    "digests": maybe(st.fixed_dictionaries({}, optional={
        "sha256": maybe(st.from_regex(r"\A[0-9a-fA-F]{64}\Z") | hostile_text)})),
    "upload_time_iso_8601": maybe(iso_time),
    "upload_time": maybe(iso_time),
    "yanked": maybe(st.booleans()),
    "size": maybe(hostile_int),
})
releases_object = st.dictionaries(version_text, maybe(st.lists(maybe(file_entry), max_size=3)),
                                  max_size=4)
release_document = st.fixed_dictionaries(
    {"info": maybe(info_object)},
    optional={"releases": maybe(releases_object),
              "urls": maybe(st.lists(maybe(file_entry), max_size=3))})


@given(document=maybe(release_document))
@example(document={"info": {}, "releases": {"1.0": [{"upload_time_iso_8601": 1},
                                                    {"upload_time_iso_8601": "x"}]}})
@example(document={"info": {}, "releases": {"1.0": [{"upload_time_iso_8601": [1]}, {}]}})
def test_release_json_parses_or_fails_cleanly(document):
    try:
        summary = summarize_json(json_document(response(json_bytes(document))), URL)
    except FetchError:
        event("FetchError")
        return
    for version, details in summary.items():
        assert isinstance(version, str)
        assert isinstance(details["yanked"], bool)
        assert details["upload_time"] is None or isinstance(details["upload_time"], str)


@given(expected=st.lists(version_text, max_size=4), known=st.lists(version_text, max_size=2),
       rogue=version_text, noise=st.lists(version_text, max_size=4),
       where=st.sampled_from(["feed", "json", "both"]), yanked=st.booleans())
@example(expected=["1.0"], known=[], rogue="1.0.1", noise=["1.0.0"], where="feed",
         yanked=True)
@example(expected=["rocky-em"], known=[], rogue="rocky-em2", noise=[], where="json",
         yanked=False)
@example(expected=[], known=[], rogue="\ud800", noise=[], where="json", yanked=False).via(
    "a lone surrogate in the release's link")
def test_a_release_not_listed_is_always_unexpected(expected, known, rogue, noise, where,
                                                   yanked):
    listed = {version_key(v) for v in expected + known}
    assume(version_key(rogue) not in listed)
    feed = [(v, None) for v in noise] + ([(rogue, None)] if where != "json" else [])
    releases = {v: [] for v in noise}
    if where != "feed":
        releases[rogue] = [{"upload_time_iso_8601": "2026-01-01T00:00:00Z",
                            "yanked": yanked}]
    try:
        pypi = PyPIReleases("nova", parse_release_feed(rss(feed), URL), summarize_json(
            json_document(response(json_bytes({"info": {}, "releases": releases}))), URL))
    except FetchError:  # an unreadable feed is an error, never clean
        event("FetchError")
        return
    findings, _ = audit_releases(PYPI, pypi, expected, {v: "r" for v in known})
    assert any(f.kind == "unexpected-release" and version_key(f.version) == version_key(rogue)
               for f in findings), (rogue, findings)


# --------------------------------------------------------------------------
# The simple API (PEP 503 HTML, PEP 691 JSON)

simple_json = st.fixed_dictionaries(
    {"files": maybe(st.lists(maybe(st.fixed_dictionaries({}, optional={
        "filename": maybe(st.just("nova-1.0.tar.gz") | hostile_text),
        "hashes": maybe(st.fixed_dictionaries({}, optional={
            "sha256": maybe(mostly(st.from_regex(r"\A[0-9a-fA-F]{64}\Z"), hostile_text))}))})),
        max_size=3))},
    optional={"meta": maybe(st.just({"api-version": "1.0"}))}).map(json.dumps)
href = st.one_of(st.just("nova-1.0.tar.gz"), hostile_text).flatmap(
    lambda name: st.sampled_from([name, f"../../{name}", f"https://x/{name}#sha256={'a' * 64}",
                                  f"{name}#sha256=", f"{name}#sha256={name}", f"{name}/"]))
simple_html = st.builds(
    lambda doctype, links, junk: doctype + "".join(
        f'<a href="{escape(h, {chr(34): "&quot;"})}">{escape(h)}</a>{junk}' for h in links),
    mostly(st.sampled_from(["<!DOCTYPE html>", "<html><body>"]),
           st.sampled_from(["", "<!doctype HTML", "<![CDATA["])),
    st.lists(href, max_size=3), mostly(st.just("\n"), hostile_text))
JSON_TYPES = ["application/vnd.pypi.simple.v1+json", "application/json; charset=utf-8"]
HTML_TYPES = ["text/html", "application/vnd.pypi.simple.v1+html", "TEXT/HTML ; q=1"]
simple_page = mostly(
    st.tuples(simple_json, st.sampled_from(JSON_TYPES))
    | st.tuples(simple_html, st.sampled_from(HTML_TYPES)),
    st.tuples(hostile_text | json_like.map(json.dumps),
              st.sampled_from(JSON_TYPES + HTML_TYPES) | st.none() | hostile_text), one_in=4)


@given(page=simple_page)
@example(page=("[" * 3000, "application/json"))
@example(page=("<!DOCTYPE html><![if x]><a href='x'>", "text/html"))
@example(page=("<html><!", "text/html"))
def test_simple_pages_parse_or_fail_cleanly(page):
    body, content_type = page
    try:
        files = parse_simple_page(body, content_type, "http://127.0.0.1:9/simple/nova/")
    except FetchError:
        event("FetchError")
        return
    for name, listed in files.items():
        assert isinstance(name, str) and name
        digest = listed.sha256
        assert digest is None or (len(digest) == 64 and digest == digest.lower())
        assert listed.url is None or isinstance(listed.url, str)


# --------------------------------------------------------------------------
# The signature audit's file entries


@given(entry=maybe(file_entry).filter(lambda e: isinstance(e, dict)))
@example(entry={"upload_time_iso_8601": "0001-01-01T00:00:00+23:59"})
@example(entry={"upload_time": "9999-12-31T23:59:59-23:59"})
def test_upload_times_parse_or_fail_cleanly(entry):
    try:
        moment = parse_upload_time(entry)
    except ValueError:
        return
    assert moment is None or (moment.tzinfo is not None and moment >= EARLIEST_UPLOAD)


scope = st.one_of(st.just(Scope("all")), st.just(Scope("latest")),
                  st.dates().map(lambda d: Scope("since", d)),
                  st.dates().map(lambda d: Scope("latest", d)))


@given(document=maybe(release_document).filter(lambda d: isinstance(d, dict)), scope=scope)
def test_file_lists_never_crash(document, scope):
    files, problems = files_in_scope("nova", document, scope)
    assert all(isinstance(problem, str) for problem in problems)
    for dist in files:
        assert len(dist.sha256) == 64 and dist.url.startswith(("http://", "https://"))
        assert "/" not in dist.filename and ".." not in dist.filename


@given(document=maybe(release_document).filter(lambda d: isinstance(d, dict)))
@example(document={"info": {}, "releases": {"1.0": [{"digests": ["x"]},
                                                    {"upload_time": "0001-01-01"}]}})
@example(document={"info": {"version": "1.0"}, "urls": [{"filename": "a"}]})
def test_an_unusable_file_entry_is_an_error_never_dropped(document):
    """With scope ``all`` every file entry PyPI lists is either a file to
    check or a problem; a release or document of the wrong shape is a
    problem too."""
    files, problems = files_in_scope("nova", document, Scope("all"))
    releases = document.get("releases")
    if isinstance(releases, dict):
        lists = [f for f in releases.values() if isinstance(f, list)]
        shape_problems = len(releases) - len(lists)
    else:  # only info.version's files ('urls') can be listed, and that is a problem
        shape_problems = 1
        assert problems, "no 'releases' object must be a problem"
        info = document.get("info")
        version = info.get("version") if isinstance(info, dict) else None
        urls = document.get("urls")
        lists = [urls] if isinstance(version, str) and version and isinstance(urls, list) \
            else []
    entries = sum(len(f) for f in lists)
    assert len(files) + len(problems) - shape_problems == entries, (files, problems)


# --------------------------------------------------------------------------
# YAML the release team writes: deliverables, series_status.yaml, vars files

YAML_BITS = [
    "!!int ", "!!float ", "!!timestamp ", "!!binary ", "!!str ", "!!null ", "!!bool ",
    "!!set ", "!!omap ", "!!python/object/apply:os.system ", "!<tag:yaml.org,2002:int> ",
    "&a ", "*a", "<<: *a", "{", "}", "[", "]", ": ", "- ", "? ", "\n", "  ", "key",
    "2020-02-30", "2020-01-01", "0x1F", "0o7", "0b2", "1e9999", "1_0", ".nan", "~", "null",
    "on", "yes", "'", '"', "\\", "#", "%YAML 1.1\n", "%TAG ! tag:x:\n", "---\n", "...\n",
    "\t", "\x85", "\u2028", "\ufeff", "\ud800", "\x00", "abc", "12:30:00",
]
yaml_text = st.lists(st.sampled_from(YAML_BITS) | hostile_text, max_size=14).map("".join)


def yaml_of(data_strategy):
    """YAML text of the real shape, sometimes with a hostile fragment spliced in."""
    return st.builds(
        lambda data, bit, at: (lambda text: text[:at % (len(text) + 1)] + bit
                               + text[at % (len(text) + 1):])(
            yaml.safe_dump(data, allow_unicode=True)),
        data_strategy, mostly(st.just(""), st.sampled_from(YAML_BITS), one_in=3),
        st.integers(0, 400))


def write(directory, name, text):
    path = Path(directory) / name
    path.write_bytes(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    return path


repo_name = st.sampled_from(["openstack/nova", "openstack/oslo.config", "x/puppet-nova",
                             "openstack/nova-tempest-plugin"]) | hostile_text
flags = maybe(st.lists(st.sampled_from(["no-artifact-build-job", "retired"]) | hostile_text,
                       max_size=2) | st.sampled_from(["-retired", "retired"]))
deliverable = st.fixed_dictionaries(
    {"team": maybe(st.sampled_from(["nova", "Puppet OpenStack"]))},
    optional={
        "type": maybe(st.sampled_from(["library", "service", "horizon-plugin", "other",
                                       "tempest-plugin", "client-library"])),
        "release-type": maybe(st.sampled_from(["python-pypi", "Python-PyPI", "generic",
                                               "nodejs", "pypi", ""])),
        "release-model": maybe(st.sampled_from(["cycle-with-rc", "untagged",
                                                "cycle-trailing", "independent"])),
        "include-pypi-link": maybe(st.booleans()),
        "repository-settings": maybe(st.dictionaries(repo_name, maybe(
            st.none() | st.fixed_dictionaries({}, optional={
                "pypi-name": maybe(sane_name), "tarball-base": maybe(sane_name),
                "flags": flags})), max_size=2)),
        "releases": maybe(st.lists(maybe(st.fixed_dictionaries(
            {"version": maybe(version_text | st.floats() | hostile_int)},
            optional={"projects": maybe(st.lists(maybe(st.fixed_dictionaries(
                {"repo": maybe(repo_name),
                 "hash": st.just("0123456789abcdef0123456789abcdef01234567")},
                optional={"tarball-base": maybe(sane_name)})), max_size=2))})),
            max_size=3)),
    })
VALIDATOR = schema_validator(SCHEMA_CHECKOUT)


@pytest.mark.parametrize("validator", [None, VALIDATOR], ids=["shape", "schema"])
@given(data=deliverable)
@example(data={"team": "nova", "releases": [{"version": "1.0", "projects": [
    {"repo": "", "hash": "0123456789abcdef0123456789abcdef01234567"}]}]}).via("no PyPI name")
@example(data={"team": "nova", "repository-settings": {"openstack/": {}}})
def test_deliverables_are_problems_or_projects(validator, data):
    problems, warnings = check_deliverable("deliverables/epoxy/nova.yaml", data, validator)
    assert all(isinstance(line, str) for line in problems + warnings)
    if problems:
        event("problems")
        return
    event("valid")
    for pypi_name, repo, versions, retired in projects_of_deliverable(data, "nova"):
        assert isinstance(pypi_name, str) and pypi_name and isinstance(repo, str)
        assert all(isinstance(v, str) for v in versions) and isinstance(retired, bool)
        for version in versions:
            version_key(version)


@given(text=yaml_text | yaml_of(deliverable) | st.binary(max_size=40))
@example(text="team: !!int abc\n").via("a tag whose constructor raises ValueError")
@example(text="team: !!timestamp 2020-02-30\n")
@example(text=b"team: \xff\n")
def test_deliverable_files_load_or_fail_cleanly(text):
    with tempfile.TemporaryDirectory() as directory:
        try:
            data = load_deliverable(write(directory, "nova.yaml", text))
        except DeliverablesError:
            event("DeliverablesError")
            return
    assert isinstance(data, dict)
    try:
        check_deliverable("nova.yaml", data, VALIDATOR)
    except DeliverablesError:
        pass


fingerprint = st.from_regex(r"\A(0x)?[0-9a-fA-F ]{40,49}\Z") | hostile_text | hostile_int
series_status = st.lists(maybe(st.fixed_dictionaries(
    {"name": maybe(st.sampled_from(["epoxy", "flamingo"]))},
    optional={"signing-key": maybe(st.fixed_dictionaries({}, optional={
        "key": maybe(fingerprint),
        "start": maybe(st.dates().map(str) | st.dates() | hostile_text),
        "end": maybe(st.just("present") | st.dates().map(str) | st.dates())}))})), max_size=3)


@given(text=yaml_of(series_status) | yaml_text | st.binary(max_size=40))
@example(text="- name: x\n  signing-key: {key: !!int abc}\n").via("ValueError of a tag")
@example(text="- name: x\n  signing-key: {start: !!timestamp 2020-02-30}\n")
@example(text=b"- name: \xff\n").via("not UTF-8")
def test_series_status_loads_or_fails_cleanly(text):
    with tempfile.TemporaryDirectory() as directory:
        try:
            keys = load_series_keys(write(directory, "series_status.yaml", text))
        except AuditInputError:
            event("AuditInputError")
            return
    for fingerprint_text, windows in keys.items():
        assert len(fingerprint_text) == 40
        assert all(w.end is None or w.start < w.end for w in windows)


allowlist_body = st.fixed_dictionaries({"required_owners": maybe(st.lists(
    maybe(sane_name | look_alike()), max_size=3))}, optional={
    "allowed_accounts": maybe(st.lists(maybe(sane_name | look_alike()), max_size=3)),
    "allowed_organizations": maybe(st.lists(maybe(sane_name), max_size=2)),
    "extra_projects": maybe(st.lists(maybe(sane_name), max_size=2)),
    "ignored_projects": maybe(st.dictionaries(maybe(sane_name).filter(
        lambda k: isinstance(k, str)), maybe(hostile_text), max_size=2)),
    "exceptions": maybe(st.dictionaries(sane_name, maybe(st.lists(maybe(st.fixed_dictionaries(
        {"account": maybe(sane_name | look_alike()), "role": maybe(role_name),
         "reason": maybe(hostile_text)},
        optional={"expires": maybe(st.dates().map(str) | st.just("2027-02-30"))})),
        max_size=2)), max_size=2)),
})


def check_allowlist(result):
    """A parsed allowlist holds PyPI account names only: no look-alike."""
    for account in [*result.required_owners, *result.allowed_accounts,
                    *result.allowed_organizations]:
        assert is_pypi_account_name(account), account
    for entries in result.exceptions.values():
        assert all(is_pypi_account_name(e.account) for e in entries.values())


@given(data=maybe(st.fixed_dictionaries({"pypi_maintainers_allowlist": maybe(allowlist_body)})))
@example(data={"pypi_maintainers_allowlist": {"required_owners": ["a\n"]}})
@example(data={"pypi_maintainers_allowlist": {"required_owners": ["\u212aevin"]}})
def test_allowlist_data_parses_or_fails_cleanly(data):
    try:
        check_allowlist(parse_maintainers_allowlist(data, "vars/pypi-maintainers.yaml"))
    except VarsFileError:
        event("VarsFileError")


@given(text=yaml_of(allowlist_body) | yaml_text)
@example(text="required_owners: [a]\nnull: x\n")
@example(text="required_owners: [a]\nexceptions: {nova: [{account: a, role: Owner, "
              "reason: r, expires: !!timestamp 2027-02-30}]}\n").via("ValueError of a tag")
@example(text="required_owners: &a [*a]\n").via("a recursive list")
def test_allowlist_variable_parses_or_fails_cleanly(text):
    try:
        check_allowlist(load_maintainers_allowlist_variable(text))
    except VarsFileError:
        event("VarsFileError")


@given(text=yaml_text)
@example(text="a: !!float x\n")
@example(text="a: !!int \n").via("IndexError in PyYAML")
@example(text="[" * 3000 + "]" * 3000).via("nesting deeper than the recursion limit")
@example(text="? [a, b]\n: 1\n")
def test_strict_yaml_parses_or_fails_cleanly(text):
    try:
        parse_strict_yaml(text, "vars/x.yaml")
    except VarsFileError:
        event("VarsFileError")


known_releases = st.fixed_dictionaries({"pypi_release_audit_known_releases": maybe(
    st.dictionaries(maybe(sane_name).filter(lambda k: isinstance(k, str)),
                    maybe(st.lists(maybe(st.fixed_dictionaries(
                        {"version": maybe(version_text), "reason": maybe(hostile_text)})),
                        max_size=3)), max_size=3))})


@given(data=maybe(known_releases))
@example(data={"pypi_release_audit_known_releases": {"nova": [
    {"version": "1.0", "reason": "r"}, {"version": "1.0.0", "reason": "r"}]}})
def test_known_releases_parse_or_fail_cleanly(data):
    try:
        result = parse_known_releases(data, "vars/pypi-releases.yaml")
    except VarsFileError:
        event("VarsFileError")
        return
    for versions in result.values():
        assert all(isinstance(v, str) and v.isascii() for v in versions)


# --------------------------------------------------------------------------
# The changelog and the watcher

VERBS = ["create", "new release", "remove release", "remove project", "yank release",
         "unyank release", "remove file", "invite", "revoke_invite", "accepted", "change",
         "add", "remove", "add source file", "add py3 file"]
action_text = st.one_of(
    hostile_text,
    st.lists(st.sampled_from(VERBS + ["Owner", "Maintainer", "to", "nova-1.0.tar.gz"])
             | hostile_text, max_size=5).map(" ".join))


@given(text=action_text)
def test_actions_parse_to_a_verb(text):
    action = parse_action(text)
    assert action.text == text
    if action.verb != "unknown":
        event(action.verb)


journal_row = maybe(st.tuples(maybe(sane_name), maybe(st.none() | version_text),
                              maybe(hostile_int), maybe(action_text),
                              maybe(hostile_int)).map(list))


@given(rows=maybe(st.lists(journal_row, max_size=4)).map(xmlrpc_answer) | xmlrpc_body,
       after=st.integers(0, 100))
def test_changelog_pages_parse_or_fail_cleanly(rows, after):
    try:
        entries = entries_since(Index(xmlrpc_body=rows), PYPI, after)
    except ChangelogError:
        event("ChangelogError")
        return
    for entry in entries:
        assert entry.serial > after and isinstance(entry.action, str)
        after = entry.serial


pending_item = st.fixed_dictionaries({
    "project": maybe(sane_name), "version": maybe(version_text), "filename": maybe(sane_name),
    "serial": maybe(hostile_int), "timestamp": maybe(hostile_int),
    "action": maybe(action_text), "upload_time": maybe(hostile_int)})
state = st.fixed_dictionaries({"version": maybe(st.just(1)), "serial": maybe(hostile_int),
                               "pending": maybe(st.lists(maybe(pending_item), max_size=3))})


@given(data=maybe(state))
def test_states_parse_or_fail_cleanly(data):
    try:
        parsed = parse_state(data, "state.json")
    except StateError:
        event("StateError")
        return
    assert isinstance(parsed, WatchState) and parsed.serial >= 0


@given(body=maybe(state).map(json_bytes) | st.binary(max_size=40))
@example(body=b"[" * 3000).via("nesting deeper than the recursion limit")
@example(body=b"\xff")
def test_state_files_read_or_fail_cleanly(body):
    with tempfile.TemporaryDirectory() as directory:
        try:
            read_state_file(write(directory, "state.json", body))
        except StateError:
            event("StateError")


@given(verb=st.sampled_from(["invite {role} {account}", "accepted {role} {account}",
                             "add {role} {account}", "change {old} {account} to {role}"]),
       role=role_name, old=role_name, account=not_allowed_account,
       version=st.none() | version_text)
@example(verb="invite {role} {account}", role="Owner", old="Owner", account="\u212aevin",
         version=None).via("the Kelvin sign")
@example(verb="invite {role} {account}", role="Owner", old="Owner", account="mal lory",
         version=None).via("an account with a space")
@example(verb="add {role} {account}", role="Owner", old="Owner", account="evil\nx",
         version=None).via("an account with a newline")
def test_a_role_for_an_account_not_allowed_is_always_a_finding(verb, role, old, account,
                                                               version):
    entry = JournalEntry("nova", version, 1767225600,
                         verb.format(role=role, old=old, account=account), 42)
    judgement = judge_entry(entry, ManagedProject("nova", "nova"), ALLOWLIST, {"1.0"}, TODAY)
    assert judgement.findings, (entry.action, judgement.warnings)


@given(version=version_text, known=st.lists(version_text, max_size=4))
def test_a_release_not_known_is_always_a_finding(version, known):
    assume(version_key(version) not in {version_key(v) for v in known})
    entry = JournalEntry("nova", version, 1767225600, "new release", 42)
    judgement = judge_entry(entry, ManagedProject("nova", "nova"), ALLOWLIST, set(known), TODAY)
    assert [f.kind for f in judgement.findings] == ["unexpected-release"]

