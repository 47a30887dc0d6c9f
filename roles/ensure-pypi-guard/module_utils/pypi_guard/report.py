"""Audit reports: one JSON document and one HTML page per audit, written
atomically (both appear, or neither changes)."""

import datetime
import json
import os
import shutil
import tempfile

import jinja2

HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}: {{ report.status }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1rem; color: #1b1b1b; }
h1 { font-size: 1.4rem; }
.status { display: inline-block; padding: .2rem .6rem; border-radius: .3rem; color: #fff; }
.status-clean { background: #2e7d32; } .status-drift { background: #c62828; }
.status-error { background: #6a1b9a; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: 600; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #ddd;
         vertical-align: top; overflow-wrap: anywhere; }
th { background: #f3f3f3; }
tr.finding td.kind { color: #c62828; font-weight: 600; }
tr.warning td.kind { color: #9a6700; font-weight: 600; }
tr.error td.kind { color: #6a1b9a; font-weight: 600; }
@media (max-width: 600px) {
  table, thead, tbody, tr, th, td { display: block; }
  thead { display: none; }
  tr { border: 1px solid #ddd; margin-bottom: .6rem; }
  td { border: none; }
  td::before { content: attr(data-label) ": "; font-weight: 600; }
}
</style>
</head>
<body>
<h1>{{ title }} <span class="status status-{{ report.status }}">{{ report.status }}</span></h1>
<dl>
<dt>Index</dt><dd>{{ report.pypi_url }}</dd>
<dt>Generated</dt><dd>{{ report.generated_at }}</dd>
<dt>Projects checked</dt><dd>{{ report.projects_checked }}</dd>
<dt>Findings</dt><dd>{{ report.findings | length }}</dd>
<dt>Warnings</dt><dd>{{ report.warnings | length }}</dd>
<dt>Errors</dt><dd>{{ report.errors | length }}</dd>
{% if report.managed_set is defined %}
<dt>Project-config cross-check</dt>
<dd>{{ "ran" if report.managed_set.project_config_checked else "did not run" }}</dd>
{% endif %}
</dl>
{% if report.managed_set is defined and report.managed_set.warnings %}
<h2>About the set of projects</h2>
<ul>
{% for line in report.managed_set.warnings %}<li>{{ line }}</li>
{% endfor %}</ul>
{% endif %}
{% macro rows(items, css) %}
{% for item in items %}
<tr class="{{ css }}">
{% for column in columns %}
<td data-label="{{ column }}"{% if column == 'kind' %} class="kind"{% endif %}>
{{- item[column] if item[column] is not none else '' -}}
</td>
{% endfor %}
</tr>
{% endfor %}
{% endmacro %}
{% for heading, items, css in [("Findings", report.findings, "finding"),
                               ("Warnings", report.warnings, "warning")] %}
<h2>{{ heading }}</h2>
{% if items %}
<div class="table-wrap"><table>
<thead><tr>{% for column in columns %}<th>{{ column }}</th>{% endfor %}</tr></thead>
<tbody>{{ rows(items, css) }}</tbody>
</table></div>
{% else %}<p>None.</p>{% endif %}
{% endfor %}
<h2>Errors</h2>
{% if report.errors %}
<div class="table-wrap"><table>
<thead><tr><th>project</th><th>detail</th></tr></thead>
<tbody>
{% for error in report.errors %}
<tr class="error"><td data-label="project">{{ error.project }}</td>
<td data-label="detail">{{ error.detail }}</td></tr>
{% endfor %}
</tbody>
</table></div>
{% else %}<p>None: every project was checked.</p>{% endif %}
</body>
</html>
"""


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def build_report(status, pypi_url, projects_checked, findings, warnings, errors,
                 generated_at=None, **extra):
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


def render_html(report, title, columns):
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return environment.from_string(HTML_TEMPLATE).render(
        report=report, title=title, columns=columns)


def write_atomically(contents_by_path, mode=0o644):
    """Write several files (text or bytes): either every one is replaced or
    none changes.

    Everything is encoded and written to temporary siblings (fsynced) before
    any file is touched. Each file a later rename could still leave behind is
    copied aside first; when a rename fails, the files already replaced get
    their previous content back (or are removed when they were new).
    """
    encoded = [(os.fspath(path), contents if isinstance(contents, bytes)
                else contents.encode("utf-8"))
               for path, contents in contents_by_path.items()]
    temporaries, staged, previous, replaced = [], [], {}, []
    try:
        for path, data in encoded:
            directory = os.path.dirname(os.path.abspath(path))
            os.makedirs(directory, exist_ok=True)
            temporary = _temporary_sibling(directory, temporaries)
            with open(temporary, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, mode)
            staged.append((temporary, path))
        for _temporary, path in staged[:-1]:  # the last rename is all or nothing
            if os.path.lexists(path):
                previous[path] = _temporary_sibling(os.path.dirname(os.path.abspath(path)),
                                                    temporaries)
                shutil.copy2(path, previous[path])
        for temporary, path in staged:
            os.replace(temporary, path)
            replaced.append(path)
    except BaseException:
        for path in reversed(replaced):
            if path in previous:
                os.replace(previous[path], path)
            else:
                os.unlink(path)
        raise
    finally:
        for temporary in temporaries:
            if os.path.lexists(temporary):
                os.unlink(temporary)


def _temporary_sibling(directory, temporaries):
    """A new empty file in ``directory``, remembered in ``temporaries``."""
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    os.close(fd)
    temporaries.append(temporary)
    return temporary


def write_reports(report_dir, basename, report, title, columns):
    """Write ``<basename>.json`` and ``<basename>.html``, both or neither;
    return their paths.

    Both documents are rendered before anything is written. A character
    UTF-8 cannot encode (a lone surrogate from a JSON answer) is written as
    its escape rather than losing the report.
    """
    json_path = os.path.join(report_dir, basename + ".json")
    html_path = os.path.join(report_dir, basename + ".html")
    json_text = json.dumps(report, indent=2, sort_keys=False) + "\n"
    html_bytes = render_html(report, title, columns).encode("utf-8", "backslashreplace")
    write_atomically({json_path: json_text, html_path: html_bytes})
    return json_path, html_path
