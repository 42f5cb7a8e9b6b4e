package wsdl

import (
	"slices"
	"testing"
)

// TestNamespaceOrder checks the HashMap emulation against the namespace
// declarations of answers captured from real Carbon servers: the order of
// every start tag's declarations is the iteration order of Axiom's
// new HashMap(5) keyed by prefix (OMElementImpl.declareNamespace), written
// after the element's own prefix (OMSerializerUtil.serializeStartpart,
// wso2/wso2-axiom 34afb75, lines 211-266). Declared are the ADB reader's
// prefixes, sorted (ADBXMLStreamReaderImpl.makePrefixArray), then the
// element's own ns, then xsi for an xsi:type or xsi:nil attribute.
func TestNamespaceOrder(t *testing.T) {
	for _, c := range []struct {
		capture  string
		order    JavaHashMap
		types    []string
		returnEl bool // the return element (ns in scope, xsi declared); else the wrapper
		want     []string
	}{
		// ../shared/reference/envelopes/oauth-admin/getOAuthApplicationDataByAppName.response.soap12.is-5.0-era.docs-is.xml
		{"IS 5.0 getOAuthApplicationDataByAppName return", Java7, []string{"ax2331", "ax2333", "ax2334"}, true, []string{"ax2331", "ax2334", "xsi", "ax2333"}},
		// .../oauth-admin/getOAuthApplicationDataByAppName.response.soap12.is-5.7-era.analytics-javadoc.xml
		{"IS 5.8 getOAuthApplicationDataByAppName return", Java8, []string{"ax2509", "ax2510", "ax2513"}, true, []string{"ax2510", "ax2509", "ax2513", "xsi"}},
		// .../oauth-admin/getAllOAuthApplicationData.response.soap12.is-5.7-era.analytics-javadoc.xml
		{"IS 5.8 getAllOAuthApplicationData wrapper", Java8, []string{"ax2509", "ax2510", "ax2513"}, false, []string{"ns", "ax2510", "ax2509", "ax2513"}},
		// .../app-mgt/06-getApplication.resp.soap11.xml
		{"IS 5.x getApplication return", Java8, []string{"ax2165", "ax2167", "ax2168"}, true, []string{"ax2168", "ax2165", "ax2167", "xsi"}},
		// .../app-mgt/10-getAllApplicationBasicInfo.resp.soap11.xml, 11-getAllLocalAuthenticators.resp.soap11.xml
		{"IS 5.x getAllApplicationBasicInfo wrapper", Java7, []string{"ax2114", "ax2115", "ax2117", "ax2120"}, false, []string{"ns", "ax2115", "ax2114", "ax2120", "ax2117"}},
	} {
		t.Run(c.capture, func(t *testing.T) {
			declared := append(slices.Clone(c.types), "ns")
			scope := map[string]bool{}
			if c.returnEl {
				declared = append(declared, "xsi")
				scope["ns"] = true
			}
			uri := map[string]string{"ns": "n", "xsi": "x"}
			for _, p := range c.types {
				uri[p] = "u" + p
			}
			got := c.order.startTagDecls("ns", declared, scope, uri)
			want := ""
			for _, p := range c.want {
				want += ` xmlns:` + p + `="` + uri[p] + `"`
			}
			if got != want {
				t.Errorf("declarations\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestJavaHashMap checks the emulation where it matters beyond the
// captures: String.hashCode, and the growth of the table past six entries.
// The expected values were printed by a JDK 17 (java.util.HashMap of Java
// 8 and later). Java 7's growth is not checked against a JDK: no answer of
// IS 5.0 or 5.1 declares more than six namespaces on one element.
func TestJavaHashMap(t *testing.T) {
	for s, want := range map[string]int32{"": 0, "ns": 3525, "xsi": 118990, "ax2513": -1405575076, "polygenelubricants": -2147483648} {
		if got := javaStringHash(s); got != want {
			t.Errorf("hash(%q) = %d, want %d", s, got, want)
		}
	}
	for _, c := range []struct {
		keys, want []string
	}{
		{[]string{"ax2159", "ax2160", "ax2161", "ax2162", "ax2163", "ns", "xsi"}, []string{"ax2159", "ns", "ax2160", "ax2161", "ax2162", "ax2163", "xsi"}},
		{[]string{"ax2402", "ax2403", "ax2406", "ns", "xsi"}, []string{"ax2402", "ax2403", "ns", "ax2406", "xsi"}},
	} {
		if got := Java8.iterationOrder(c.keys); !slices.Equal(got, c.want) {
			t.Errorf("%v: %v, want %v", c.keys, got, c.want)
		}
	}
}
