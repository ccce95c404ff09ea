package config

import (
	"encoding/json"
	"strings"
)

const redacted = "<redacted>"

// RedactArgs returns the command line with API keys and secret headers
// replaced, quoted so that it can be pasted back into a shell.
func RedactArgs(args []string) string {
	out := []string{"sonde"}
	eachArg(args, func(a, kind, prefix, value string) {
		switch kind {
		case argAPIKey:
			a = prefix + redacted
		case argHeader:
			a = prefix + redactHeader(value)
		}
		out = append(out, shellQuote(RedactURL(a))) // any URL, in any flag, attached or not
	})
	return strings.Join(out, " ")
}

// What an argument holds, for eachArg.
const (
	argAPIKey = "api-key"
	argHeader = "header"
)

// eachArg calls fn with every argument of a command line as typed, and
// whether it holds the API key or a header value: after its flag
// (--api-key K, -H V, --header V) or attached to it (--api-key=K, -HV,
// --header=V; prefix is the flag part). The one reading of these flags
// for both redaction (RedactArgs) and the secrets list (NewSecrets).
func eachArg(args []string, fn func(a, kind, prefix, value string)) {
	next := ""
	for _, a := range args {
		kind, prefix := next, ""
		next = ""
		if kind == "" {
			switch {
			case a == "--api-key":
				next = argAPIKey
			case a == "-H" || a == "--header":
				next = argHeader
			case strings.HasPrefix(a, "--api-key="):
				kind, prefix = argAPIKey, "--api-key="
			case strings.HasPrefix(a, "--header="):
				kind, prefix = argHeader, "--header="
			case strings.HasPrefix(a, "-H") && len(a) > 2:
				kind, prefix = argHeader, "-H"
			}
		}
		fn(a, kind, prefix, strings.TrimPrefix(a, prefix))
	}
}

func redactHeader(h string) string {
	if strings.HasPrefix(strings.TrimSpace(h), "{") {
		kvs, err := ParseHeaders(h)
		if err != nil {
			return redacted // not parsable: show none of it
		}
		m := map[string]string{}
		for _, kv := range kvs {
			m[kv[0]] = kv[1]
			if SecretHeader(kv[0]) {
				m[kv[0]] = redacted
			}
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	if k, _, ok := strings.Cut(h, ":"); ok && SecretHeader(strings.TrimSpace(k)) {
		return k + ": " + redacted
	}
	return h
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$&;|<>(){}*?![]#~`") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Redacted is the profile as exported in input_config: headers, API key and
// URL passwords hidden.
func (p *Profile) Redacted() Profile {
	c := *p
	c.URL = nil
	for _, u := range p.URL {
		c.URL = append(c.URL, RedactURL(u))
	}
	c.ServerMetrics = nil
	for _, u := range p.ServerMetrics {
		c.ServerMetrics = append(c.ServerMetrics, RedactURL(u))
	}
	c.MLflowTrackingURI = RedactURL(p.MLflowTrackingURI)
	c.Header = nil
	for _, h := range p.Header {
		c.Header = append(c.Header, redactHeader(h))
	}
	return c
}
