package compare

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeSummary(t *testing.T, version, gpu string) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "profile_export_aiperf.json"), []byte(`{"input_config": {"models": {"items": [{"name": "m"}]}},
		"sonde": {"server": {"version": "`+version+`", "model": "m"}, "client": {"os": "linux"}, "tokenizer": {"used": "builtin"}}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "server_metrics_export.json"), []byte(`{"endpoints": [{"metrics": [
		{"name": "vllm:cache_config_info", "series": [{"labels": {"block_size": "16", "gpu_memory_utilization": "`+version+`"}}]},
		{"name": "vllm:num_requests_running", "series": [{"labels": {"model_name": "m"}}]}]}]}`), 0o644)
	if gpu != "" {
		os.WriteFile(filepath.Join(dir, "gpu_telemetry_export.json"), []byte(`{"endpoints": {"x": {"gpus": [{"gpu_name": "`+gpu+`"}, {"gpu_name": "`+gpu+`"}]}}}`), 0o644)
	}
	return dir
}

// Two runs differ where the facts both recorded differ: the server's
// version, the GPUs; a fact one run lacks is no difference.
func TestComparability(t *testing.T) {
	a, b, c := writeSummary(t, "0.9", "H100"), writeSummary(t, "0.10", "A100"), writeSummary(t, "0.9", "")
	got := Comparability(a, b)
	if len(got) != 3 || !strings.Contains(got[0], `gpus: "2× H100" against "2× A100"`) || !strings.Contains(got[1], "metrics.vllm:cache_config_info") ||
		!strings.Contains(got[2], "server.version") {
		t.Errorf("%v", got)
	}
	if d := Comparability(a, c); len(d) != 0 {
		t.Errorf("a fact one run lacks: %v", d)
	}
	if Comparability(a, t.TempDir()) != nil {
		t.Error("an unreadable run")
	}
}
