package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/isadmin/isadmin/wsdl"
)

const profilesUsage = `Usage: isadmin profiles

Lists the wire profiles, one per line, tab-separated: the profile, the
Identity Server release (or "unreleased"), its other names, the API Manager
releases that used that release as key manager, how its contract differs
from the profile before it, and where its documents come from.
--wire-profile takes any of the names, or apim-<version> for the Identity
Server release that API Manager release used.
`

// runProfiles prints the profiles.
func runProfiles(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		if args[0] == "-h" || args[0] == "--help" {
			fmt.Fprint(stdout, profilesUsage)
			return nil
		}
		fmt.Fprint(stderr, profilesUsage)
		return errUsage
	}
	infos, err := wsdl.Profiles()
	if err != nil {
		return err
	}
	for _, info := range infos {
		p, err := wsdl.Load(info.Name)
		if err != nil {
			return err
		}
		release := info.Release
		if release == "" {
			release = "unreleased"
		}
		differences := "the first profile"
		if info.Parent != "" {
			parent, err := wsdl.Load(info.Parent)
			if err != nil {
				return err
			}
			d := wsdl.Differences(parent, p)
			if info.Summary != "" {
				d = append([]string{info.Summary}, d...)
			}
			differences = strings.Join(d, "; ")
			if differences == "" {
				differences = "the contract of " + info.Parent
			}
		} else if info.Summary != "" {
			differences = info.Summary
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%s\t%s\n", info.Name, release, orNone(strings.Join(info.Aliases, ",")),
			orNone(strings.Join(info.APIM, ",")), differences, strings.Join(info.Sources, "; "))
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
