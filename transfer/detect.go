package transfer

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/beevik/etree"

	"github.com/isadmin/isadmin/soap"
	"github.com/isadmin/isadmin/wsdl"
)

// detectServices are the services whose WSDL tells a release.
var detectServices = []string{"OAuthAdminService", "IdentityApplicationManagementService"}

// Detection is the profile whose WSDL documents are nearest a server's.
type Detection struct {
	Profile string
	// Exact says the documents have the same operations and types, field
	// for field; otherwise Similarity (0 to 1) says how near they are.
	Exact      bool
	Similarity float64
	// Alike are the other profiles whose documents are the same as
	// Profile's: for reading they are the same.
	Alike []string
}

func (d Detection) String() string {
	s := d.Profile
	if !d.Exact {
		s += fmt.Sprintf(" (nearest: %.0f%% of the operations and types alike)", d.Similarity*100)
	}
	if len(d.Alike) > 0 {
		s += " (same WSDLs as " + strings.Join(d.Alike, ", ") + ")"
	}
	return s
}

// Detect asks a server for the WSDL of OAuthAdminService and
// IdentityApplicationManagementService (GET /services/<service>?wsdl, as
// Carbon serves it without credentials) and names the profile whose
// documents have the same operations and types, field for field; when
// none has, the nearest, and Exact is false. Among profiles alike it
// takes the latest release. Transient failures are tried again as retry
// says.
func Detect(ctx context.Context, client *http.Client, baseURL string, retry Retry) (Detection, error) {
	remote := map[string]map[string]bool{}
	for _, svc := range detectServices {
		doc, err := fetchWSDLRetrying(ctx, client, strings.TrimSuffix(baseURL, "/")+"/services/"+svc+"?wsdl", retry)
		if err != nil {
			return Detection{}, fmt.Errorf("reading the WSDL of %s: %w", svc, err)
		}
		fp, err := fingerprint(doc)
		if err != nil {
			return Detection{}, fmt.Errorf("the WSDL of %s: %w", svc, err)
		}
		remote[svc] = fp
	}
	infos, err := wsdl.Profiles()
	if err != nil {
		return Detection{}, err
	}
	var best Detection
	bestScore := -1.0
	var bestPrints map[string]map[string]bool
	for _, info := range infos {
		p, err := wsdl.Load(info.Name)
		if err != nil {
			return Detection{}, err
		}
		prints := map[string]map[string]bool{}
		score := 0.0
		for _, svc := range detectServices {
			s := p.Service(svc)
			if s == nil {
				continue
			}
			fp, err := fingerprint(s.Document)
			if err != nil {
				return Detection{}, fmt.Errorf("profile %s, %s: %w", info.Name, svc, err)
			}
			prints[svc] = fp
			score += jaccard(remote[svc], fp)
		}
		score /= float64(len(detectServices))
		switch {
		case score > bestScore:
			bestScore, bestPrints = score, prints
			best = Detection{Profile: info.Name, Exact: score == 1, Similarity: score}
		case score == bestScore && samePrints(prints, bestPrints) && info.Release != "":
			// Alike: the latest release names them.
			best.Alike = append(best.Alike, best.Profile)
			best.Profile = info.Name
		case score == bestScore && samePrints(prints, bestPrints):
			best.Alike = append(best.Alike, info.Name)
		}
	}
	return best, nil
}

func fetchWSDLRetrying(ctx context.Context, client *http.Client, url string, retry Retry) ([]byte, error) {
	var err error
	for try := range retry.attempts() {
		if try > 0 {
			if serr := sleepContext(ctx, retry.wait(try-1)); serr != nil {
				return nil, err
			}
		}
		var doc []byte
		if doc, err = fetchWSDL(ctx, client, url); err == nil || !Transient(err) || ctx.Err() != nil {
			return doc, err
		}
	}
	return nil, err
}

func fetchWSDL(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &soap.RemoteFault{Status: resp.StatusCode, Reason: fmt.Sprintf("HTTP %d", resp.StatusCode)}
	}
	return body, nil
}

// fingerprint lists what a WSDL document says of its operations and
// types, one line each: the operations of its port types, and each named
// type or element of its schemas with the names of the elements in it, in
// order, and its base type.
func fingerprint(doc []byte) (map[string]bool, error) {
	d := etree.NewDocument()
	if err := d.ReadFromBytes(doc); err != nil {
		return nil, err
	}
	root := d.Root()
	if root == nil || root.Tag != "definitions" {
		return nil, fmt.Errorf("no WSDL 1.1 definitions")
	}
	out := map[string]bool{}
	for _, pt := range root.SelectElements("portType") {
		for _, op := range pt.SelectElements("operation") {
			out["operation "+op.SelectAttrValue("name", "")] = true
		}
	}
	for _, types := range root.SelectElements("types") {
		for _, schema := range types.SelectElements("schema") {
			for _, el := range schema.ChildElements() {
				name := el.SelectAttrValue("name", "")
				if name == "" {
					continue
				}
				var parts []string
				for _, sub := range el.FindElements(".//*") {
					switch sub.Tag {
					case "element":
						parts = append(parts, sub.SelectAttrValue("name", sub.SelectAttrValue("ref", "")))
					case "extension":
						parts = append(parts, "base="+localName(sub.SelectAttrValue("base", "")))
					}
				}
				out[el.Tag+" "+name+": "+strings.Join(parts, " ")] = true
			}
		}
	}
	return out, nil
}

func localName(q string) string {
	if i := strings.LastIndexByte(q, ':'); i >= 0 {
		return q[i+1:]
	}
	return q
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	both := 0
	for k := range a {
		if b[k] {
			both++
		}
	}
	return float64(both) / float64(len(a)+len(b)-both)
}

func samePrints(a, b map[string]map[string]bool) bool {
	for _, svc := range detectServices {
		if jaccard(a[svc], b[svc]) != 1 {
			return false
		}
	}
	return true
}
