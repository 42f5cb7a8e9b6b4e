#!/usr/bin/python3
"""Drive isadmin's OAuthAdminService with the zeep SOAP client.

Usage: oauth_flow.py WSDL_URL PROFILE USER PASSWORD

WSDL_URL is the served "?wsdl" address; PROFILE is the server's wire profile
(is-5.0 or is-next). The client is built from the served WSDL alone, so the
endpoint addresses, operations and types all come from the server. Each step
prints one line; the first failure exits non-zero with a message.
"""

import re
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

SERVICE = "OAuthAdminService"
SOAP11_PORT = "OAuthAdminServiceHttpsSoap11Endpoint"
SOAP12_PORT = "OAuthAdminServiceHttpsSoap12Endpoint"

# A generated consumer key: Base64 of a 20-byte HMAC-SHA1, with "/" -> "_",
# "=" -> "a" and "+" -> "f".
GENERATED_KEY = re.compile(r"^[A-Za-z0-9_]{27}a$")


class StepFailed(Exception):
    pass


class RecordingTransport(Transport):
    """A zeep Transport that keeps the last request and response it saw."""

    last = None  # (address, request headers, response)

    def post(self, address, message, headers):
        response = super().post(address, message, headers)
        self.last = (address, dict(headers), response)
        return response


def check(cond, msg):
    if not cond:
        raise StepFailed(msg)


def step(msg):
    print("ok   " + msg, flush=True)


def split(grants):
    return sorted((grants or "").split())


def check_app(app, what, name, callback, key, secret=None, grants=None):
    check(app is not None, "%s: no application returned" % what)
    check(app.applicationName == name, "%s: applicationName %r, want %r" % (what, app.applicationName, name))
    check(app.callbackUrl == callback, "%s: callbackUrl %r, want %r" % (what, app.callbackUrl, callback))
    check(app.oauthConsumerKey == key, "%s: oauthConsumerKey %r, want %r" % (what, app.oauthConsumerKey, key))
    if secret is not None:
        check(app.oauthConsumerSecret == secret,
              "%s: oauthConsumerSecret %r, want %r" % (what, app.oauthConsumerSecret, secret))
    if grants is not None:
        check(split(app.grantTypes) == split(grants),
              "%s: grantTypes %r, want %r" % (what, app.grantTypes, grants))


def dto(**fields):
    d = {"OAuthVersion": "OAuth-2.0"}
    d.update(fields)
    return d


# The wrapper of an in-out void operation's answer: <xResponse><return
# xsi:nil="true"/></xResponse>, prefixes free.
NIL_RETURN = re.compile(
    rb"<(?:\w+:)?(?P<op>\w+)Response\b[^>]*>\s*"
    rb"<(?:\w+:)?return\b[^>]*\bnil=\"(?:true|1)\"[^>]*/>\s*"
    rb"</(?:\w+:)?(?P=op)Response>")


class Flow:
    def __init__(self, client, transport, profile):
        self.client = client
        self.transport = transport
        self.profile = profile

    def void(self, call, what):
        """Runs a void operation and checks its answer: zeep returns None;
        on the wire is-5.0 answers HTTP 202 with an empty body (one-way),
        is-next HTTP 200 with a wrapper holding a nil return (in-out with an
        empty output message). Returns a description of the answer."""
        result = call()
        check(result is None, "%s: want no result, got %r" % (what, result))
        _, _, resp = self.transport.last
        body = resp.content or b""
        if self.profile == "is-5.0":
            check(resp.status_code == 202 and not body.strip(),
                  "%s: want HTTP 202 with an empty body, got %d %r" % (what, resp.status_code, body[:500]))
            return "HTTP 202, empty body"
        m = NIL_RETURN.search(body)
        check(resp.status_code == 200 and m is not None,
              "%s: want HTTP 200 with a nil return, got %d %r" % (what, resp.status_code, body[:500]))
        return "HTTP 200, nil return"

    def sent(self, port, what):
        """Checks that the last request went to port's address with that
        port's SOAP version headers."""
        address, headers, _ = self.transport.last
        check(address.rstrip("/").endswith("." + port),
              "%s: posted to %s, want the %s address" % (what, address, port))
        if port == SOAP12_PORT:
            ct = headers.get("Content-Type", "")
            check(ct.startswith("application/soap+xml") and 'action="urn:' in ct,
                  "%s: SOAP 1.2 Content-Type %r" % (what, ct))
        else:
            check(headers.get("SOAPAction", "").strip('"').startswith("urn:"),
                  "%s: SOAPAction %r" % (what, headers.get("SOAPAction")))

    def fault(self, call, what, needle, code):
        """Runs call, which must raise a zeep Fault whose message contains
        needle and whose code ends with code."""
        try:
            got = call()
        except zeep.exceptions.Fault as f:
            check(needle in (f.message or ""), "%s: fault %r does not mention %r" % (what, f.message, needle))
            check((f.code or "").endswith(code), "%s: fault code %r, want ...%s" % (what, f.code, code))
            return f
        raise StepFailed("%s: want a SOAP fault, got %r" % (what, got))


def run(wsdl, profile, user, password):
    session = requests.Session()
    session.auth = (user, password)
    transport = RecordingTransport(session=session, timeout=30, operation_timeout=30)
    client = zeep.Client(wsdl, transport=transport, settings=zeep.Settings(strict=True))
    flow = Flow(client, transport, profile)
    step("loaded WSDL %s" % wsdl)

    svc = client.service  # the default service and port: SOAP 1.1
    binding = svc._binding
    check(binding.name.localname == "OAuthAdminServiceSoap11Binding",
          "default binding is %s, want OAuthAdminServiceSoap11Binding" % binding.name)
    ops = set(binding._operations)
    step("default port uses %s (%d operations)" % (binding.name.localname, len(ops)))

    if profile == "is-5.0":
        check("updateConsumerAppState" not in ops, "is-5.0 WSDL unexpectedly has updateConsumerAppState")
        try:
            svc.updateConsumerAppState
        except AttributeError:
            pass
        else:
            raise StepFailed("is-5.0 client unexpectedly has operation updateConsumerAppState")
        step("is-5.0 client has no operation updateConsumerAppState")
    else:
        for op in ("updateConsumerAppState", "getOauthApplicationState", "updateOauthSecretKey"):
            check(op in ops, "is-next WSDL lacks %s" % op)

    key = "zeep-key-" + profile
    secret = "zeep-secret"
    name = "zeep-app-" + profile
    callback = "https://zeep.example/callback"
    grants = "authorization_code password"

    w = flow.void(lambda: svc.registerOAuthApplicationData(application=dto(
        applicationName=name, callbackUrl=callback, grantTypes=grants,
        oauthConsumerKey=key, oauthConsumerSecret=secret)), "registerOAuthApplicationData")
    flow.sent(SOAP11_PORT, "registerOAuthApplicationData")
    step("registerOAuthApplicationData %s with key %s (%s)" % (name, key, w))

    app = svc.getOAuthApplicationData(consumerKey=key)
    check_app(app, "getOAuthApplicationData", name, callback, key, secret, grants)
    step("getOAuthApplicationData %s: name, callback, key, secret, grant types match" % key)

    app = svc.getOAuthApplicationDataByAppName(appName=name)
    check_app(app, "getOAuthApplicationDataByAppName", name, callback, key, secret, grants)
    step("getOAuthApplicationDataByAppName %s" % name)

    apps = svc.getAllOAuthApplicationData() or []
    check(any(a.oauthConsumerKey == key and a.applicationName == name for a in apps),
          "getAllOAuthApplicationData: %s not among %r" % (key, [a.oauthConsumerKey for a in apps]))
    step("getAllOAuthApplicationData lists %s (%d apps)" % (key, len(apps)))

    callback2 = "https://zeep.example/callback2"
    w = flow.void(lambda: svc.updateConsumerApplication(consumerAppDTO=dto(
        applicationName=name, callbackUrl=callback2, grantTypes=grants,
        oauthConsumerKey=key, oauthConsumerSecret=secret)), "updateConsumerApplication")
    step("updateConsumerApplication callback -> %s (%s)" % (callback2, w))

    app = svc.getOAuthApplicationData(consumerKey=key)
    check_app(app, "getOAuthApplicationData after update", name, callback2, key, secret, grants)
    step("getOAuthApplicationData shows the new callback")

    name2 = "zeep-generated-" + profile
    w = flow.void(lambda: svc.registerOAuthApplicationData(application=dto(
        applicationName=name2, callbackUrl=callback, grantTypes=grants)),
        "registerOAuthApplicationData (generated key)")
    gen = svc.getOAuthApplicationDataByAppName(appName=name2)
    check(gen is not None and gen.oauthConsumerKey, "generated app %s has no key" % name2)
    check(GENERATED_KEY.match(gen.oauthConsumerKey),
          "generated key %r is not 28 chars of [A-Za-z0-9_] ending in 'a'" % gen.oauthConsumerKey)
    check(gen.oauthConsumerSecret, "generated app %s has no secret" % name2)
    check_app(gen, "generated app", name2, callback, gen.oauthConsumerKey, None, grants)
    step("registerOAuthApplicationData without key/secret (%s): generated key %s" % (w, gen.oauthConsumerKey))

    if profile == "is-next":
        w = flow.void(lambda: svc.updateConsumerAppState(consumerKey=key, newState="REVOKED"),
                      "updateConsumerAppState")
        step("updateConsumerAppState %s -> REVOKED (%s)" % (key, w))
        state = svc.getOauthApplicationState(consumerKey=key)
        check(state == "REVOKED", "getOauthApplicationState: %r, want 'REVOKED'" % state)
        step("getOauthApplicationState == REVOKED")
        w = flow.void(lambda: svc.updateOauthSecretKey(consumerKey=key), "updateOauthSecretKey")
        step("updateOauthSecretKey %s (%s)" % (key, w))
        app = svc.getOAuthApplicationData(consumerKey=key)
        check_app(app, "getOAuthApplicationData after updateOauthSecretKey", name, callback2, key)
        check(app.oauthConsumerSecret and app.oauthConsumerSecret != secret,
              "updateOauthSecretKey: secret is %r, want a new one" % app.oauthConsumerSecret)
        check(app.state == "ACTIVE", "updateOauthSecretKey: state %r, want 'ACTIVE'" % app.state)
        state = svc.getOauthApplicationState(consumerKey=key)
        check(state == "ACTIVE", "getOauthApplicationState after new secret: %r, want 'ACTIVE'" % state)
        step("getOAuthApplicationData: secret changed, state ACTIVE")

    for k in (key, gen.oauthConsumerKey):
        w = flow.void(lambda: svc.removeOAuthApplicationData(consumerKey=k), "removeOAuthApplicationData")
        step("removeOAuthApplicationData %s (%s)" % (k, w))

    f = flow.fault(lambda: svc.getOAuthApplicationData(consumerKey=key),
                   "getOAuthApplicationData of a removed key", key, "Server")
    step("getOAuthApplicationData of the removed key faults (%s): %s" % (f.code, f.message))
    apps = svc.getAllOAuthApplicationData() or []
    check(not any(a.oauthConsumerKey in (key, gen.oauthConsumerKey) for a in apps),
          "getAllOAuthApplicationData still lists removed apps: %r" % [a.oauthConsumerKey for a in apps])
    step("getAllOAuthApplicationData no longer lists them")

    # The SOAP 1.2 port.
    svc12 = client.bind(SERVICE, SOAP12_PORT)
    check(svc12._binding.name.localname == "OAuthAdminServiceSoap12Binding",
          "port %s uses %s" % (SOAP12_PORT, svc12._binding.name))
    key12 = "zeep-key12-" + profile
    name12 = "zeep-app12-" + profile
    w = flow.void(lambda: svc12.registerOAuthApplicationData(application=dto(
        applicationName=name12, callbackUrl=callback, grantTypes=grants,
        oauthConsumerKey=key12, oauthConsumerSecret=secret)), "SOAP 1.2 registerOAuthApplicationData")
    flow.sent(SOAP12_PORT, "SOAP 1.2 registerOAuthApplicationData")
    step("SOAP 1.2 registerOAuthApplicationData %s (%s)" % (key12, w))
    app = svc12.getOAuthApplicationData(consumerKey=key12)
    check_app(app, "SOAP 1.2 getOAuthApplicationData", name12, callback, key12, secret, grants)
    step("SOAP 1.2 getOAuthApplicationData %s" % key12)
    w = flow.void(lambda: svc12.removeOAuthApplicationData(consumerKey=key12),
                  "SOAP 1.2 removeOAuthApplicationData")
    step("SOAP 1.2 removeOAuthApplicationData %s (%s)" % (key12, w))
    f = flow.fault(lambda: svc12.getOAuthApplicationData(consumerKey=key12),
                   "SOAP 1.2 getOAuthApplicationData of a removed key", key12, "Receiver")
    step("SOAP 1.2 getOAuthApplicationData of the removed key faults (%s): %s" % (f.code, f.message))


def main(argv):
    if len(argv) != 5:
        print("usage: %s WSDL_URL PROFILE USER PASSWORD" % argv[0], file=sys.stderr)
        return 2
    wsdl, profile, user, password = argv[1:]
    if profile not in ("is-5.0", "is-next"):
        print("FAIL: unknown profile %r (want is-5.0 or is-next)" % profile)
        return 2
    try:
        run(wsdl, profile, user, password)
    except StepFailed as e:
        print("FAIL: %s" % e)
        return 1
    except zeep.exceptions.Fault as e:
        print("FAIL: unexpected SOAP fault: %s (code %s)" % (e.message, e.code))
        traceback.print_exc(file=sys.stdout)
        return 1
    except Exception as e:
        print("FAIL: %s: %s" % (type(e).__name__, e))
        traceback.print_exc(file=sys.stdout)
        return 1
    print("PASS: zeep %s, profile %s" % (zeep.__version__, profile))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
