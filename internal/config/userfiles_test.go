package config

import (
	"strings"
	"testing"
)

// A user file renders its strings with its variables and the run's
// names, in its format; bad paths and formats are refused up front.
func TestUserFiles(t *testing.T) {
	p := valid()
	p.UserFiles = []string{`{"path":"a/b.yaml","content":{"k":"{{ n * 2 }}-{{ job_name }}","l":["{{ n }}"]},"vars":{"n":3}}`,
		`{"path":"x.txt","format":"text","content":"{{ model }}\n"}`}
	ufs, err := p.UserFileSpecs()
	if err != nil {
		t.Fatal(err)
	}
	sys := map[string]any{"job_name": "run7", "model": "m"}
	if b, err := ufs[0].Render(sys); err != nil || string(b) != "k: 6-run7\nl:\n  - \"3\"\n" {
		t.Errorf("yaml: %q %v", b, err)
	}
	if b, err := ufs[1].Render(sys); err != nil || string(b) != "m\n" {
		t.Errorf("text: %q %v", b, err)
	}
	for spec, want := range map[string]string{
		`{"path":"/etc/x","content":{}}`:                 "must be relative",
		`{"path":"../x","content":{}}`:                   "must be relative",
		`{"path":"x.json","content":"plain"}`:            "give format: text",
		`{"path":"x","format":"text","content":{"a":1}}`: "takes a string content",
		`{"path":"x","format":"toml","content":{}}`:      `format "toml"`,
		`{"path":"x","content":{},"extra":1}`:            "not {",
	} {
		q := valid()
		q.UserFiles = []string{spec}
		if errs := q.Validate(); len(errs) == 0 || !strings.Contains(errs[0].Error(), want) {
			t.Errorf("%s: %v, want %q", spec, errs, want)
		}
	}
	if _, err := load(t, "artifacts: {user_files: [{path: ../up, content: {}}]}\n", nil); err == nil || !strings.Contains(err.Error(), ":1: artifacts.user_files[]: path") {
		t.Errorf("config file: %v", err)
	}
}
