package server

import (
	"net"
	"strings"
)

// LoopbackAddr tells whether a listen address (host:port) accepts
// connections from this machine only: 127.0.0.0/8, ::1 or localhost. An
// empty host (":8080") or 0.0.0.0 listens everywhere. Only such a listener
// may serve a GraphiQL page carrying a demo token.
func LoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
