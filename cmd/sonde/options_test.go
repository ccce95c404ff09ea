package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

// optionsFile is AIPerf 0.14's `aiperf profile` options, one line each:
// GROUP|NAMES (a name and its aliases).
const optionsFile = "../../../shared/reference/aiperf-0.14-options.txt"

// notYet are the AIPerf options that open issues add, by issue: the list
// must shrink to nothing as they land (a name accepted now is an error
// here, so it is taken off).
var notYet = map[string][]string{}

// profileFlags are every name `sonde profile` accepts: flags, aliases,
// short forms and the --no- forms of negatable flags.
func profileFlags(t *testing.T) map[string]bool {
	t.Helper()
	root, _, _ := oneCommand(&cli{}, []string{"profile"})
	parser, err := kong.New(root)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, node := range parser.Model.Children {
		for _, f := range node.Flags {
			names["--"+f.Name] = true
			for _, a := range f.Aliases {
				names["--"+a] = true
			}
			if f.Short != 0 {
				names["-"+string(f.Short)] = true
			}
			if f.Tag.Negatable != "" {
				names["--no-"+f.Name] = true
			}
		}
	}
	if names["-v"] {
		names["-vv"] = true // the counter, twice
	}
	return names
}

// Every option of AIPerf 0.14's `profile` is accepted by `sonde profile`,
// but for those open issues add (notYet), which must shrink as they land.
func TestAIPerfOptionsAccepted(t *testing.T) {
	f, err := os.Open(optionsFile)
	if err != nil {
		t.Skipf("%v: shared/reference is not beside the repository", err)
	}
	defer f.Close()
	have := profileFlags(t)
	pending := map[string]string{}
	for issue, names := range notYet {
		for _, n := range names {
			pending[n] = issue
		}
	}
	var missing, landed []string
	total, accepted := 0, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		_, names, _ := strings.Cut(line, "|")
		total++
		all := true
		for _, n := range strings.Fields(names) {
			switch {
			case have[n] && pending[n] != "":
				landed = append(landed, n)
			case !have[n] && pending[n] == "":
				missing = append(missing, n)
				all = false
			case !have[n]:
				all = false
			}
		}
		if all {
			accepted++
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d AIPerf option names are refused and not listed as pending: %s", len(missing), strings.Join(missing, " "))
	}
	if len(landed) > 0 {
		t.Errorf("accepted now, take them off notYet: %s", strings.Join(landed, " "))
	}
	// The README says the count.
	say := fmt.Sprintf("accepts %d of AIPerf 0.14's %d `profile` options", accepted, total)
	if readme, err := os.ReadFile("../../README.md"); err != nil || !strings.Contains(strings.Join(strings.Fields(string(readme)), " "), say) {
		t.Errorf("the README does not say it %s", say)
	}
}
