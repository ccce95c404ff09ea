package config

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Jinja renders a name it does not know as nothing, so a typo in a
// config file would vanish silently; names are checked first.

var (
	jinjaExpr    = regexp.MustCompile(`\{\{(.*?)\}\}|\{%(.*?)%\}`)
	jinjaString  = regexp.MustCompile(`"[^"]*"|'[^']*'`)
	jinjaName    = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)
	jinjaKeyword = []string{"and", "or", "not", "in", "is", "if", "else", "elif", "endif", "for", "endfor", "set",
		"true", "false", "none", "True", "False", "None", "loop", "range"}
)

// jinjaNames are the variables the template s reads.
func jinjaNames(s string) []string {
	var out []string
	for _, m := range jinjaExpr.FindAllStringSubmatch(s, -1) {
		expr := jinjaString.ReplaceAllString(m[1]+m[2], `""`)
		for _, loc := range jinjaName.FindAllStringIndex(expr, -1) {
			name := expr[loc[0]:loc[1]]
			before := strings.TrimRight(expr[:loc[0]], " ")
			if slices.Contains(jinjaKeyword, name) || strings.HasSuffix(before, "|") || strings.HasSuffix(before, ".") ||
				(loc[0] > 0 && (expr[loc[0]-1] >= '0' && expr[loc[0]-1] <= '9')) {
				continue // a filter, an attribute, a keyword, or a number's exponent
			}
			out = append(out, name)
		}
	}
	return out
}

// undefinedName is the first name s reads that ctx lacks.
func undefinedName(s string, ctx map[string]any) error {
	for _, n := range jinjaNames(s) {
		if _, ok := ctx[n]; !ok {
			return fmt.Errorf("%q reads %s, which is not defined (variables: %s)", s, n, strings.Join(slices.Sorted(maps.Keys(ctx)), ", "))
		}
	}
	return nil
}
