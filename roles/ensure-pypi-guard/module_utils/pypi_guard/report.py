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

"""Audit reports: one JSON document and one HTML page per audit, and an
``index.html`` of every report in the same directory, written atomically
(all appear, or none changes)."""

from __future__ import annotations

import collections
import datetime
import glob
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
import markupsafe
from ansible.module_utils.pypi_guard.files import PathLike, write_atomically
from ansible.module_utils.pypi_guard.text import printable

INDEX_NAME = "index.html"
STATUSES = ("clean", "drift", "error")

# Columns that hold one short identifier or value: never wrapped, so that
# a column is as wide as its longest value and no word is split.  Every
# other column wraps only between words, or inside a word that cannot fit
# on a line of its own (``overflow-wrap: break-word``).
SHORT_COLUMNS = {"project", "kind", "role", "roles", "version", "filename", "upload_time",
                 "registered", "findings", "result", "series", "signed_at", "window"}
# Free text: the column that takes the width the others leave.
WIDE_COLUMNS = {"detail"}
# Free text that may wrap after each "/" of the paths and URLs it names.
PATH_COLUMNS = {"detail"}
LABELS = {"upload_time": "uploaded", "signed_at": "signed", "on_pypi": "on PyPI",
          "signer": "signer's key"}

STYLE = markupsafe.Markup("""
body { font-family: system-ui, sans-serif; margin: 1rem; color: #1b1b1b; }
h1 { font-size: 1.4rem; }
a { color: #0b57d0; }
.status { display: inline-block; padding: .2rem .6rem; border-radius: .3rem; color: #fff; }
.status-clean { background: #2e7d32; } .status-drift { background: #c62828; }
.status-error { background: #6a1b9a; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: 600; }
[hidden] { display: none !important; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #ddd;
         vertical-align: top; overflow-wrap: break-word; }
th { background: #f3f3f3; }
th, td.short { white-space: nowrap; }
td.wrap { width: 100%; }
td .role { color: #555; }
details summary { cursor: pointer; }
tr.finding td.col-kind { color: #c62828; font-weight: 600; }
tr.warning td.col-kind { color: #9a6700; font-weight: 600; }
tr.flagged td:first-child { border-left: 4px solid #c62828; }
.filter input { font: inherit; padding: .3rem .5rem; width: 20rem; max-width: 100%;
                box-sizing: border-box; }
@media (max-width: 600px) {
  dl { display: block; } dd { margin: 0 0 .3rem 0; overflow-wrap: anywhere; }
  table, thead, tbody, tr, th, td { display: block; }
  thead { display: none; }
  tr { border: 1px solid #ddd; margin-bottom: .6rem; }
  td, td.short { border: none; white-space: normal; overflow-wrap: anywhere; width: auto; }
  td::before { content: attr(data-label) ": "; font-weight: 600; }
}
""")

HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}: {{ report.status }}</title>
<style>{{ style }}</style>
</head>
<body>
{% macro link(kind, name) -%}
{%- set url = index_url(kind, name) -%}
{%- if url %}<a href="{{ url }}">{{ name }}</a>{% else %}{{ name }}{% endif -%}
{%- endmacro %}
{% macro cell(column, value, item) -%}
{%- if value is none or value == "" or value == [] -%}-
{%- elif column == "project" and item is not none -%}{{ link("project", value) }}
{%- elif column == "account" and item.get("role") == "Organization" -%}{{ link("org", value) }}
{%- elif column == "account" -%}{{ link("user", value) }}
{%- elif column == "organization" -%}{{ link("org", value) }}
{%- elif column == "roles" -%}
{%- for role in value %}<div>{{ link("user", role.account) }}
<span class="role">{{ role.role }}</span></div>{% endfor -%}
{%- elif value is string and column in path_columns -%}{{ breakable(value) }}
{%- elif value is sameas true -%}yes
{%- elif value is sameas false -%}no
{%- elif value is string or value is number -%}{{ value }}
{%- elif value | length > 6 -%}
<details><summary>{{ value | length }}</summary>{{ value | join(", ") }}</details>
{%- else -%}{{ value | join(", ") }}
{%- endif -%}
{%- endmacro %}
{% macro table(items, columns, css, filterable=false, sources=none) %}
{% set cut = items | length - max_rows %}
<div class="table-wrap"><table{% if filterable %} class="filterable"{% endif %}>
<thead><tr>{% for column in columns %}<th>{{ label(column) }}</th>{% endfor %}
{%- if sources is not none %}<th>from</th>{% endif %}</tr></thead>
<tbody>
{% for item in items[:max_rows] %}
<tr class="{{ css or ('flagged' if item.get('findings') else '') }}">
{% for column in columns %}
<td data-label="{{ label(column) }}" class="col-{{ column }} {{ column_class(column) }}">
{{- cell(column, item[column], item if css != 'error' else none) -}}
</td>
{% endfor %}
{% if sources is not none %}<td data-label="from" class="wrap">
{%- for line in sources.get(item.project, []) %}<div>{{ breakable(line) }}</div>{% endfor -%}
</td>{% endif %}
</tr>
{% endfor %}
</tbody>
</table></div>
{% if cut > 0 %}<p class="cut">{{ cut }} more rows not shown (at most {{ max_rows }} a
table){{ cut_summary(items[max_rows:]) }}: the JSON report has every one.</p>{% endif %}
{% endmacro %}
<h1>{{ title }} <span class="status status-{{ report.status }}">{{ report.status }}</span></h1>
<dl>
<dt>Index</dt><dd>{{ report.pypi_url }}</dd>
<dt>Generated</dt><dd>{{ report.generated_at }}</dd>
{% if report.serial_from is defined %}
<dt>State from</dt><dd>{{ report.start | default('-') }}</dd>
<dt>Serials read</dt><dd>{% if report.serial_from is none %}none: the watch did not start
{%- else %}after {{ report.serial_from }} up to {{ report.serial_to }}{% endif %}</dd>
<dt>Events read</dt><dd>{{ report.events_seen }}</dd>
<dt>About managed projects</dt><dd>{{ report.events_managed }}</dd>
{% if report.mails_sent is defined %}<dt>Mails sent</dt><dd>{{ report.mails_sent }}</dd>{% endif %}
{% else %}
<dt>Projects checked</dt><dd>{{ report.projects_checked }}</dd>
{% endif %}
{% if report.files_checked is defined %}
<dt>Files checked</dt><dd>{{ report.files_checked }}</dd>
{% endif %}
{% if report.scope is defined %}<dt>Scope</dt><dd>{{ report.scope }}</dd>{% endif %}
<dt>Findings</dt><dd>{{ report.findings | length }}</dd>
<dt>Warnings</dt><dd>{{ report.warnings | length }}</dd>
<dt>Errors</dt><dd>{{ report.errors | length }}</dd>
{% if report.managed_set is defined %}
<dt>Project-config cross-check</dt>
<dd>{{ "ran" if report.managed_set.project_config_checked else "did not run" }}</dd>
{% if report.managed_set.class_counts is defined %}
<dt>Projects by class (release account {{ report.managed_set.required_owners | join(", ") }})</dt>
<dd>{% for kind, count in report.managed_set.class_counts.items() %}{{ kind }} {{ count }}
{%- if not loop.last %}, {% endif %}{% endfor %}</dd>
{% endif %}
{% endif %}
<dt>All reports of the run</dt><dd><a href="index.html">index.html</a></dd>
</dl>
{% if report.managed_set is defined and report.managed_set.warnings %}
<h2>About the set of projects</h2>
<ul>
{% for line in report.managed_set.warnings %}<li>{{ line }}</li>
{% endfor %}</ul>
{% endif %}
<p class="filter" hidden><label>Filter the rows: <input type="search" id="filter"
 placeholder="a project, an account, a version..."></label></p>
{% if not (report.findings or report.warnings or report.errors) %}
<p class="clean">No findings, no warnings, no errors: the evidence is below.</p>
{% else %}
{% if report.findings %}
<h2>Findings</h2>
{{ table(report.findings, columns, "finding", true) }}
{% else %}<p>No findings.</p>{% endif %}
{% if report.errors %}
<h2>Errors: not checked</h2>
{{ table(report.errors, ["project", "detail"], "error") }}
{% endif %}
{% if report.warnings %}
<h2>Warnings</h2>
{{ table(report.warnings, columns, "warning", true) }}
{% endif %}
{% endif %}
{% if report.inventory is defined %}
<h2>Every project checked ({{ report.inventory | length }})</h2>
{% if report.inventory %}
{{ table(report.inventory, report.inventory[0] | list, "", true,
         report.managed_set.sources if report.managed_set is defined else none) }}
{% else %}<p>None.</p>{% endif %}
{% endif %}
{% if report.events is defined %}
<h2>Every event about a managed project ({{ report.events_managed }})</h2>
{% if report.events %}
{{ table(report.events, ["serial", "project", "version", "action", "verdict"], "", true) }}
{% if report.events_not_shown %}<p class="cut">{{ report.events_not_shown }} more events
not listed: the report keeps the first {{ report.events | length }}.</p>{% endif %}
{% else %}<p>None.</p>{% endif %}
{% endif %}
{% if report.files is defined %}
<h2>Every file checked ({{ report.files | length }})</h2>
{% if report.files %}
{{ table(report.files, report.files[0] | list, "", true) }}
{% else %}<p>None.</p>{% endif %}
{% endif %}
{% if "keys" in report and report["keys"] %}
<h2>Release keys</h2>
<div class="table-wrap"><table>
<thead><tr><th>fingerprint</th><th>windows</th><th>expires</th><th>revoked</th></tr></thead>
<tbody>
{% for key in report["keys"] %}
<tr><td data-label="fingerprint">{{ key.fingerprint }}</td>
<td data-label="windows" class="short">
{%- for window in key.windows %}<div>{{ window.series }} {{ window.start }}..{{ window.end }}</div>
{%- endfor %}</td>
<td data-label="expires" class="short">{{ key.expires or "-" }}</td>
<td data-label="revoked" class="short">{{ "yes" if key.revoked else "no" }}</td></tr>
{% endfor %}
</tbody>
</table></div>
{% endif %}
<script>
(function () {
  var box = document.getElementById("filter");
  box.parentNode.parentNode.hidden = false;
  box.addEventListener("input", function () {
    var needle = box.value.trim().toLowerCase();
    document.querySelectorAll("table.filterable tbody tr").forEach(function (row) {
      row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) < 0;
    });
  });
})();
</script>
</body>
</html>
"""

# a report, as its JSON document
Report = dict[str, Any]


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def build_report(status: str, pypi_url: str, projects_checked: int, findings: list[Any],
                 warnings: list[Any], errors: list[Any],
                 generated_at: datetime.datetime | None = None, **extra: Any) -> Report:
    """The JSON document every audit writes (``extra`` keys are appended)."""
    report = {
        "status": status,
        "pypi_url": pypi_url,
        "generated_at": (generated_at or utc_now()).isoformat().replace("+00:00", "Z"),
        "projects_checked": projects_checked,
        "findings": findings,
        "warnings": warnings,
        "errors": errors,
    }
    report.update(extra)
    return report


def index_url(pypi_url: str, kind: str, name: object) -> str | None:
    """``<pypi_url>/<kind>/<name>/`` (``project``, ``user`` or ``org``): the
    page of a name on the index, the name quoted whole; None when
    ``pypi_url`` is not an http(s) URL."""
    if urlsplit(pypi_url).scheme not in ("http", "https"):
        return None
    return f"{pypi_url.rstrip('/')}/{kind}/{quote(str(name), safe='')}/"


def column_class(column: str) -> str:
    if column in SHORT_COLUMNS:
        return "short"
    return "wrap" if column in WIDE_COLUMNS else ""


def breakable(text: object) -> markupsafe.Markup:
    """``text`` escaped, with a line-break opportunity after each ``/``: a
    path or a URL may wrap between its parts rather than inside a word."""
    return markupsafe.Markup("/<wbr>").join(printable(text).split("/"))  # escapes each part


def _shown(value: object) -> object:
    """Every value a page shows, with control and bidi characters as their
    escapes (:func:`printable`), before HTML escaping: ``\u202eicktsnepo``
    does not display as ``openstackci``."""
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return printable(value)
    return value


def _environment() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                              finalize=_shown)


# The HTML report shows at most this many rows a table; the rows cut are
# counted by kind, and the JSON report keeps every one.
MAX_TABLE_ROWS = 1000


def cut_summary(items: Iterable[Any]) -> str:
    """``": 98000 unexpected-release, 12 removal"``: the rows not shown, by kind."""
    counts = collections.Counter(str(item.get("kind", "")) for item in items
                                 if isinstance(item, dict) and item.get("kind"))
    if not counts:
        return ""
    return ": " + ", ".join(f"{count} {kind}" for kind, count in counts.most_common(20))


def render_html(report: Report, title: str, columns: list[str],
                max_rows: int = MAX_TABLE_ROWS) -> str:
    """The HTML page of a report: findings, errors and warnings (in
    ``columns``), then the evidence: ``inventory`` (one row per project,
    with where it comes from when the report has ``managed_set``), the
    watch's ``events``, ``files`` and ``keys`` when the report has them, at
    most ``max_rows`` rows a table. Everything is escaped; links to the index
    are built from ``pypi_url`` and quoted names only."""
    return _environment().from_string(HTML_TEMPLATE).render(
        report=report, title=title, columns=columns, style=STYLE, max_rows=max_rows,
        cut_summary=cut_summary,
        label=lambda column: LABELS.get(column, column), column_class=column_class,
        breakable=breakable, path_columns=PATH_COLUMNS,
        index_url=lambda kind, name: index_url(report["pypi_url"], kind, name))


INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Audit reports</title>
<style>{{ style }}</style>
</head>
<body>
<h1>Audit reports</h1>
{% if entries %}
<div class="table-wrap"><table>
<thead><tr><th>report</th><th>status</th><th>findings</th><th>warnings</th><th>errors</th>
<th>generated</th><th>covers</th><th>PyPI index</th><th>JSON</th></tr></thead>
<tbody>
{% for entry in entries %}
<tr>
<td data-label="report" class="short"><a href="{{ entry.html }}">{{ entry.name }}</a></td>
<td data-label="status" class="short">
<span class="status status-{{ entry.status }}">{{ entry.status }}</span></td>
<td data-label="findings" class="short">{{ entry.findings }}</td>
<td data-label="warnings" class="short">{{ entry.warnings }}</td>
<td data-label="errors" class="short">{{ entry.errors }}</td>
<td data-label="generated" class="short">{{ entry.generated_at }}</td>
<td data-label="covers" class="short">{{ entry.covers }}</td>
<td data-label="PyPI index">{{ entry.pypi_url }}</td>
<td data-label="JSON" class="short"><a href="{{ entry.json }}">{{ entry.name }}.json</a></td>
</tr>
{% endfor %}
</tbody>
</table></div>
{% else %}<p>No report.</p>{% endif %}
</body>
</html>
"""


def _index_entry(name: str, report: object) -> dict[str, Any] | None:
    """What the index shows of one report, or None when ``report`` is not
    one (another JSON file in the directory)."""
    if not (isinstance(report, dict) and report.get("status") in STATUSES
            and all(isinstance(report.get(key), list)
                    for key in ("findings", "warnings", "errors"))):
        return None
    return {"name": name, "html": quote(name + ".html"), "json": quote(name + ".json"),
            "status": report["status"], "findings": len(report["findings"]),
            "warnings": len(report["warnings"]), "errors": len(report["errors"]),
            "generated_at": str(report.get("generated_at", "")),
            "covers": _covers(report), "pypi_url": str(report.get("pypi_url", ""))}


def _covers(report: Report) -> str:
    """What a report looked at, in a few words: a watch's serial range and
    events, else the projects checked."""
    if "serial_from" in report:
        return (f"serials {report.get('serial_from')}..{report.get('serial_to')}, "
                f"{report.get('events_seen', 0)} events, "
                f"{report.get('events_managed', 0)} managed")
    return f"{report.get('projects_checked', 0)} projects"


def render_index(report_dir: PathLike, current: Mapping[str, Report] | None = None) -> str:
    """The ``index.html`` of ``report_dir``: every report there (a ``.json``
    with its ``.html`` beside it), with ``current`` (``{basename: report}``,
    not written yet) in place of what the directory holds under its name."""
    current = current or {}
    reports: dict[str, Any] = dict(current)
    for path in glob.glob(os.path.join(glob.escape(os.fspath(report_dir)), "*.json")):
        name = os.path.basename(path)[:-len(".json")]
        if name in reports or not os.path.isfile(path[:-len(".json")] + ".html"):
            continue
        try:
            with open(path, encoding="utf-8") as stream:
                reports[name] = json.load(stream)
        except (OSError, ValueError):
            continue  # not a report of ours: left out
    entries = [entry for entry in (_index_entry(name, report)
                                   for name, report in sorted(reports.items())) if entry]
    return _environment().from_string(INDEX_TEMPLATE).render(entries=entries, style=STYLE)


def write_reports(report_dir: str, basename: str, report: Report, title: str,
                  columns: list[str]) -> tuple[str, str]:
    """Write ``<basename>.json``, ``<basename>.html`` and the directory's
    ``index.html`` (which lists every report there), all or none; return the
    paths of the first two (the index is ``<report_dir>/index.html``).

    Every document is rendered before anything is written. A character
    UTF-8 cannot encode (a lone surrogate from a JSON answer) is written as
    its escape rather than losing the report.
    """
    json_path = os.path.join(report_dir, basename + ".json")
    html_path = os.path.join(report_dir, basename + ".html")
    json_text = json.dumps(report, indent=2, sort_keys=False) + "\n"
    html_bytes = render_html(report, title, columns).encode("utf-8", "backslashreplace")
    index_bytes = render_index(report_dir, {basename: report}).encode(
        "utf-8", "backslashreplace")
    write_atomically({json_path: json_text, html_path: html_bytes,
                      os.path.join(report_dir, INDEX_NAME): index_bytes})
    return json_path, html_path
