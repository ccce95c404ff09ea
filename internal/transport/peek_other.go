//go:build !unix

package transport

import "net"

// peeker cannot peek here: a closed connection shows when the request
// written on it fails.
type peeker struct{}

func peerClosed(net.Conn) bool { return false }

func (*peeker) peerClosed(net.Conn) bool { return false }

// refusedUnread cannot tell here: a written request that met a closed
// connection stays a failure.
func refusedUnread(net.Conn) bool { return false }
