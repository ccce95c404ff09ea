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
	hideNext, headerNext := false, false
	for _, a := range args {
		a = RedactURL(a) // any URL, in any flag, attached or not
		switch {
		case hideNext:
			a, hideNext = redacted, false
		case headerNext:
			a, headerNext = redactHeader(a), false
		case a == "--api-key":
			hideNext = true
		case strings.HasPrefix(a, "--api-key="):
			a = "--api-key=" + redacted
		case a == "-H" || a == "--header":
			headerNext = true
		case strings.HasPrefix(a, "--header="):
			a = "--header=" + redactHeader(strings.TrimPrefix(a, "--header="))
		case strings.HasPrefix(a, "-H") && len(a) > 2:
			a = "-H" + redactHeader(a[2:])
		}
		out = append(out, shellQuote(a))
	}
	return strings.Join(out, " ")
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
	c.Header = nil
	for _, h := range p.Header {
		c.Header = append(c.Header, redactHeader(h))
	}
	return c
}
