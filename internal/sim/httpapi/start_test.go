package httpapi

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

// A sim:// URL starts a listening simulator that stops with its context;
// a URL that does not configure one is the user's error.
func TestStartURL(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := StartURL(ctx, "sim://?ttft=1ms&itl=1ms")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + s.Addr.String() + "/health")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	if s.Description == "" {
		t.Error("no description")
	}
	cancel()
	if err := <-s.Done; err != nil {
		t.Errorf("stopped with %v", err)
	}
	var bad BadURLError
	if _, err := StartURL(context.Background(), "sim://?ttft=soon"); !errors.As(err, &bad) || bad.Unwrap() == nil {
		t.Errorf("a bad URL: %v", err)
	}
}
