package config

import (
	"fmt"
	"strings"
	"testing"
)

// variables: computed values, as AIPerf renders them after ${VAR}; a
// template endpoint's payload is left for the requests.
func TestLoadFileVariables(t *testing.T) {
	fv, err := load(t, `variables: {base: 16, isl: 512, ratio: 0.5, name: m}
model: "{{ name }}"
benchmark:
  endpoint: {url: "localhost:8000", extra: {payload_template: "{{ model|tojson }}"}}
  dataset: {type: synthetic, entries: "{{ base * 5 }}", isl: {mean: "{{ isl }}", stddev: "{{ isl // 10 }}"}}
  profiling: {type: concurrency, concurrency: "{{ base // 2 }}", requests: "{{ (base * ratio) | int }}"}
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]string{"num-dataset-entries": "80", "prompt-input-tokens-mean": "512",
		"prompt-input-tokens-stddev": "51", "concurrency": "8", "request-count": "8"} {
		if got := fv.Flags[flag]; got != want {
			t.Errorf("%s = %v, want %s", flag, got, want)
		}
	}
	str := func(v any) string {
		if l, ok := v.([]string); ok {
			return strings.Join(l, " ")
		}
		return fmt.Sprint(v)
	}
	if got := str(fv.Flags["model-names"]); got != "m" {
		t.Errorf("model %v", got)
	}
	if extra := str(fv.Flags["extra-inputs"]); !strings.Contains(extra, "{{ model|tojson }}") {
		t.Errorf("a payload template was rendered: %v", extra)
	}
	if fv, err := load(t, "variables: {a: 1}\nsonde: {extra-inputs: \"x:{{ keep }}\"}\n", nil); err != nil || !strings.Contains(str(fv.Flags["extra-inputs"]), "{{ keep }}") {
		t.Errorf("the sonde section was rendered: %v %v", fv, err)
	}
	for text, want := range map[string]string{
		"variables: {a: 1}\nprofiling: {concurrency: \"{{ b }}\"}\n":            "bench.yaml:2: profiling.concurrency: \"{{ b }}\" reads b, which is not defined (variables: a)",
		"variables: {a: 1}\nprofiling: {concurrency: \"x{{ a }}{{ typo }}\"}\n": "reads typo",
		"variables: {a: \"{{ b }}\", b: \"{{ a }}\"}\n":                         "variables.a: its value depends on itself",
		"variables: {a: \"{{ c * 2 }}\"}\n":                                     "variables.a: \"{{ c * 2 }}\" reads c",
		"variables: {a: 1}\nprofiling: {concurrency: \"{{ a + }}\"}\n":          "bench.yaml:2: profiling.concurrency",
		"variables: [1]\n":         "variables must be a mapping",
		"variables: {a: [1, 2]}\n": "variables.a must be a number",
	} {
		if _, err := load(t, text, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", text, err)
		}
	}
}

// Variables may use one another in any order; filters, attributes,
// strings and keywords are not names.
func TestVariablesInAnyOrder(t *testing.T) {
	fv, err := load(t, `variables:
  total: "{{ per * gpus }}"
  per: 4
  gpus: "{{ 1 + 1 }}"
  label: "{{ 'run' ~ '-' ~ (total | string) if total > 1 else 'none' }}"
profiling: {concurrency: "{{ total }}"}
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fv.Flags["concurrency"] != "8" {
		t.Errorf("concurrency %v", fv.Flags["concurrency"])
	}
	if names := jinjaNames(`{{ a.b | int }} {% if c and not d %}{{ "e" }}{{ 1e5 }}{% endif %}`); strings.Join(names, ",") != "a,c,d" {
		t.Errorf("names %v", names)
	}
}
