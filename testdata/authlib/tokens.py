#!/usr/bin/python3
"""Gets, refreshes, introspects and revokes tokens with Authlib's OAuth 2.0
client (Debian's python3-authlib), no code of its own on the wire.

Usage: tokens.py BASE_URL CLIENT_ID CLIENT_SECRET USER PASSWORD

The user must be allowed to view OAuth clients: introspection authenticates
the caller as a user with HTTP Basic, as Identity Server does. Each step
prints one line; the first failure exits non-zero.
"""

import sys

try:
    from authlib.integrations.requests_client import OAuth2Session
except ImportError as e:  # pragma: no cover - reported to the Go test
    print("FAIL: cannot import authlib: %s" % e)
    sys.exit(3)


def check(cond, msg):
    if not cond:
        print("FAIL: " + msg)
        sys.exit(1)


def main(argv):
    if len(argv) != 6:
        print(__doc__)
        return 2
    base, client_id, secret, user, password = argv[1:]
    token_url = base + "/oauth2/token"
    client = OAuth2Session(client_id, secret, token_endpoint_auth_method="client_secret_basic")

    cc = client.fetch_token(token_url, grant_type="client_credentials", scope="read")
    check(cc.get("access_token") and cc.get("token_type") == "Bearer" and cc.get("expires_in", 0) > 0 and "refresh_token" not in cc,
          "client_credentials: %r" % (cc,))
    print("ok   client_credentials: a Bearer token for %d s" % cc["expires_in"])

    pw = client.fetch_token(token_url, grant_type="password", username=user, password=password)
    check(pw.get("access_token") and pw.get("refresh_token"), "password: %r" % (pw,))
    print("ok   password: an access and a refresh token")

    renewed = client.refresh_token(token_url, refresh_token=pw["refresh_token"])
    check(renewed.get("access_token") not in (None, pw["access_token"]), "refresh_token: %r" % (renewed,))
    print("ok   refresh_token: a new access token")

    # Introspection: the caller is a user allowed to view clients.
    viewer = OAuth2Session(user, password, token_endpoint_auth_method="client_secret_basic")
    r = viewer.introspect_token(base + "/oauth2/introspect", token=renewed["access_token"])
    info = r.json()
    check(r.status_code == 200 and info.get("active") is True and info.get("client_id") == client_id, "introspect: %d %r" % (r.status_code, info))
    print("ok   introspect: active, client %s, user %s" % (info["client_id"], info.get("username")))
    r = viewer.introspect_token(base + "/oauth2/introspect", token=pw["access_token"])
    check(r.status_code == 200 and r.json() == {"active": False}, "the replaced token: %d %s" % (r.status_code, r.text))
    print("ok   introspect: the token the refresh replaced is inactive")

    r = client.revoke_token(base + "/oauth2/revoke", token=renewed["access_token"])
    check(r.status_code == 200, "revoke: %d %s" % (r.status_code, r.text))
    r = viewer.introspect_token(base + "/oauth2/introspect", token=renewed["access_token"])
    check(r.json() == {"active": False}, "after revoke: %s" % r.text)
    print("ok   revoke: the token is inactive")
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
