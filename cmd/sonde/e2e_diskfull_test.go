package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A disk that fills while records stream still gets every summary: the
// space held for them is freed first, the records file is cut back to its
// last whole line, the console says how many records were lost, and the
// run exits 1. The disk is a 12 MiB tmpfs in a mount namespace of the
// test's own (skipped where user namespaces are not allowed).
func TestDiskFillsDuringRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if err := exec.Command("unshare", "--user", "--map-root-user", "--mount", "true").Run(); err != nil {
		t.Skipf("no unprivileged mount namespace here: %v", err)
	}
	bin := sondeBinary(t)
	disk := t.TempDir()
	out := filepath.Join(disk, "out")
	script := `mount -t tmpfs -o size=12m tmpfs "$1" && shift && "$@"; code=$?; cp -r "` + disk + `/out" "` + disk + `.kept" 2>/dev/null; exit $code`
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh", disk,
		bin, "profile", "-m", "m", "--tokenizer", "builtin", "--streaming", "--url", "sim://?ttft=0&itl=0", "--request-count", "600",
		"--concurrency", "8", "--isl", "10", "--osl", "300", "--ui-type", "none", "--artifact-dir", out, "--export-level", "raw")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	kept := disk + ".kept"
	defer os.RemoveAll(kept)
	if code := cmd.ProcessState.ExitCode(); code != exitFailed {
		t.Fatalf("exit %d (%v), want 1:\n%s", code, err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "records could not be written to profile_export_raw.jsonl") {
		t.Errorf("no word of the lost records:\n%s", stderr.String())
	}
	summary := readJSON(t, filepath.Join(kept, "profile_export_aiperf.json"))
	if n := stat(t, summary, "request_count", "avg"); n != 600 {
		t.Errorf("the summary counts %v requests, want every one of 600", n)
	}
	for _, name := range []string{"profile_export.jsonl", "profile_export_raw.jsonl"} {
		b, _ := os.ReadFile(filepath.Join(kept, name))
		if len(b) > 0 && b[len(b)-1] != '\n' {
			t.Errorf("%s ends in a partial line", name)
		}
		for i, line := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
			if len(line) > 0 && !json.Valid(line) {
				t.Fatalf("%s line %d is not whole JSON", name, i+1)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(kept, ".sonde.reserve")); err == nil {
		t.Error("the held space was not given back")
	}
}
