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

"""Sphinx configuration of the pypi-guard documentation (tox -e docs)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "_exts"))

project = "pypi-guard"
author = "pypi-guard contributors"
copyright = "pypi-guard contributors"  # noqa: A001 - Sphinx's name for it

extensions = [
    # zuul:autojobs, zuul:autoroles and the zuul: roles.  It finds zuul.d/
    # by walking up from this directory to the repository root, and the
    # roles in roles/ beside it.
    "zuul_sphinx",
    # One page per module of library/ (modules/<name>.rst, written at every
    # build), from what ansible-doc -j says of it: needs ansible-core.
    "ansible_module_doc",
]

# Roles outside <repository>/roles; ours are all there, found by zuul-sphinx.
zuul_role_paths = []
# A role without README.rst is a warning, so -W fails the build.
zuul_autoroles_warn_missing = True

ansible_module_paths = ["../../library"]
# The options every audit module shares (extends_documentation_fragment):
# ansible-doc reads them here (ANSIBLE_DOC_FRAGMENT_PLUGINS).
ansible_doc_fragment_paths = ["../../doc_fragments"]
ansible_module_doc_dir = "modules"

master_doc = "index"
exclude_patterns = ["_build", "_exts"]
# "--check" stays two hyphens and quotes stay straight, as in a terminal.
smartquotes = False
highlight_language = "none"
nitpicky = False

html_theme = "alabaster"
html_title = "pypi-guard"
html_theme_options = {"page_width": "1100px", "sidebar_width": "230px"}
html_static_path = []
