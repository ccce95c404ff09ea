package config

import (
	"fmt"
	"regexp"
	"strings"
)

// envRef is ${NAME} or ${NAME:default}.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}`)

// expandEnv substitutes environment variables; a ${NAME} without a default
// whose variable is unset is an error naming it.
func expandEnv(text string, getenv func(string) (string, bool)) (string, error) {
	var missing []string
	out := envRef.ReplaceAllStringFunc(text, func(ref string) string {
		m := envRef.FindStringSubmatch(ref)
		if v, ok := getenv(m[1]); ok {
			return v
		}
		if strings.Contains(ref, ":") {
			return m[2]
		}
		missing = append(missing, m[1])
		return ref
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("environment variable %s is not set (use ${%s:default} for an optional one)", strings.Join(missing, ", "), missing[0])
	}
	return out, nil
}
