package wsdl

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// Schema returns schema number n of the WSDL's types as a standalone XSD
// document, as Axis2 serves it at ?xsd=xsd<n>.
func (s *Service) Schema(name string) ([]byte, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(name, "xsd"))
	if err != nil || n < 0 {
		return nil, fmt.Errorf("Unable to find the schema %q: use ?xsd=xsd0, ?xsd=xsd1, ...", name)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(s.Document); err != nil {
		return nil, fmt.Errorf("wsdl: reading %s: %w", s.Name, err)
	}
	root := doc.Root()
	types := root.SelectElement("types")
	var schemas []*etree.Element
	if types != nil {
		schemas = types.SelectElements("schema")
	}
	if n >= len(schemas) {
		return nil, fmt.Errorf("Unable to find the schema %q: the service has %d schemas", name, len(schemas))
	}
	schema := schemas[n].Copy()
	// Declarations the schema inherited from the definitions element.
	for _, a := range root.Attr {
		if a.Space == "xmlns" && schema.SelectAttr("xmlns:"+a.Key) == nil {
			schema.CreateAttr("xmlns:"+a.Key, a.Value)
		}
	}
	out := etree.NewDocument()
	out.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	out.SetRoot(schema)
	return out.WriteToBytes()
}
