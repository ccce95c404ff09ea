package config

import (
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// document is a config file as --print-config writes it.
type document struct {
	SchemaVersion string         `yaml:"schemaVersion"`
	RandomSeed    *int64         `yaml:"random_seed,omitempty"`
	Variables     map[string]any `yaml:"variables,omitempty"` // those the user files read
	Benchmark     Body           `yaml:"benchmark"`
	Sonde         map[string]any `yaml:"sonde,omitempty"`
}

// PrintConfig writes the profile as a config file: AIPerf's body for what
// it can say, and a sonde section with every other flag that differs from
// its default (defaults is the profile of no flags). The API key is never
// written, nor secret header values.
func PrintConfig(p, defaults *Profile) ([]byte, error) {
	doc := document{SchemaVersion: "2.0", RandomSeed: p.RandomSeed, Benchmark: p.Body()}
	if ufs, err := p.UserFileSpecs(); err == nil && len(ufs) > 0 {
		doc.Variables = ufs[0].Vars // one file's variables: every user file has them all
	}
	body, err := marshalYAML(doc)
	if err != nil {
		return nil, err
	}
	// What the body says is what reading it back sets.
	covered, err := parseFile("--print-config", body, func(string) (string, bool) { return "", false })
	if err != nil {
		return nil, fmt.Errorf("--print-config: %w", err)
	}
	pv, dv := reflect.ValueOf(p).Elem(), reflect.ValueOf(defaults).Elem()
	for name, f := range FlagNames() {
		if name != f.name || covered.Flags[name] != nil || name == "api-key" || name == "config" || name == "print-config" {
			continue
		}
		v, d := pv.Field(f.field), dv.Field(f.field)
		if reflect.DeepEqual(v.Interface(), d.Interface()) || (v.Kind() == reflect.Pointer && v.IsNil()) {
			continue
		}
		if v.Kind() == reflect.Pointer {
			v = v.Elem()
		}
		if doc.Sonde == nil {
			doc.Sonde = map[string]any{}
		}
		doc.Sonde[name] = v.Interface()
	}
	return marshalYAML(doc)
}

func marshalYAML(v any) ([]byte, error) {
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	enc.Close()
	return []byte(b.String()), nil
}
