package wsdl

import (
	"slices"
	"strings"
)

// Carbon writes its answers with Axiom, which keeps the namespace
// declarations of an element in a java.util.HashMap keyed by prefix
// (OMElementImpl.declareNamespace: new HashMap(5)) and writes them in the
// map's iteration order. That order depends on the JVM's HashMap: Java 7
// and Java 8 spread hashes and chain collisions differently. These
// functions reproduce it, so that an answer declares its namespaces in
// the order the release's Carbon wrote them.

// JavaHashMap names the HashMap implementation of a release's JVM.
type JavaHashMap int

// The HashMap implementations Carbon releases ran on.
const (
	// Java8 is the HashMap of Java 8 and later (IS 5.2 onwards).
	Java8 JavaHashMap = iota
	// Java7 is the HashMap of Java 7 (IS 5.0 and 5.1).
	Java7
)

// javaStringHash is java.lang.String.hashCode: s*31^(n-1) + ... over the
// UTF-16 code units, in 32-bit arithmetic.
func javaStringHash(s string) int32 {
	var h int32
	for _, u := range utf16Units(s) {
		h = 31*h + int32(u)
	}
	return h
}

func utf16Units(s string) []uint16 {
	var out []uint16
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			out = append(out, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3FF)))
			continue
		}
		out = append(out, uint16(r))
	}
	return out
}

// spread is the HashMap's supplemental hash of a key's hashCode.
func (m JavaHashMap) spread(key string) uint32 {
	h := uint32(javaStringHash(key))
	if m == Java7 {
		// java.util.HashMap.hash (Java 7, alternative hashing off).
		h ^= (h >> 20) ^ (h >> 12)
		return h ^ (h >> 7) ^ (h >> 4)
	}
	// java.util.HashMap.hash (Java 8): h ^ (h >>> 16).
	return h ^ (h >> 16)
}

// iterationOrder returns keys, put into a new HashMap(5) in the given
// order, in the order the map iterates them.
//
// new HashMap(5) has 8 buckets and a threshold of 6. Java 8 appends to a
// bucket's chain and doubles the table once a put makes the size exceed
// the threshold, keeping the relative order of entries that stay together.
// Java 7 puts new entries at the head of their chain and, before a put,
// doubles the table when the size has reached the threshold and the
// entry's bucket is taken, re-linking every chain head first (which
// reverses it).
func (m JavaHashMap) iterationOrder(keys []string) []string { return m.iterationOrderOf(keys, 8) }

// iterationOrderOf is iterationOrder for a map of n buckets (a power of
// two): new HashMap() has 16.
func (m JavaHashMap) iterationOrderOf(keys []string, n int) []string {
	table := make([][]string, n)
	size := 0
	threshold := n * 3 / 4
	resize := func() {
		n *= 2
		threshold *= 2
		next := make([][]string, n)
		for _, chain := range table {
			for _, k := range chain {
				i := int(m.spread(k) & uint32(n-1))
				if m == Java7 {
					next[i] = append([]string{k}, next[i]...)
				} else {
					next[i] = append(next[i], k)
				}
			}
		}
		table = next
	}
	for _, k := range keys {
		i := int(m.spread(k) & uint32(n-1))
		if slices.Contains(table[i], k) {
			continue
		}
		if m == Java7 {
			if size >= threshold && len(table[i]) > 0 {
				resize()
				i = int(m.spread(k) & uint32(n-1))
			}
			table[i] = append([]string{k}, table[i]...)
			size++
			continue
		}
		table[i] = append(table[i], k)
		size++
		if size > threshold {
			resize()
		}
	}
	var out []string
	for _, chain := range table {
		out = append(out, chain...)
	}
	return out
}

// startTagDecls returns the namespace declarations Axiom writes on an
// element (OMSerializerUtil.serializeStartpart): its own prefix first when
// no ancestor binds it, then the element's declared namespaces in the
// HashMap's order, less those already bound. declared lists the prefixes
// in the order they were declared; uri maps every prefix to its namespace.
func (m JavaHashMap) startTagDecls(own string, declared []string, inScope map[string]bool, uri map[string]string) string {
	var b strings.Builder
	written := map[string]bool{}
	decl := func(p string) {
		if inScope[p] || written[p] {
			return
		}
		written[p] = true
		b.WriteString(` xmlns:` + p + `="` + uri[p] + `"`)
	}
	decl(own)
	for _, p := range m.iterationOrder(declared) {
		decl(p)
	}
	return b.String()
}
