#!/usr/bin/python3
"""Provision an out-of-band OAuth client end to end with zeep, on a login
session alone, the way API Manager deployments script Identity Server.

Usage: full_flow.py BASE_URL PROFILE USER PASSWORD

BASE_URL is the server's base address (http://127.0.0.1:PORT); PROFILE its
wire profile (any, is-5.0 to is-next). Every SOAP client is built from the
served ?wsdl of its service and talks on the default (SOAP 1.1) port; what
differs between releases (one-way or in-out void operations, a
createApplication that returns the new id) is read from that WSDL, as a
generated client knows it. After login
no request carries Basic credentials: the JSESSIONID cookie authenticates
the IdentityApplicationManagementService and OAuthAdminService calls and
the store API's JSON requests alike.

Steps: login, createApplication, registerOAuthApplicationData with a
supplied key and secret, getApplication, updateApplication linking the
client (oauth2 inbound), getApplication and getOAuthApplicationData read it
back, the store maps the keys (mode MAPPED), deleteApplication spares the
MAPPED client, deleting the store application spares it too, logout ends
the session (HTTP 401 for the old cookie). Each step prints one line; the
first failure exits non-zero.
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

MODEL = "{http://model.common.application.identity.carbon.wso2.org/xsd}"
STORE = "/api/am/devportal/v3"

# The wrapper of an in-out void operation's answer: <xResponse><return
# xsi:nil="true"/></xResponse>, prefixes free.
NIL_RETURN = re.compile(
    rb"<(?:\w+:)?(?P<op>\w+)Response\b[^>]*>\s*"
    rb"<(?:\w+:)?return\b[^>]*\bnil=\"(?:true|1)\"[^>]*/>\s*"
    rb"</(?:\w+:)?(?P=op)Response>")


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


class Flow:
    def __init__(self, base, profile, user, password):
        self.base = base
        self.profile = profile
        self.user = user
        self.password = password
        # One session, no Basic credentials: only the cookie login sets.
        self.session = requests.Session()
        self.transport = RecordingTransport(session=self.session, timeout=30, operation_timeout=30)
        self.settings = zeep.Settings(strict=True)

    def client(self, service):
        c = zeep.Client("%s/services/%s?wsdl" % (self.base, service),
                        transport=self.transport, settings=self.settings)
        binding = c.service._binding.name.localname
        check(binding == service + "Soap11Binding",
              "%s: default binding %s, want %sSoap11Binding" % (service, binding, service))
        return c

    def sent_soap11(self, what):
        """Checks the last request: SOAP 1.1 headers, the session cookie
        and no Authorization header."""
        address, headers, _ = self.transport.last
        check(address.rstrip("/").endswith("Soap11Endpoint"), "%s: posted to %s, want the SOAP 1.1 port" % (what, address))
        check(headers.get("Content-Type", "").startswith("text/xml"), "%s: Content-Type %r" % (what, headers.get("Content-Type")))
        check(headers.get("SOAPAction", "").strip('"') == "urn:" + what.split()[0],
              "%s: SOAPAction %r" % (what, headers.get("SOAPAction")))
        req = self.transport.last[2].request
        check("Authorization" not in req.headers, "%s: sent an Authorization header" % what)
        check("JSESSIONID=" in req.headers.get("Cookie", ""), "%s: sent no session cookie" % what)

    def void(self, call, what, one_way):
        """Runs a void operation: zeep returns None; on the wire a one-way
        operation answers HTTP 202 with an empty body, an in-out one HTTP
        200 with a nil return."""
        result = call()
        self.sent_soap11(what)
        check(result is None, "%s: want no result, got %r" % (what, result))
        resp = self.transport.last[2]
        body = resp.content or b""
        if one_way:
            check(resp.status_code == 202 and not body.strip(),
                  "%s: want HTTP 202 with an empty body, got %d %r" % (what, resp.status_code, body[:500]))
            return "one-way: HTTP 202, empty body"
        check(resp.status_code == 200 and NIL_RETURN.search(body) is not None,
              "%s: want HTTP 200 with a nil return, got %d %r" % (what, resp.status_code, body[:500]))
        return "HTTP 200, nil return"

    def store(self, method, path, want, json=None):
        """A store API request on the session cookie; returns the decoded
        answer."""
        r = self.session.request(method, self.base + STORE + path, json=json, timeout=30)
        check("Authorization" not in r.request.headers, "store %s %s: sent an Authorization header" % (method, path))
        check(r.status_code == want, "store %s %s: HTTP %d, want %d: %s" % (method, path, r.status_code, want, r.text[:500]))
        return r.json() if r.content else None


def answer_of(client, operation):
    """What the served WSDL says operation answers: "one-way" (no output
    message), "return" (an output with a return element) or "void" (an
    output without one, answered with a nil return)."""
    output = client.service._binding.get(operation).output
    if output is None:
        return "one-way"
    names = [name for name, _ in getattr(output.body.type, "elements", [])] if output.body is not None else []
    return "return" if "return" in names else "void"


def inbound(sp):
    ia = sp.inboundAuthenticationConfig
    return list((ia and ia.inboundAuthenticationRequestConfigs) or [])


def props(ic):
    out = {}
    for p in ic.properties or []:
        out.setdefault(p.name, []).append(p.value)
    return out


def run(base, profile, user, password):
    flow = Flow(base, profile, user, password)
    sp_name = "zeep-full-sp-" + profile
    key = "zeep-full-key-" + profile
    secret = "zeep-full-secret-" + profile

    auth = flow.client("AuthenticationAdmin")
    check(auth.service.login(user, password, "127.0.0.1") is True, "login failed")
    cookie = flow.session.cookies.get("JSESSIONID")
    check(cookie, "login set no JSESSIONID cookie")
    check(flow.session.auth is None, "the session must carry no Basic credentials")
    step("AuthenticationAdmin.login: session cookie set")

    apps = flow.client("IdentityApplicationManagementService")
    oauth = flow.client("OAuthAdminService")
    step("clients built from the served WSDLs, SOAP 1.1 ports")

    sp_type = apps.get_type(MODEL + "ServiceProvider")
    create = lambda: apps.service.createApplication(serviceProvider=sp_type(applicationName=sp_name, description="zeep full flow"))
    returns_id = answer_of(apps, "createApplication") == "return"
    if returns_id:
        created = create()
        flow.sent_soap11("createApplication")
        check(isinstance(created, int) and created > 0, "createApplication returns the new id, got %r" % (created,))
        step("createApplication %s (returned %r)" % (sp_name, created))
    else:
        w = flow.void(create, "createApplication", one_way=answer_of(apps, "createApplication") == "one-way")
        step("createApplication %s (%s)" % (sp_name, w))

    w = flow.void(lambda: oauth.service.registerOAuthApplicationData(application={
        "OAuthVersion": "OAuth-2.0", "applicationName": sp_name + "-client",
        "callbackUrl": "https://zeep.example/callback", "grantTypes": "client_credentials",
        "oauthConsumerKey": key, "oauthConsumerSecret": secret}),
        "registerOAuthApplicationData", one_way=answer_of(oauth, "registerOAuthApplicationData") == "one-way")
    step("registerOAuthApplicationData with supplied key %s (%s)" % (key, w))

    sp = apps.service.getApplication(applicationName=sp_name)
    check(sp is not None and sp.applicationName == sp_name, "getApplication: %r" % (sp,))
    app_id = sp.applicationID
    check(isinstance(app_id, int) and app_id > 0, "applicationID %r" % (app_id,))
    if returns_id:
        check(app_id == created, "applicationID %r, createApplication said %r" % (app_id, created))
    check(not inbound(sp) or all(ic.inboundAuthKey != key for ic in inbound(sp)), "a fresh service provider links %s" % key)
    step("getApplication: applicationID %d" % app_id)

    # Send the service provider read back, with the client linked, as the
    # Carbon console does.
    req_type = apps.get_type(MODEL + "InboundAuthenticationRequestConfig")
    cfg_type = apps.get_type(MODEL + "InboundAuthenticationConfig")
    sp.inboundAuthenticationConfig = cfg_type(inboundAuthenticationRequestConfigs=[
        req_type(inboundAuthKey=key, inboundAuthType="oauth2")])
    w = flow.void(lambda: apps.service.updateApplication(serviceProvider=sp), "updateApplication",
                  one_way=answer_of(apps, "updateApplication") == "one-way")
    step("updateApplication links %s as oauth2 inbound (%s)" % (key, w))

    sp = apps.service.getApplication(applicationName=sp_name)
    ics = [ic for ic in inbound(sp) if ic.inboundAuthType == "oauth2"]
    check(len(ics) == 1 and ics[0].inboundAuthKey == key,
          "getApplication: oauth2 inbound %r" % ([(ic.inboundAuthKey, ic.inboundAuthType) for ic in inbound(sp)],))
    check(props(ics[0]).get("oauthConsumerSecret") == [secret],
          "inbound property oauthConsumerSecret %r, want [%r]" % (props(ics[0]).get("oauthConsumerSecret"), secret))
    step("getApplication: oauth2 inbound %s with property oauthConsumerSecret" % key)

    client = oauth.service.getOAuthApplicationData(consumerKey=key)
    flow.sent_soap11("getOAuthApplicationData")
    check(client is not None and client.oauthConsumerKey == key and client.oauthConsumerSecret == secret,
          "getOAuthApplicationData: %r" % (client,))
    check(client.applicationName == sp_name + "-client", "applicationName %r" % (client.applicationName,))
    step("getOAuthApplicationData: key and secret")

    store_app = flow.store("POST", "/applications", 201, {"name": "zeep-full-" + profile, "throttlingPolicy": "Unlimited"})
    store_id = store_app.get("applicationId")
    check(store_id, "store application without applicationId: %r" % (store_app,))
    step("store: application %s created on the session cookie" % store_id)

    mapped = flow.store("POST", "/applications/%s/map-keys" % store_id, 200,
                        {"consumerKey": key, "consumerSecret": secret, "keyType": "PRODUCTION"})
    check(mapped.get("mode") == "MAPPED" and mapped.get("consumerKey") == key and mapped.get("keyType") == "PRODUCTION",
          "map-keys answered %r" % (mapped,))
    check(mapped.get("provisioning") == "FOUND", "map-keys provisioning %r, want FOUND" % (mapped.get("provisioning"),))
    step("store: map-keys PRODUCTION %s (mode MAPPED, provisioning FOUND)" % key)

    keys = flow.store("GET", "/applications/%s/oauth-keys" % store_id, 200)
    listed = [(k.get("consumerKey"), k.get("keyType"), k.get("mode"), k.get("consumerSecret")) for k in keys.get("list") or []]
    check(listed == [(key, "PRODUCTION", "MAPPED", secret)], "oauth-keys %r" % (listed,))
    step("store: oauth-keys shows %s MAPPED" % key)

    w = flow.void(lambda: apps.service.deleteApplication(applicationName=sp_name), "deleteApplication",
                  one_way=answer_of(apps, "deleteApplication") == "one-way")
    sp = apps.service.getApplication(applicationName=sp_name)
    # The server answers <return xsi:nil="true"/>; zeep does not look at
    # xsi:nil when parsing a complex type and hands back an object whose
    # fields are all empty, so check the wire and the name.
    body = flow.transport.last[2].content or b""
    check(NIL_RETURN.search(body) is not None, "getApplication after deleteApplication: no nil return: %r" % (body[:500],))
    check(sp is None or sp.applicationName is None, "getApplication after deleteApplication: %r" % (sp,))
    names = [i.applicationName for i in (apps.service.getAllApplicationBasicInfo() or [])]
    check(sp_name not in names, "still listed after deleteApplication: %r" % (names,))
    step("deleteApplication %s (%s)" % (sp_name, w))

    client = oauth.service.getOAuthApplicationData(consumerKey=key)
    check(client is not None and client.oauthConsumerKey == key and client.oauthConsumerSecret == secret,
          "the MAPPED client did not survive its service provider: %r" % (client,))
    step("getOAuthApplicationData: the MAPPED client survives the service provider")

    flow.store("DELETE", "/applications/%s" % store_id, 200)
    flow.store("GET", "/applications/%s" % store_id, 404)
    client = oauth.service.getOAuthApplicationData(consumerKey=key)
    check(client is not None and client.oauthConsumerSecret == secret,
          "the MAPPED client did not survive its store application: %r" % (client,))
    step("store: application deleted, the client survives")

    auth.service.logout()
    # Whether or not logout's answer expired the cookie, send the old one.
    flow.session.cookies.clear()
    flow.session.cookies.set("JSESSIONID", cookie)
    for what, call in (("OAuthAdminService.getOAuthApplicationData", lambda: oauth.service.getOAuthApplicationData(consumerKey=key)),
                       ("IdentityApplicationManagementService.getAllApplicationBasicInfo", apps.service.getAllApplicationBasicInfo)):
        try:
            call()
        except (zeep.exceptions.TransportError, zeep.exceptions.Fault) as e:
            code = getattr(e, "status_code", None)
            check(code == 401, "%s after logout: want HTTP 401, got %r (%s)" % (what, code, e))
        else:
            raise StepFailed("%s: the session outlived logout" % what)
        sent = flow.transport.last[2].request.headers.get("Cookie", "")
        check("JSESSIONID=" + cookie in sent, "%s after logout: the old cookie was not sent (Cookie: %r)" % (what, sent))
    r = flow.session.get(base + STORE + "/applications", timeout=30)
    check(r.status_code == 401 and "JSESSIONID=" + cookie in r.request.headers.get("Cookie", ""),
          "store after logout with the old cookie: HTTP %d, want 401" % r.status_code)
    step("logout: the old cookie gets HTTP 401 from both services and the store")


def main(argv):
    if len(argv) != 5:
        print(__doc__)
        return 2
    base, profile, user, password = argv[1:]
    try:
        run(base.rstrip("/"), profile, user, password)
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
