package config

import (
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// harmlessHeaders are the headers whose values may be written out. Every
// other header's value is a secret until shown otherwise: a list of secret
// names (Authorization, *-Key, *Token) misses Azure's
// Ocp-Apim-Subscription-Key and every gateway's own.
var harmlessHeaders = []string{"accept", "accept-encoding", "accept-language", "anthropic-version", "cache-control",
	"connection", "content-type", "openai-beta", "user-agent", "x-correlation-id", "x-request-id", "x-session-id"}

// SecretHeader reports header names whose values must never be written out:
// all but the few known to be harmless.
func SecretHeader(name string) bool {
	return !slices.Contains(harmlessHeaders, strings.ToLower(strings.TrimSpace(name)))
}

// urlCredentials finds user:password@ in any URL inside a string (a comma
// list, a JSON value, a log line).
// The password runs to the authority's last '@', as net/url reads it.
var urlCredentials = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*)://([^/?#@\s:,'"]*):([^/?#\s,'"]*)@`)

// minSecret is the shortest value replaced wherever it appears: shorter
// ones ("1", "on") would blank out ordinary text; they are still hidden
// where sonde knows they stand (a header value, a URL's password).
const minSecret = 4

// Secrets is every secret value sonde was given, by any flag, config file
// field or environment variable, to be replaced wherever it would be
// written: the console, the log, every artifact, a manifest. It is the
// last pass over every string that leaves sonde, after the targeted
// redaction of cli_command and input_config.
type Secrets struct {
	values []string
	found  []string // what each secret was, in the order found: never its value
	r      *strings.Replacer
}

// Found says what secrets were given, without their values ("the value
// of header Authorization"), short ones included.
func (s *Secrets) Found() []string { return s.found }

// NewSecrets collects the secrets named in args (flags as typed: -H,
// --api-key, any URL with a password, attached or not) and in the parsed
// profiles (config files, $SONDE_API_KEY).
func NewSecrets(args []string, profiles ...*Profile) *Secrets {
	s := &Secrets{}
	eachArg(args, func(a, kind, _, value string) {
		s.fromURLs(a)
		switch kind {
		case argAPIKey:
			s.add(value, "the API key")
		case argHeader:
			s.fromHeader(value)
		}
	})
	for _, p := range profiles {
		if p == nil {
			continue
		}
		s.add(p.APIKey, "the API key")
		for _, h := range p.Header {
			s.fromHeader(h)
		}
		for _, u := range slices.Concat(p.URL, p.ServerMetrics) {
			s.fromURLs(u)
		}
	}
	s.build()
	return s
}

func (s *Secrets) add(v, what string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	if what != "" && !slices.Contains(s.found, what) {
		s.found = append(s.found, what)
	}
	if len(v) < minSecret || slices.Contains(s.values, v) {
		return
	}
	s.values = append(s.values, v)
	if strings.HasPrefix(strings.ToLower(v), "bearer ") || strings.HasPrefix(strings.ToLower(v), "basic ") {
		s.add(v[strings.IndexByte(v, ' ')+1:], "") // the token alone, as a log may show it
	}
}

func (s *Secrets) fromHeader(h string) {
	kvs, err := ParseHeaders(h)
	if err != nil {
		if _, v, ok := strings.Cut(h, ":"); ok {
			s.add(v, "the value of a header")
		} else {
			s.add(h, "a header") // not a header at all: all of it may be the secret
		}
		return
	}
	for _, kv := range kvs {
		if SecretHeader(kv[0]) {
			s.add(kv[1], "the value of header "+kv[0])
		}
	}
}

func (s *Secrets) fromURLs(text string) {
	for _, m := range urlCredentials.FindAllStringSubmatch(text, -1) {
		s.add(m[3], "a URL's password")
		if pw, err := url.PathUnescape(m[3]); err == nil {
			s.add(pw, "")
		}
	}
}

// build makes the replacer, longest values first so that a secret that
// contains another is hidden whole.
func (s *Secrets) build() {
	slices.SortFunc(s.values, func(a, b string) int { return len(b) - len(a) })
	var pairs []string
	for _, v := range s.values {
		pairs = append(pairs, v, redacted)
	}
	s.r = strings.NewReplacer(pairs...)
}

// Redact replaces every secret in text.
func (s *Secrets) Redact(text string) string {
	if s == nil || len(s.values) == 0 {
		return text
	}
	return s.r.Replace(text)
}

// Writer redacts what is written to w. The console and the log write whole
// lines or messages, so a secret is never split across two writes.
func (s *Secrets) Writer(w io.Writer) io.Writer {
	if s == nil || len(s.values) == 0 {
		return w
	}
	return &redactingWriter{w: w, s: s}
}

type redactingWriter struct {
	w io.Writer
	s *Secrets
}

// Unwrap is the writer underneath, to tell whether it is a terminal.
func (r *redactingWriter) Unwrap() io.Writer { return r.w }

func (r *redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, r.s.r.Replace(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
