package config

import (
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/ardanlabs/jinja"
)

// UserFile is a file of the user's for the run's folder (--user-file,
// artifacts.user_files): its path in the folder, its format (json, yaml
// or text), its content, whose strings are Jinja templates, and the
// variables they may use besides the run's own names.
type UserFile struct {
	Path    string         `json:"path" yaml:"path"`
	Format  string         `json:"format,omitempty" yaml:"format,omitempty"`
	Content any            `json:"content" yaml:"content"`
	Vars    map[string]any `json:"vars,omitempty" yaml:"vars,omitempty"`
}

// UserFileSpecs reads every --user-file.
func (p *Profile) UserFileSpecs() ([]UserFile, error) {
	var out []UserFile
	for _, s := range p.UserFiles {
		var uf UserFile
		if err := decodeStrict(s, &uf); err != nil {
			return nil, fmt.Errorf("--user-file %q: not {\"path\", \"format\", \"content\", \"vars\"}: %v", s, err)
		}
		if err := uf.check(); err != nil {
			return nil, fmt.Errorf("--user-file %s: %v", uf.Path, err)
		}
		out = append(out, uf)
	}
	return out, nil
}

// check: a relative path inside the folder, a known format, and text
// content for text.
func (u *UserFile) check() error {
	clean := path.Clean(filepath.ToSlash(u.Path))
	if u.Path == "" || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || strings.HasPrefix(u.Path, "/") {
		return fmt.Errorf("path %q must be relative and inside the run's folder", u.Path)
	}
	if u.Format == "" {
		u.Format = inferFormat(u.Path, u.Content)
	}
	switch u.Format {
	case "json", "yaml":
		if _, ok := u.Content.(string); ok {
			return fmt.Errorf("%s: content is a string; give format: text", u.Path)
		}
	case "text":
		if _, ok := u.Content.(string); !ok {
			return fmt.Errorf("%s: format text takes a string content", u.Path)
		}
	default:
		return fmt.Errorf("%s: format %q: json, yaml or text", u.Path, u.Format)
	}
	return nil
}

func inferFormat(p string, content any) string {
	switch {
	case strings.HasSuffix(p, ".yaml"), strings.HasSuffix(p, ".yml"):
		return "yaml"
	case strings.HasSuffix(p, ".json"):
		return "json"
	}
	if _, ok := content.(string); ok {
		return "text"
	}
	return "json"
}

// Render is the file's bytes: every string of its content rendered with
// its variables and the run's names (system), then written in its format.
func (u UserFile) Render(system map[string]any) ([]byte, error) {
	ctx := map[string]any{}
	for k, v := range u.Vars {
		ctx[k] = v
	}
	for k, v := range system {
		ctx[k] = v
	}
	content, err := renderAll(u.Content, ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u.Path, err)
	}
	switch u.Format {
	case "text":
		return []byte(content.(string)), nil
	case "yaml":
		return marshalYAML(content)
	}
	b, err := json.MarshalIndent(content, "", "  ")
	return append(b, '\n'), err
}

// renderAll renders every string below v.
func renderAll(v any, ctx map[string]any) (any, error) {
	switch x := v.(type) {
	case string:
		if !strings.Contains(x, "{{") && !strings.Contains(x, "{%") {
			return x, nil
		}
		if err := undefinedName(x, ctx); err != nil {
			return nil, err
		}
		t, err := jinja.Compile(x)
		if err != nil {
			return nil, fmt.Errorf("%q: %v", x, err)
		}
		out, err := t.Render(ctx)
		if err != nil {
			return nil, fmt.Errorf("%q: %v", x, err)
		}
		return out, nil // a string stays a string, as AIPerf renders it
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			r, err := renderAll(e, ctx)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := renderAll(e, ctx)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

// checkUserFiles reads every --user-file.
func (p *Profile) checkUserFiles(add func(string, ...any)) {
	if _, err := p.UserFileSpecs(); err != nil {
		add("%v", err)
	}
}
