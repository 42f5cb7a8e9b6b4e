// Command wsdlgen maintains the wire-contract profiles under wsdl/profiles.
//
// Usage:
//
//	wsdlgen extract [-comment TEXT] REFERENCE.wsdl > Service.contract
//	wsdlgen render [-profiles DIR]
//	wsdlgen gocode [-profiles DIR] [-o FILE]
//
// extract prints the contract of a reference WSDL, to bootstrap a profile;
// the contract starts with a comment line (TEXT, or one naming the source
// file).
//
// render reads every DIR/*/*.contract (DIR defaults to "profiles", relative
// to the working directory, which is the wsdl package directory under
// go generate) and writes the WSDL document next to it, as Service.wsdl.
// A file is rewritten only when its content changes.
//
// gocode reads every DIR/*/*.wsdl and writes the Go wire types, service
// interfaces and operation tables of package wsdl to FILE (types_gen.go).
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/isadmin/isadmin/wsdl/internal/gen"
	"github.com/isadmin/isadmin/wsdl/internal/gocode"
)

const usage = `usage:
  wsdlgen extract [-comment TEXT] REFERENCE.wsdl > Service.contract
  wsdlgen render [-profiles DIR]
  wsdlgen gocode [-profiles DIR] [-o FILE]
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "extract":
		err = extract(args)
	case "render":
		err = render(args)
	case "gocode":
		err = goCode(args)
	default:
		fmt.Fprintf(os.Stderr, "wsdlgen: unknown command %q\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wsdlgen:", err)
		os.Exit(1)
	}
}

// extract prints the contract of one WSDL file.
func extract(args []string) error {
	fs := flag.NewFlagSet("extract", flag.ExitOnError)
	comment := fs.String("comment", "", "text of the contract's leading comment line")
	fs.Parse(args)
	if fs.NArg() != 1 {
		return errors.New("extract takes one WSDL file")
	}
	path := fs.Arg(0)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	c, err := gen.ContractFromWSDL(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	c.Comment = *comment
	if c.Comment == "" {
		c.Comment = fmt.Sprintf("%s wire contract, extracted from %s.", c.Service, filepath.Base(path))
	}
	_, err = os.Stdout.Write(gen.FormatContract(c))
	return err
}

// render writes the WSDL document of every contract.
func render(args []string) error {
	fs := flag.NewFlagSet("render", flag.ExitOnError)
	dir := fs.String("profiles", "profiles", "directory holding one folder per profile")
	fs.Parse(args)
	if fs.NArg() != 0 {
		return errors.New("render takes no arguments")
	}
	paths, err := filepath.Glob(filepath.Join(*dir, "*", "*.contract"))
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("no contracts in %s/*/", *dir)
	}
	for _, path := range paths {
		if err := renderFile(path); err != nil {
			return err
		}
	}
	return nil
}

func renderFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	c, err := gen.ParseContract(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if base := filepath.Base(path); base != c.Service+".contract" {
		return fmt.Errorf("%s: the contract of service %s must be named %s.contract", path, c.Service, c.Service)
	}
	out := strings.TrimSuffix(path, ".contract") + ".wsdl"
	data := gen.RenderWSDL(c)
	if old, err := os.ReadFile(out); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return os.WriteFile(out, data, 0o644)
}

// goCode writes the generated Go code of package wsdl.
func goCode(args []string) error {
	fs := flag.NewFlagSet("gocode", flag.ExitOnError)
	dir := fs.String("profiles", "profiles", "directory holding one folder per profile")
	out := fs.String("o", "types_gen.go", "output file")
	fs.Parse(args)
	docs, err := gocode.ReadProfiles(*dir)
	if err != nil {
		return err
	}
	src, err := gocode.Generate(docs)
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(*out); err == nil && bytes.Equal(old, src) {
		return nil
	}
	return os.WriteFile(*out, src, 0o644)
}
