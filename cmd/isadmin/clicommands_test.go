package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestClientAndSPCommands: the client and sp commands on a server's
// database (SQLite, beside the running server): what they create, the
// server serves; what they delete, it no longer has.
func TestClientAndSPCommands(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, "is-7.3", sqliteOnly(dir))
	s.do(t, call{action: "registerOAuthApplicationData", body: registerBody("by-soap", "soap-key", "soap-secret", "", "client_credentials")}).ok(t)
	s.do(t, call{path: appMgtSvc, action: "createApplication", body: amCreateBody("by-soap-sp", "made over SOAP")})

	r := cliRun(t, nil, "", "client", "list", "--data-dir", dir)
	if r.err != nil || !strings.Contains(r.stdout, "soap-key\tby-soap\tadmin\tACTIVE\tclient_credentials") {
		t.Fatalf("client list: %v %q %s", r.err, r.stdout, r.stderr)
	}
	r = cliRun(t, nil, "", "client", "get", "soap-key", "--data-dir", dir)
	if r.err != nil || !strings.Contains(r.stdout, "secret\tsoap-secret") {
		t.Errorf("client get: %v %q", r.err, r.stdout)
	}
	r = cliRun(t, nil, "", "client", "create", "by-cli", "client_credentials", "password", "--data-dir", dir)
	if r.err != nil {
		t.Fatalf("client create: %v %s", r.err, r.stderr)
	}
	var key, secret string
	for _, line := range strings.Split(r.stdout, "\n") {
		if v, ok := strings.CutPrefix(line, "key\t"); ok {
			key = v
		}
		if v, ok := strings.CutPrefix(line, "secret\t"); ok {
			secret = v
		}
	}
	if got, grants, ok := soapSecret(t, s, key); !ok || got != secret || grants != "client_credentials password" {
		t.Errorf("the server does not have the client the command made: %q %q %v", got, grants, ok)
	}
	if r := cliRun(t, nil, "", "client", "delete", key, "--data-dir", dir); r.err != nil {
		t.Errorf("client delete: %v", r.err)
	}
	if _, _, ok := soapSecret(t, s, key); ok {
		t.Error("the deleted client is still served")
	}
	if r := cliRun(t, nil, "", "client", "delete", "nothing", "--data-dir", dir); exitCode(r.err) != 1 {
		t.Errorf("deleting an unknown client: exit %d", exitCode(r.err))
	}
	if r := cliRun(t, nil, "", "client", "list", "--data-dir", dir, "--tenant", "nowhere.example"); exitCode(r.err) != 1 || !strings.Contains(r.message(), "nowhere.example") {
		t.Errorf("an unknown tenant: exit %d %q", exitCode(r.err), r.message())
	}

	r = cliRun(t, nil, "", "sp", "list", "--data-dir", dir)
	if r.err != nil || !strings.Contains(r.stdout, "\tby-soap-sp\tadmin\tmade over SOAP") {
		t.Fatalf("sp list: %v %q", r.err, r.stdout)
	}
	if r := cliRun(t, nil, "", "sp", "get", "by-soap-sp", "--data-dir", dir); r.err != nil || !strings.Contains(r.stdout, "name\tby-soap-sp") {
		t.Errorf("sp get: %v %q", r.err, r.stdout)
	}
	if r := cliRun(t, nil, "", "sp", "delete", "by-soap-sp", "--data-dir", dir); r.err != nil {
		t.Errorf("sp delete: %v", r.err)
	}
	got := s.do(t, call{path: appMgtSvc, action: "getAllApplicationBasicInfo", body: `<xsd:getAllApplicationBasicInfo/>`})
	if got.Status != http.StatusOK || strings.Contains(string(got.Body), "by-soap-sp") {
		t.Errorf("the deleted service provider is still listed:\n%s", got.Body)
	}
	if r := cliRun(t, nil, "", "client", "-h"); r.err != nil || !strings.Contains(r.stdout, "create") {
		t.Errorf("client -h: %v %q", r.err, r.stdout)
	}
}

// TestHelpCommands: isadmin help COMMAND is COMMAND's own help, with the
// kind of value each serve flag takes.
func TestHelpCommands(t *testing.T) {
	r := cliRun(t, nil, "", "help", "serve")
	text := r.stdout + r.stderr
	if r.err != nil {
		t.Fatalf("help serve: %v", r.err)
	}
	for _, want := range []string{"Usage: isadmin serve", "--db-max-conns N", "--lock-duration DURATION", "--hash-tokens[=true|false]", "(env ISADMIN_WIRE_PROFILE; default is-7.3)"} {
		if !strings.Contains(text, want) {
			t.Errorf("help serve lacks %q", want)
		}
	}
	if strings.Contains(text, " string\n") {
		t.Error("help serve calls a flag's value string")
	}
	if r := cliRun(t, nil, "", "help", "sp"); r.err != nil || !strings.Contains(r.stdout, "isadmin sp") {
		t.Errorf("help sp: %v %q", r.err, r.stdout)
	}
	if r := cliRun(t, nil, "", "serve", "-h"); r.err != nil {
		t.Errorf("serve -h: %v", r.err)
	}
}
