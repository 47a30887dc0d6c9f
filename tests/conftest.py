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


# Hypothesis profiles for the property-based tests (tests/test_fuzz.py):
# "ci" (the default) keeps the suite fast; "dev" and "thorough" search longer.
# Choose one with HYPOTHESIS_PROFILE=thorough.
import os  # noqa: E402

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=500, deadline=None)
settings.register_profile("thorough", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
