package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// pace sends n requests on a constant schedule, each on a goroutine of its
// own, as the simplest net/http pacer would: sleep until the next intended
// time (never re-anchoring), start the request, go on. It prints the
// schedule lag (actual start − intended) and its CPU.
func pace(url string, rate float64, n int) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4096, DisableCompression: true}}
	body := []byte(`{"model":"m","stream":true,"max_completion_tokens":2,"messages":[{"role":"user","content":"hello"}]}`)
	gap := time.Duration(float64(time.Second) / rate)
	lags := make([]time.Duration, n)
	var failed sync.Map
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := range n {
		intended := t0.Add(time.Duration(i) * gap)
		if d := time.Until(intended); d > 0 {
			time.Sleep(d)
		}
		wg.Go(func() {
			lags[i] = time.Since(intended)
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				failed.Store(i, err)
				return
			}
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	wg.Wait()
	errs := 0
	failed.Range(func(any, any) bool { errs++; return true })
	slices.Sort(lags)
	cpu, _ := usage()
	fmt.Printf("sent %d failed %d lag_p50_ms %.3f lag_p99_ms %.3f cpu_seconds %.3f wall_seconds %.3f\n", n, errs,
		float64(lags[n/2])/1e6, float64(lags[n*99/100])/1e6, cpu.Seconds(), time.Since(t0).Seconds())
}
