package plan

import (
	"fmt"
	"strings"

	"github.com/sonde-bench/sonde/internal/config"
	"github.com/sonde-bench/sonde/internal/dataset"
	"github.com/sonde-bench/sonde/internal/endpoint"
)

// limitKeys are the payload fields that bound an answer's length, as
// --extra-inputs may set them.
var limitKeys = []string{"max_tokens", "max_completion_tokens", "max_new_tokens", "max_output_tokens"}

// outputLength says, for the start-up log, how long answers may run and
// why: without --osl nothing bounds them but the server, so a first run
// against a real server can take minutes, and the user should know it
// before it starts. "" for APIs that generate no text.
func outputLength(p *config.Profile, convs []dataset.Conversation) string {
	t := endpoint.Canonical(p.EndpointType)
	if !t.ProducesTokens() {
		return ""
	}
	if !t.TakesMaxTokens() {
		return fmt.Sprintf("Output length: not limited (--endpoint-type %s has no output-length field)", t)
	}
	for _, kv := range p.ExtraInputs {
		for _, k := range limitKeys {
			if strings.HasPrefix(kv, k+":") || strings.Contains(kv, `"`+k+`"`) {
				return fmt.Sprintf("Output length: %s from --extra-inputs, for every request", k)
			}
		}
	}
	limited, turns, sum := 0, 0, 0
	for i := range convs {
		for _, tr := range convs[i].Turns {
			turns++
			if tr.MaxTokens > 0 {
				limited, sum = limited+1, sum+tr.MaxTokens
			}
		}
	}
	key := "max_completion_tokens"
	switch {
	case p.UseLegacyMaxTokens || t == endpoint.Completions || t == endpoint.Messages:
		key = "max_tokens"
	case t == endpoint.HFGenerate:
		key = "max_new_tokens"
	case t == endpoint.Responses:
		key = "max_output_tokens"
	}
	switch {
	case p.OSLDistribution != "":
		return fmt.Sprintf("Output length: --osl-distribution %s, %.0f tokens on average in this dataset, sent as %s", p.OSLDistribution, float64(sum)/float64(max(limited, 1)), key)
	case p.OutputTokensMean != nil:
		return fmt.Sprintf("Output length: --osl %d (stddev %g) tokens, sent as %s", *p.OutputTokensMean, p.OutputTokensStddev, key)
	case limited == turns && turns > 0:
		return fmt.Sprintf("Output length: from the dataset, %.0f tokens on average, sent as %s", float64(sum)/float64(turns), key)
	case t == endpoint.Messages:
		return fmt.Sprintf("Output length: max_tokens %d where the dataset gives none (Anthropic's API requires one); --osl sets it", endpoint.MessagesMaxTokens)
	case limited > 0:
		return fmt.Sprintf("Output length: from the dataset on %d of %d turns; the others are not limited (the server's own maximum; --osl N bounds them)", limited, turns)
	}
	return "Output length: not limited (no --osl): each answer runs until the model stops or the server's own maximum, which can take minutes; --osl N bounds it"
}
