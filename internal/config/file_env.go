package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// envRef is ${NAME} or ${NAME:default}.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}`)

// envMark is what stands for the i-th ${…} while the file is parsed: plain
// letters, digits and underscores, valid unquoted anywhere a value is.
var envMark = regexp.MustCompile(`__sonde_env_([0-9]+)__`)

// markEnv replaces each ${…} in the text with a mark, so the file parses
// with its own structure whatever the variables hold; refs are the
// references by mark number.
func markEnv(text string) (marked string, refs []string) {
	marked = envRef.ReplaceAllStringFunc(text, func(ref string) string {
		refs = append(refs, ref)
		return fmt.Sprintf("__sonde_env_%d__", len(refs)-1)
	})
	return marked, refs
}

// expandEnvNodes substitutes environment variables in every scalar of the
// parsed file, never in its text: a value holding a newline and "key: 7"
// stays one value and cannot add keys. An unquoted scalar's type is
// resolved again from its new value, as if it had been written there. A
// reference in a comment is never looked up.
func expandEnvNodes(n *yaml.Node, refs []string, getenv func(string) (string, bool)) error {
	if len(refs) == 0 {
		return nil
	}
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "__sonde_env_") {
		var missing []string
		n.Value = envMark.ReplaceAllStringFunc(n.Value, func(mark string) string {
			i, _ := strconv.Atoi(envMark.FindStringSubmatch(mark)[1])
			if i >= len(refs) {
				return mark
			}
			v, ok := lookupEnv(refs[i], getenv)
			if !ok {
				missing = append(missing, envRef.FindStringSubmatch(refs[i])[1])
			}
			return v
		})
		if len(missing) > 0 {
			return fmt.Errorf("%d: environment variable %s is not set (use ${%s:default} for an optional one)", n.Line, strings.Join(missing, ", "), missing[0])
		}
		if n.Style == 0 {
			n.Tag = "" // resolved from the value: 7 an int, true a bool
		}
	}
	for _, c := range n.Content {
		if err := expandEnvNodes(c, refs, getenv); err != nil {
			return err
		}
	}
	return nil
}

// lookupEnv is a reference's value: the variable, else its default; ok is
// false for an unset variable without one.
func lookupEnv(ref string, getenv func(string) (string, bool)) (string, bool) {
	m := envRef.FindStringSubmatch(ref)
	if v, ok := getenv(m[1]); ok {
		return v, true
	}
	if strings.Contains(ref, ":") {
		return m[2], true
	}
	return ref, false
}
