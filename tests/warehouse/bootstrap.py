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

"""Make users and API tokens with Warehouse's own services, in a pyramid
bootstrap as ``warehouse shell`` sets one up.  Runs with the chroot's Python
in Warehouse's source tree (tests/warehouse/stack.py ``bootstrap()``); prints
one JSON line.

    bootstrap.py user NAME EMAIL PASSWORD TOTP_SECRET_BASE32 [--superuser]
    bootstrap.py token NAME DESCRIPTION
"""

import base64
import json
import sys

import pyramid.scripting
import transaction
from warehouse.accounts.interfaces import IUserService
from warehouse.accounts.models import UniqueLoginStatus, UserUniqueLogin
from warehouse.config import configure
from warehouse.macaroons import caveats
from warehouse.macaroons.interfaces import IMacaroonService


def main(argv):
    config = configure()
    env = pyramid.scripting.prepare(registry=config.registry)
    request = env["request"]
    request.tm = transaction.TransactionManager(explicit=True)
    try:
        with request.tm:
            users = request.find_service(IUserService, context=None)
            if argv[0] == "user":
                name, email, password, totp = argv[1:5]
                user = users.create_user(name, name.title(), password)
                users.add_email(user.id, email, primary=True, verified=True,
                                ratelimit=False)
                users.update_user(user.id, totp_secret=base64.b32decode(totp),
                                  is_active=True, is_superuser="--superuser" in argv)
                # without recovery codes some two-factor logins answer 500
                users.generate_recovery_codes(user.id)
                # a login from 127.0.0.1 is a known device (no e-mail to confirm)
                request.environ["REMOTE_ADDR"] = "127.0.0.1"
                request.db.add(UserUniqueLogin(user_id=user.id, ip_address=request.ip_address,
                                               status=UniqueLoginStatus.CONFIRMED))
                answer = {"user": name, "id": str(user.id)}
            elif argv[0] == "token":
                name, description = argv[1:3]
                user = users.get_user_by_username(name)
                macaroons = request.find_service(IMacaroonService, context=None)
                token, _ = macaroons.create_macaroon(
                    location="localhost", description=description,
                    scopes=[caveats.RequestUser(user_id=str(user.id))], user_id=user.id,
                    additional={"made_with_2fa": True})
                answer = {"token": token}
            else:
                raise SystemExit(f"unknown action {argv[0]!r}")
    finally:
        env["closer"]()
    print(json.dumps(answer))


if __name__ == "__main__":
    main(sys.argv[1:])
