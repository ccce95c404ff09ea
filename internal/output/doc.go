// Package output is everything a run shows and writes beside its requests,
// never on their path: the record pipeline (Records: the accumulator, the
// streamed exports, the live view, the fleet view, time slices, the live
// API, OpenTelemetry), the server's view, network round trips, the
// servers' profilers, and the screen (console, log, dashboard). The
// outputs of a phase share one lifecycle (List): started in order, all
// stopped, each adding to the summary and writing its files after it.
package output
