package tokenizer

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

type normalizer interface{ normalize(s string) string }

type nfcNormalizer struct{}

func (nfcNormalizer) normalize(s string) string { return norm.NFC.String(s) }

type nfkcNormalizer struct{}

func (nfkcNormalizer) normalize(s string) string { return norm.NFKC.String(s) }

type prependNormalizer struct{ prefix string }

func (p prependNormalizer) normalize(s string) string {
	if s == "" {
		return s
	}
	return p.prefix + s
}

type replaceNormalizer struct{ old, new string }

func (r replaceNormalizer) normalize(s string) string { return strings.ReplaceAll(s, r.old, r.new) }

type lowercaseNormalizer struct{}

func (lowercaseNormalizer) normalize(s string) string { return strings.ToLower(s) }

type sequenceNormalizer []normalizer

func (q sequenceNormalizer) normalize(s string) string {
	for _, n := range q {
		s = n.normalize(s)
	}
	return s
}
