// Command minimal is the reference client of bench/run.sh: the least a
// streaming benchmark client can do — send the request, read the SSE body
// line by line, stamp each "data:" line with the clock, parse nothing. sonde's
// per-chunk cost is compared with it in the same run, on the same server.
// With -rate it is the least a paced client can do (bench/rate.sh); with
// -serve, the trivial server that rates are measured against.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
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
	firsts := flag.String("first-chunks", "", "write each request's id and the wall time (Unix ns) its first chunk arrived to this file")
	rate := flag.Float64("rate", 0, "send -requests at this constant rate (requests/s), each on its own goroutine, instead of -streams")
	serveAddr := flag.String("serve", "", "serve a trivial SSE answer at this address instead (GET /stats, POST /reset)")
	tokens := flag.Int("serve-tokens", 0, "with -serve: answer every completion with this many events instead of two")
	perWrite := flag.Int("serve-per-write", 64, "with -serve-tokens: events per write")
	pause := flag.Duration("serve-pause", 0, "with -serve-tokens: pause between writes")
	flag.Parse()
	if *serveAddr != "" {
		var st *streamer
		if *tokens > 0 {
			st = newStreamer(*tokens, *perWrite, *pause)
		}
		serve(*serveAddr, st)
		return
	}
	if *rate > 0 {
		pace(*url, *rate, *requests)
		return
	}

	body := fmt.Sprintf(`{"model":"m","stream":true,"max_completion_tokens":%d,"messages":[{"role":"user","content":"hello"}]}`, *osl)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *streams, DisableCompression: true}}
	var chunks, next atomic.Int64
	var wg sync.WaitGroup
	var firstMu sync.Mutex
	var firstLines []string
	start := time.Now()
	for range *streams {
		wg.Go(func() {
			stamps := make([]int64, 0, *osl+8)
			for {
				n := next.Add(1)
				if n > int64(*requests) {
					break
				}
				id := fmt.Sprintf("minimal-%d", n)
				req, _ := http.NewRequest(http.MethodPost, *url, bytes.NewReader([]byte(body)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Request-ID", id)
				resp, err := client.Do(req)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				sc := bufio.NewScanner(resp.Body)
				stamps = stamps[:0]
				var first int64
				for sc.Scan() {
					if bytes.HasPrefix(sc.Bytes(), []byte("data:")) {
						stamps = append(stamps, time.Since(start).Nanoseconds())
						if first == 0 {
							first = time.Now().UnixNano()
						}
					}
				}
				resp.Body.Close()
				chunks.Add(int64(len(stamps)))
				if *firsts != "" {
					firstMu.Lock()
					firstLines = append(firstLines, fmt.Sprintf("%s %d", id, first))
					firstMu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if *firsts != "" {
		if err := os.WriteFile(*firsts, []byte(strings.Join(firstLines, "\n")+"\n"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	cpu, rss := usage()
	fmt.Printf("chunks %d cpu_seconds %.3f wall_seconds %.3f max_rss_kb %d\n", chunks.Load(), cpu.Seconds(), time.Since(start).Seconds(), rss)
}

// usage is the process's CPU time and max RSS so far.
func usage() (time.Duration, int64) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), ru.Maxrss
}
