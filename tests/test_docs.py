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

"""The documentation site (tox -e docs) and its module-page extension.

The build test runs ``sphinx-build -W`` into a temporary directory and is
skipped where Sphinx or zuul-sphinx is not installed (``pip install -r
doc/requirements.txt``).  The extension reads the modules with
``ansible-doc -j`` of ansible-core (a test requirement); its renderer needs
only PyYAML; the docutils check of its output is skipped without docutils.
"""

import functools
import html
import importlib.util
import os
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOC_SOURCE = ROOT / "doc" / "source"
EXTENSION = DOC_SOURCE / "_exts" / "ansible_module_doc.py"
LIBRARY = [str(ROOT / "library")]  # what conf.py's ansible_module_paths names
FRAGMENTS = [str(ROOT / "doc_fragments")]  # what conf.py's ansible_doc_fragment_paths names
PROSE_PAGES = ("policy.rst", "guide.rst", "alerts.rst", "index.rst", "adopting.rst",
               "managed-set.rst", "audits.rst", "signed-releases.rst", "development.rst")


def load_extension():
    spec = importlib.util.spec_from_file_location("ansible_module_doc_under_test", EXTENSION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


amd = load_extension()


class _ZuulLoader(yaml.SafeLoader):
    """Reads zuul.d like Zuul: ``!encrypted/...`` values are opaque."""


_ZuulLoader.add_multi_constructor(
    "!", lambda loader, suffix, node: loader.construct_sequence(node)
    if isinstance(node, yaml.SequenceNode) else loader.construct_scalar(node))


def zuul_items(kind):
    names = set()
    for path in sorted((ROOT / "zuul.d").glob("*.yaml")):
        for item in yaml.load(path.read_text(encoding="utf-8"), Loader=_ZuulLoader) or []:  # noqa: S506
            if kind in item:
                names.add(item[kind]["name"])
    return names


def role_names():
    return sorted(p.name for p in (ROOT / "roles").iterdir() if p.is_dir())


def module_names():
    return sorted(amd.discover_modules(LIBRARY))


@functools.cache
def library_docs():
    """``{name: ModuleDocs}`` of library/, from ansible-doc as the site shows them."""
    return amd.read_modules(amd.discover_modules(LIBRARY), LIBRARY, FRAGMENTS)


def read_sample(library, fragments=()):
    """``{name: ModuleDocs}`` of the modules in ``library`` (a test's own)."""
    return amd.read_modules(amd.discover_modules([str(library)]), [str(library)],
                            [str(f) for f in fragments])


def html_text(path):
    """The visible text of a built page, whitespace collapsed."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


# --------------------------------------------------------------------------
# The built site


@pytest.fixture(scope="module")
def built_docs(tmp_path_factory):
    pytest.importorskip("sphinx")
    pytest.importorskip("zuul_sphinx")
    out = tmp_path_factory.mktemp("docs")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html",
         "-d", str(out / "doctrees"), str(DOC_SOURCE), str(out / "html")],
        capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, f"sphinx-build -W failed:\n{result.stdout}\n{result.stderr}"
    return out / "html"


def test_every_job_and_template_is_documented(built_docs):
    page = (built_docs / "jobs.html").read_text(encoding="utf-8")
    jobs = zuul_items("job")
    assert jobs, "no job found in zuul.d"
    for job in sorted(jobs):
        assert f'id="job-{job}"' in page, f"job {job} is not on jobs.html"
    for template in sorted(zuul_items("project-template")):
        assert f'id="project_template-{template}"' in page, template


def test_every_role_and_role_variable_is_documented(built_docs):
    page = (built_docs / "roles.html").read_text(encoding="utf-8")
    for role in role_names():
        assert f'id="role-{role}"' in page, f"role {role} is not on roles.html"
        defaults = ROOT / "roles" / role / "defaults" / "main.yaml"
        for var in yaml.safe_load(defaults.read_text(encoding="utf-8")) or {}:
            assert f'id="rolevar-{role}.{var.lower()}"' in page, f"{role}: {var}"


def test_every_module_has_its_page(built_docs):
    index = (built_docs / "modules.html").read_text(encoding="utf-8")
    modules = module_names()
    assert modules, "no module found in library/"
    for name in modules:
        page = built_docs / "modules" / f"{name}.html"
        assert page.is_file(), f"no page for module {name}"
        assert f'href="modules/{name}.html"' in index, f"{name} is not listed on modules.html"
        docs = library_docs()[name]
        assert not docs.error and not docs.problems, (docs.error, docs.problems)
        text = html_text(page)
        assert docs.short_description in text
        for section in ("Parameters", "Examples", "Return values"):
            assert section in text, f"{name}: no {section}"
        for option in docs.doc.get("options") or {}:
            assert f"{option} " in text, f"{name}: option {option} missing"
        for value in docs.returns:
            assert f"{value} " in text, f"{name}: return value {value} missing"


def test_release_team_pages_exist(built_docs):
    policy = html_text(built_docs / "policy.html")
    for heading in ("Who may hold which role", "Why organization ownership matters",
                    "When the project creator still holds a role",
                    "What the signatures prove, and what they do not",
                    "How to ask for an exception"):
        assert heading in policy, heading
    guide = html_text(built_docs / "guide.html")
    for heading in ("Exceptions: add, review, expire", "Rotate the signing key each cycle",
                    "Run an audit by hand", "Known releases"):
        assert heading in guide, heading
    managed_set = html_text(built_docs / "managed-set.html")
    for heading in ("The rules", "Every deliverable is validated first",
                    "Why a project is in the set", "How the rules were checked"):
        assert heading in managed_set, heading
    development = html_text(built_docs / "development.html")
    for heading in ("Layout", "Tests", "The offline demo", "Benchmarks"):
        assert heading in development, heading
    index = (built_docs / "index.html").read_text(encoding="utf-8")
    for page in ("policy.html", "guide.html", "alerts.html", "adopting.html", "jobs.html",
                 "managed-set.html", "audits.html", "signed-releases.html", "roles.html",
                 "modules.html", "development.html"):
        assert f'href="{page}' in index, page


def test_readme_is_one_page_that_points_at_every_docs_page():
    """The README stays a five-minute page; the detail lives in doc/source."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 160, "README.md has grown: move the detail to doc/source"
    for page in sorted(DOC_SOURCE.glob("*.rst")):
        if page.name != "index.rst":
            assert f"`{page.name}`" in readme, f"README.md does not point at doc/source/{page.name}"
    for command in ("tox -e demo", "tox -e docs", "`LICENSE`"):
        assert command in readme, command


def test_every_finding_kind_of_the_code_is_answered(built_docs):
    maintainers = pytest.importorskip("ansible.module_utils.pypi_guard.pypi_maintainers_audit")
    releases = pytest.importorskip("ansible.module_utils.pypi_guard.pypi_release_audit")
    signatures = pytest.importorskip("ansible.module_utils.pypi_guard.release_signature_audit")
    watch = pytest.importorskip("ansible.module_utils.pypi_guard.watch_rules")
    reach = pytest.importorskip("ansible.module_utils.pypi_guard.reach")
    alerts = (built_docs / "alerts.html").read_text(encoding="utf-8")
    sections = {section.split('"', 1)[0]: section
                for section in re.split(r'<section id="', alerts)[1:]}
    wanted = {
        "the-release-account-s-reach": set(reach.ADVICE),
        "maintainer-audit": set(maintainers.ADVICE),
        "release-feed-audit": set(releases.ADVICE),
        "signature-audit": set(signatures.FINDING_KINDS) | set(signatures.WARNING_KINDS),
        "changelog-watch": set(watch.FINDING_KINDS) | set(watch.WARNING_KINDS)
        | set(signatures.FINDING_KINDS),
    }
    for section_id, kinds in wanted.items():
        assert section_id in sections, f"alerts.html has no section {section_id}"
        terms = set()
        for term in re.findall(r"<dt[^>]*>(.*?)</dt>", sections[section_id], flags=re.S):
            terms |= {t.strip() for t in html.unescape(re.sub(r"<[^>]+>", "", term)).split(",")}
        missing = (kinds | {"errors"}) - terms
        assert not missing, f"{section_id}: no answer for {sorted(missing)}"


# --------------------------------------------------------------------------
# The prose names only variables that exist


def known_names():
    names = set(module_names())
    # the Python package the modules share, named in import lines
    names |= {p.name for p in (ROOT / "roles" / "ensure-pypi-guard" / "module_utils").iterdir()
              if p.is_dir()}
    for role in role_names():
        defaults = ROOT / "roles" / role / "defaults" / "main.yaml"
        names |= set(yaml.safe_load(defaults.read_text(encoding="utf-8")) or {})
        readme = (ROOT / "roles" / role / "README.rst").read_text(encoding="utf-8")
        names |= set(re.findall(r"\.\.\s+zuul:rolevar::\s*(\S+)", readme))
    for docs in library_docs().values():
        options = docs.doc.get("options") or {}
        names |= set(options)
        for option in options.values():  # the settings' keys
            names |= set(option.get("suboptions") or {})
    for path in (ROOT / "vars").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names |= set(data)
        for value in data.values():
            if isinstance(value, dict):
                names |= set(value)
    return names


def test_prose_names_only_existing_variables():
    known = known_names()
    # a name followed by .py is a file (benchmarks/audit_bench.py), and one in
    # benchmarks. a module (python -m benchmarks.audit_bench), not a variable
    pattern = re.compile(r"(?<!benchmarks\.)\b((?:pypi|release|notify|audit|gpg)_[a-z0-9_]+)\b"
                         r"(?!\.py\b)")
    unknown = {}
    for page in PROSE_PAGES:
        text = (DOC_SOURCE / page).read_text(encoding="utf-8")
        for name in pattern.findall(text):
            if name not in known:
                unknown.setdefault(name, page)
    assert not unknown, f"variables the code does not have: {unknown}"


# --------------------------------------------------------------------------
# The extension


SAMPLE_MODULE = textwrap.dedent('''
    #!/usr/bin/python
    raise SystemExit("importing or running this file is a bug in the extension")

    DOCUMENTATION = r"""
    ---
    module: sample_mod
    short_description: Do C(one) thing
    description:
      - Reads O(path) and writes I(nothing); see U(https://example.org/a_b) and
        L(the guide, https://example.org/guide).
      - Returns RV(count)s, like M(other_mod).
    version_added: "1.0.0"
    author: pypi-guard contributors
    options:
      path:
        description: Where C(*.yaml) files are.
        type: path
        required: true
      mode:
        description: How.
        type: str
        choices: [fast, slow]
        default: fast
      limits:
        description: Nested.
        type: dict
        suboptions:
          size:
            description: Bytes, V(0) for none.
            type: int
    notes:
      - Supports check mode.
    requirements:
      - gpg
    """

    EXAMPLES = r"""
    - name: Run it
      sample_mod:
        path: /tmp
    """

    RETURN = r"""
    count:
      description: How many.
      returned: always
      type: int
      sample: 3
    report:
      description: The report.
      returned: always
      type: dict
      contains:
        findings:
          description: One per problem.
          type: list
          elements: dict
          sample:
            - project: nova
              kind: unsigned
    """
''')


@pytest.fixture
def sample_docs(tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    (library / "sample_mod.py").write_text(SAMPLE_MODULE, encoding="utf-8")
    return read_sample(library)["sample_mod"]


def test_ansible_doc_json_becomes_the_module_docs(sample_docs):
    assert (sample_docs.error, sample_docs.problems) == ("", [])
    assert sample_docs.doc["options"]["path"]["required"] is True
    assert sample_docs.examples.startswith("- name: Run it")
    assert sample_docs.returns["count"]["sample"] == 3


def test_rendered_rst_of_a_module(sample_docs):
    rst = amd.render_module_rst(sample_docs, modules={"sample_mod"})
    first = ("Reads ``path`` and writes *nothing*; see "
             "`https://example.org/a_b <https://example.org/a_b>`__ and "
             "`the guide <https://example.org/guide>`__.\n\n")
    expected = first + textwrap.dedent("""\
        Returns ``count``\\ s, like ``other_mod``.

        *Added in version 1.0.0.*

        Requirements
        ------------

        - gpg

        Parameters
        ----------

        ``limits``
           Nested.

           :default: ``null``
           :type: dict

           suboptions:

           ``size``
              Bytes, ``0`` for none.

              :default: ``null``
              :type: int

        ``mode``
           How.

           :choices: ``[fast, slow]``
           :default: ``fast``
           :type: str

        ``path`` *(required)*
           Where ``*.yaml`` files are.

           :type: path

        Notes
        -----

        - Supports check mode.

        Examples
        --------

        .. code-block:: yaml

           - name: Run it
             sample_mod:
               path: /tmp

        Return values
        -------------

        ``count``
           How many.

           :returned: always
           :sample: ``3``
           :type: int

        ``report``
           The report.

           :returned: always
           :type: dict

           contains:

           ``findings``
              One per problem.

              :elements: dict
              :sample:
                 .. code-block:: yaml

                    - kind: unsigned
                      project: nova
              :type: list

        Authors
        -------

        - pypi-guard contributors
        """)
    assert rst == expected


def test_rendered_rst_is_valid_restructuredtext(sample_docs):
    docutils_core = pytest.importorskip("docutils.core")
    import io

    for docs in (sample_docs, library_docs()["release_team_notify"]):
        rst = "Title\n=====\n\n" + amd.render_module_rst(docs).replace(
            ".. code-block:: yaml", ".. code:: yaml")
        warnings = io.StringIO()
        docutils_core.publish_doctree(rst, settings_overrides={
            "warning_stream": warnings, "report_level": 2, "halt_level": 5,
            "syntax_highlight": "none"})
        assert warnings.getvalue() == "", warnings.getvalue()


@pytest.mark.parametrize(("markup", "rst"), [
    ("C(foo)s", "``foo``\\ s"),
    ("(C(a))", "(``a``)"),
    ("C(start)..C(end)", "``start``..\\ ``end``"),
    ("O(name=value) and O(ignore:x)", "``name=value`` and ``x``"),
    ("E(HOME), V(a\\)b)", "``HOME``, ``a)b``"),
    ("B(bold) I(it)", "**bold** *it*"),
    ("a_b *c* `d` |e|", "a\\_b \\*c\\* \\`d\\` \\|e\\|"),
    ("1. not a list", "\\1. not a list"),
    ("- not a bullet", "\\- not a bullet"),
    ("ends with::", "ends with:\\:"),
    ("C(a`b)", ":literal:`a\\`b`"),
    ("M(known) M(unknown)", ":ref:`known <module-known>` ``unknown``"),
])
def test_markup_to_rst(markup, rst):
    assert amd.markup_to_rst(markup, modules={"known"}) == rst


BAD_MODULE = textwrap.dedent('''
    DOCUMENTATION = """
    module: other_name
    short_description: x
    description: y
    options:
      opt:
        type: str
    seealso_typo: []
    """
    EXAMPLES = "- name: [unclosed"
    RETURN = "count: {type: int, returned: always}"
''')


def test_documentation_problems_are_reported(tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    (library / "bad_mod.py").write_text(BAD_MODULE, encoding="utf-8")
    (library / "sample_mod.py").write_text(SAMPLE_MODULE, encoding="utf-8")
    (library / "concat_mod.py").write_text("DOCUMENTATION = 'a' + 'b'\n", encoding="utf-8")
    (library / "unknown_fragment_mod.py").write_text(
        BAD_MODULE.replace("seealso_typo: []", "extends_documentation_fragment: nosuch"),
        encoding="utf-8")
    docs = read_sample(library)
    problems = docs["bad_mod"].problems
    assert docs["bad_mod"].error == ""
    assert any(p.startswith("EXAMPLES is not valid YAML") for p in problems)
    assert any("module: 'other_name'" in p for p in problems)
    assert "option opt: no description" in problems
    assert "return value count: no description" in problems
    assert any("seealso_typo" in p for p in problems)
    # what ansible-doc cannot render is that module's error, not the others'
    assert (docs["sample_mod"].error, docs["sample_mod"].problems) == ("", [])
    assert "concat_mod" in docs["concat_mod"].error
    assert "unknown doc_fragment(s)" in docs["unknown_fragment_mod"].error
    for name in ("concat_mod", "unknown_fragment_mod"):
        assert "\n" not in docs[name].error and docs[name].doc == {}, name
    gone = amd.module_docs("gone_mod", library / "gone_mod.py", None)
    assert gone.error == "ansible-doc did not show it (is the name a module's?)"


def test_settings_are_documented_once():
    """The settings every module takes are documented in the doc fragment
    only, with SETTINGS_SPEC's types and defaults; each audit's
    documentation, merged by ansible-doc, shows them."""
    from ansible.module_utils.pypi_guard.audit import REPORTS
    from ansible.module_utils.pypi_guard.settings import SETTINGS_OPTION, SETTINGS_SPEC
    from ansible.parsing.plugin_docs import read_docstring

    spec = importlib.util.spec_from_file_location(
        "pypi_guard_settings_fragment", ROOT / "doc_fragments" / "pypi_guard_settings.py")
    fragment_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fragment_module)
    fragment = yaml.safe_load(fragment_module.ModuleDocFragment.DOCUMENTATION)
    assert set(fragment["options"]) == set(SETTINGS_OPTION)
    documented = fragment["options"]["settings"]["suboptions"]
    assert set(documented) == set(SETTINGS_SPEC)
    for key, entry in SETTINGS_SPEC.items():
        shown = documented[key]
        assert (shown["type"], shown.get("default"), shown.get("elements")) == \
            (entry["type"], entry.get("default"), entry.get("elements")), key
    for name in REPORTS:
        own = read_docstring(str(ROOT / "library" / f"{name}.py"))["doc"]  # not merged
        fragments = own["extends_documentation_fragment"]
        assert "pypi_guard_settings" in (
            [fragments] if isinstance(fragments, str) else fragments), name
        assert not set(own["options"]) & set(SETTINGS_SPEC), f"{name}: a setting as an option"
        docs = library_docs()[name]
        assert (docs.error, docs.problems) == ("", []), name
        assert set(docs.doc["options"]["settings"]["suboptions"]) == set(SETTINGS_SPEC), name


def test_doc_fragments_are_merged_by_ansible_doc(tmp_path):
    """ansible-doc finds the fragments in ansible_doc_fragment_paths (and
    only there), and merges them: the module's keys win, its notes come first."""
    fragments = tmp_path / "fragments"
    fragments.mkdir()
    (fragments / "shared.py").write_text(textwrap.dedent('''
        class ModuleDocFragment:
            DOCUMENTATION = """
            options:
              a: {description: From the fragment., type: int, default: 1}
              b: {description: B., type: str}
            notes: [Shared note.]
            """
    '''), encoding="utf-8")
    library = tmp_path / "library"
    library.mkdir()
    (library / "mod.py").write_text(textwrap.dedent('''
        DOCUMENTATION = """
        module: mod
        short_description: x
        description: y
        extends_documentation_fragment: shared
        options:
          a: {description: Said by the module.}
        notes: [Own note.]
        """
        EXAMPLES = ""
        RETURN = ""
    '''), encoding="utf-8")
    docs = read_sample(library, [fragments])["mod"]
    assert (docs.error, docs.problems) == ("", [])
    assert docs.doc["options"] == {"a": {"description": "Said by the module.", "type": "int",
                                         "default": 1},
                                   "b": {"description": "B.", "type": "str"}}
    assert docs.doc["notes"] == ["Own note.", "Shared note."]
    assert "unknown doc_fragment(s)" in read_sample(library)["mod"].error


def test_pages_are_generated_and_stale_ones_removed(tmp_path):
    pytest.importorskip("sphinx")
    library = tmp_path / "library"
    library.mkdir()
    (library / "sample_mod.py").write_text(SAMPLE_MODULE, encoding="utf-8")
    source = tmp_path / "doc" / "source"
    pages = source / "modules"
    pages.mkdir(parents=True)
    (pages / "gone_mod.rst").write_text(amd.render_page("gone_mod"), encoding="utf-8")
    (pages / "handwritten.rst").write_text("Mine\n====\n", encoding="utf-8")
    app = types.SimpleNamespace(
        confdir=str(source), srcdir=str(source),
        config=types.SimpleNamespace(ansible_module_paths=["../../library"],
                                     ansible_doc_fragment_paths=[],
                                     ansible_module_doc_dir="modules"))
    amd.generate_pages(app)
    assert set(app.ansible_module_docs) == {"sample_mod"}
    page = pages / "sample_mod.rst"
    text = page.read_text(encoding="utf-8")
    assert text.startswith(amd.GENERATED_MARKER + " from library/sample_mod.py")
    assert ".. _module-sample_mod:" in text
    assert "sample\\_mod -- Do ``one`` thing\n" in text
    assert ".. ansible-module:: sample_mod" in text
    assert not (pages / "gone_mod.rst").exists()
    assert (pages / "handwritten.rst").exists()
    os.utime(page, (1, 1))
    amd.generate_pages(app)
    assert page.stat().st_mtime == 1, "an unchanged page was rewritten"


def test_what_ansible_doc_cannot_render_fails_sphinx_build_w(tmp_path):
    """A module ansible-doc cannot render and an option without a
    description are warnings naming the module file, so -W fails; the other
    modules still get their pages."""
    pytest.importorskip("sphinx")
    library = tmp_path / "library"
    library.mkdir()
    (library / "sample_mod.py").write_text(SAMPLE_MODULE, encoding="utf-8")
    (library / "concat_mod.py").write_text("DOCUMENTATION = 'a' + 'b'\n", encoding="utf-8")
    (library / "bad_mod.py").write_text(BAD_MODULE, encoding="utf-8")
    source = tmp_path / "source"
    source.mkdir()
    (source / "conf.py").write_text(textwrap.dedent(f"""\
        import sys
        sys.path.insert(0, {str(EXTENSION.parent)!r})
        extensions = ["ansible_module_doc"]
        ansible_module_paths = ["../library"]
        """), encoding="utf-8")
    (source / "index.rst").write_text("Index\n=====\n\n.. toctree::\n   :glob:\n\n   modules/*\n",
                                      encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         str(source), str(tmp_path / "html")],
        capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode != 0
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert any("library/concat_mod.py: ansible-doc cannot render it: " in line
               and "concat_mod" in line.split("render it: ", 1)[1] for line in warnings), warnings
    assert any("library/bad_mod.py: option opt: no description" in line
               for line in warnings), warnings
    assert not any("sample_mod" in line for line in warnings), warnings
    assert "Do <code" in (tmp_path / "html" / "modules" / "sample_mod.html").read_text(
        encoding="utf-8")
