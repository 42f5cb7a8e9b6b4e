#!/usr/bin/python3
"""Log in with AuthenticationAdmin and manage a service provider with zeep,
reusing the session cookie, as SoapUI suites and provisioning scripts do.

Usage: appmgt_flow.py BASE_URL PROFILE USER PASSWORD

BASE_URL is the server's base address (http://127.0.0.1:PORT); both clients
are built from the served ?wsdl documents. The IdentityApplicationManagement
client sends no credentials of its own: only the JSESSIONID cookie that
login set. Each step prints one line; the first failure exits non-zero.
"""

import sys
import traceback

try:
    import requests
    import zeep
    import zeep.exceptions
    from zeep.transports import Transport
except ImportError as e:  # pragma: no cover - reported to the Go test
    print("FAIL: cannot import zeep: %s" % e)
    sys.exit(3)


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def step(msg):
    print("ok   " + msg, flush=True)


def run(base, profile, user, password):
    session = requests.Session()
    transport = Transport(session=session, timeout=30, operation_timeout=30)
    settings = zeep.Settings(strict=True)

    auth = zeep.Client(base + "/services/AuthenticationAdmin?wsdl", transport=transport, settings=settings)
    check(auth.service.login(user, "wrong-password", "127.0.0.1") is False, "a wrong password must answer false")
    check("JSESSIONID" not in session.cookies, "a failed login set a cookie")
    check(auth.service.login(user, password, "127.0.0.1") is True, "login failed")
    check("JSESSIONID" in session.cookies, "login set no JSESSIONID cookie")
    step("login sets the session cookie")

    # No Basic credentials from here on: the cookie alone authenticates.
    check(session.auth is None, "the session must carry no Basic credentials")
    apps = zeep.Client(base + "/services/IdentityApplicationManagementService?wsdl", transport=transport, settings=settings)
    sp_type = apps.get_type("{http://model.common.application.identity.carbon.wso2.org/xsd}ServiceProvider")

    created = apps.service.createApplication(sp_type(applicationName="zeep-sp", description="made by zeep"))
    if profile == "is-5.0":
        check(isinstance(created, int) and created > 0, "is-5.0 createApplication returns the new id, got %r" % (created,))
    else:
        check(created is None, "is-next createApplication returns nothing, got %r" % (created,))
    step("createApplication")

    sp = apps.service.getApplication("zeep-sp")
    check(sp is not None and sp.applicationName == "zeep-sp", "getApplication: %r" % (sp,))
    check(sp.description == "made by zeep", "description %r" % (sp.description,))
    app_id = sp.applicationID
    check(app_id and app_id > 0, "applicationID %r" % (app_id,))
    step("getApplication reads it back (id %d)" % app_id)

    sp.description = "changed by zeep"
    apps.service.updateApplication(sp)
    sp = apps.service.getApplication("zeep-sp")
    check(sp.description == "changed by zeep", "after update description %r" % (sp.description,))
    step("updateApplication")

    names = [i.applicationName for i in (apps.service.getAllApplicationBasicInfo() or [])]
    check("zeep-sp" in names, "getAllApplicationBasicInfo lacks it: %r" % (names,))
    step("getAllApplicationBasicInfo lists it")

    apps.service.deleteApplication("zeep-sp")
    names = [i.applicationName for i in (apps.service.getAllApplicationBasicInfo() or [])]
    check("zeep-sp" not in names, "still listed after delete: %r" % (names,))
    step("deleteApplication")

    auth.service.logout()
    try:
        apps.service.getAllApplicationBasicInfo()
    except (zeep.exceptions.TransportError, zeep.exceptions.Fault) as e:
        code = getattr(e, "status_code", None)
        check(code == 401, "after logout: want HTTP 401, got %r (%s)" % (code, e))
    else:
        raise AssertionError("the session outlived logout")
    step("logout ends the session")


def main(argv):
    if len(argv) != 5:
        print(__doc__)
        return 2
    try:
        run(argv[1].rstrip("/"), argv[2], argv[3], argv[4])
    except Exception as e:  # report any failure with its place
        traceback.print_exc()
        print("FAIL: %s" % e)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
