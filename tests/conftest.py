import sys
from pathlib import Path

import ansible.module_utils

ROOT = Path(__file__).resolve().parent.parent

# The modules import their shared code as ansible.module_utils.pypi_guard.*,
# which is how Ansible ships it to the host; unit tests reach the same files.
ansible.module_utils.__path__.append(str(ROOT / "roles" / "ensure-pypi-guard" / "module_utils"))
for path in (ROOT / "library", ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
