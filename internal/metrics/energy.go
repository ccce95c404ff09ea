package metrics

// The GPU energy metrics (AIPerf's power-efficiency metrics), from the
// energy every GPU used over the profiling phase (DCGM's energy counters).
var (
	defTotalEnergy    = Def{Tag: "total_gpu_energy", Header: "Total GPU Energy", Unit: "J", Scale: 1, Flags: NoConsole}
	defAvgPower       = Def{Tag: "average_gpu_power", Header: "Average GPU Power", Unit: "W", Scale: 1, Flags: NoConsole}
	defTokensPerJoule = Def{Tag: "output_tokens_per_joule", Header: "Output Tokens per Joule", Unit: "tokens/J", Scale: 1, Flags: LargerIsBetter, Order: 1200}
	defEnergyPerToken = Def{Tag: "energy_per_output_token", Header: "Energy per Output Token", Unit: "mJ", Scale: 1, Flags: NoConsole}
	defEnergyPerReq   = Def{Tag: "energy_per_request", Header: "Energy per Request", Unit: "J", Scale: 1, Flags: NoConsole}
)

// AddEnergy adds the energy metrics for joules used by the GPUs: the
// total, the average power over the benchmark duration, output tokens per
// joule, and energy per output token (mJ) and per request (J).
func (s *Summary) AddEnergy(joules float64) {
	if joules <= 0 {
		return
	}
	out := []Result{scalar(&defTotalEnergy, joules)}
	if s.DurationSec > 0 {
		out = append(out, scalar(&defAvgPower, joules/s.DurationSec))
	}
	if osl, ok := s.Lookup("total_osl"); ok && osl.Value() > 0 {
		out = append(out, scalar(&defTokensPerJoule, osl.Value()/joules), scalar(&defEnergyPerToken, joules*1000/osl.Value()))
	}
	if s.RequestCount > 0 {
		out = append(out, scalar(&defEnergyPerReq, joules/float64(s.RequestCount)))
	}
	s.Metrics = append(s.Metrics, out...)
	sortResults(s.Metrics)
}
