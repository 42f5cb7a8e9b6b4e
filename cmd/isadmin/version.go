package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/isadmin/isadmin/wsdl"
)

// buildInfo describes the binary: its module version, the commit and the
// time of the commit it was built from (when built from a checkout), and
// the Go version.
func buildInfo() (version, commit, date, goVersion string) {
	version, commit, date = "(devel)", "unknown", "unknown"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version, commit, date, "unknown"
	}
	if v := bi.Main.Version; v != "" {
		version = v
	}
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.time":
			date = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty {
		commit += " (modified)"
	}
	return version, commit, date, bi.GoVersion
}

const versionUsage = `Usage: isadmin version

Prints the version, the commit and its time, the Go version and the wire
profiles.
`

// runVersion prints what buildInfo knows and the wire profiles.
func runVersion(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		if len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprint(stdout, versionUsage)
			return nil
		}
		fmt.Fprint(stderr, versionUsage)
		return errUsage
	}
	version, commit, date, goVersion := buildInfo()
	fmt.Fprintf(stdout, "isadmin %s\ncommit %s\nbuilt from a commit of %s\n%s\nprofiles %s (default %s)\n",
		version, commit, date, goVersion, strings.Join(wsdl.Names(), " "), wsdl.DefaultProfile)
	return nil
}
