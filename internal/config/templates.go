package config

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// templates are sonde's own config files for `sonde config init`.
//
//go:embed templates/*.yaml
var templates embed.FS

// Templates are the names of the config templates.
func Templates() []string {
	entries, _ := fs.ReadDir(templates, "templates")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	slices.Sort(out)
	return out
}

// Template is the text of the template name.
func Template(name string) ([]byte, error) {
	b, err := templates.ReadFile("templates/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no template named %q: %s", name, strings.Join(Templates(), ", "))
	}
	return b, nil
}
