package report

import (
	"context"
	"errors"
	"net"
	"net/http"
)

// Serve serves dir (the report page and the charts) on ln until ctx ends.
func Serve(ctx context.Context, ln net.Listener, dir string) error {
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir))}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
