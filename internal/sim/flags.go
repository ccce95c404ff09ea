package sim

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Vars are the defaults by key with '_' for '-', for the ${…} of the
// flags' default tags (kong's variables).
func Vars() map[string]string {
	v := map[string]string{}
	for k, d := range Defaults() {
		v[strings.ReplaceAll(k, "-", "_")] = d
	}
	return v
}

// FromFlags applies the flags given, by name, to the default options,
// through the same setters as a sim:// URL's keys: flags points to a struct
// whose fields carry their flag's name in a `name` tag. A negative
// duration is refused here: the setters read its text and must never see a
// sign the flag parser accepted.
func FromFlags(flags any, given map[string]bool) (Options, error) {
	o := DefaultOptions()
	v := reflect.ValueOf(flags).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Tag.Get("name")
		if name == "" || !given[name] {
			continue
		}
		f := v.Field(i).Interface()
		if d, ok := f.(time.Duration); ok && d < 0 {
			return o, fmt.Errorf("--%s must not be negative, got %v", name, d)
		}
		if err := o.Set(name, fmt.Sprint(f)); err != nil {
			return o, fmt.Errorf("--%s: %w", name, err)
		}
	}
	return o, o.Validate()
}
