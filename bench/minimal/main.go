// Command minimal is the reference client of bench/run.sh: the least a
// streaming benchmark client can do — send the request, read the SSE body
// line by line, stamp each "data:" line with the clock, parse nothing. sonde's
// per-chunk cost is compared with it in the same run, on the same server.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:18100/v1/chat/completions", "endpoint")
	streams := flag.Int("streams", 4, "concurrent streams")
	requests := flag.Int("requests", 8, "requests in all")
	osl := flag.Int("osl", 5000, "tokens per answer")
	flag.Parse()

	body := fmt.Sprintf(`{"model":"m","stream":true,"max_completion_tokens":%d,"messages":[{"role":"user","content":"hello"}]}`, *osl)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *streams, DisableCompression: true}}
	var chunks, next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range *streams {
		wg.Go(func() {
			stamps := make([]int64, 0, *osl+8)
			for next.Add(1) <= int64(*requests) {
				resp, err := client.Post(*url, "application/json", bytes.NewReader([]byte(body)))
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				sc := bufio.NewScanner(resp.Body)
				stamps = stamps[:0]
				for sc.Scan() {
					if bytes.HasPrefix(sc.Bytes(), []byte("data:")) {
						stamps = append(stamps, time.Since(start).Nanoseconds())
					}
				}
				resp.Body.Close()
				chunks.Add(int64(len(stamps)))
			}
		})
	}
	wg.Wait()
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	fmt.Printf("chunks %d cpu_seconds %.3f wall_seconds %.3f max_rss_kb %d\n", chunks.Load(), cpu.Seconds(), time.Since(start).Seconds(), ru.Maxrss)
}
