package profile

import (
	"path/filepath"
	"strconv"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/export"
)

// writeUserFiles renders each --user-file with the run's names (AIPerf's:
// epoch, job_name, namespace, model, endpoint_url, artifact_dir) and
// writes it into the run's folder before anything is sent.
func (r *profileRun) writeUserFiles() error {
	ufs, err := r.p.UserFileSpecs()
	if err != nil || len(ufs) == 0 {
		return err
	}
	dir, _ := filepath.Abs(r.files.Dir)
	system := map[string]any{"epoch": strconv.FormatInt(r.now().Unix(), 10), "job_name": filepath.Base(dir), "namespace": "",
		"model": r.p.Model[0], "endpoint_url": config.RedactURL(r.plan.URLs()[0]), "artifact_dir": dir}
	for _, uf := range ufs {
		data, err := uf.Render(system)
		if err != nil {
			return UsageError{Err: err}
		}
		if err := export.WriteUserFile(r.files.Dir, uf.Path, data); err != nil {
			return err
		}
	}
	return nil
}
