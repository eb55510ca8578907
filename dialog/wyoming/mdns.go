package wyoming

import (
	"net"

	"github.com/grandcat/zeroconf"
)

// advertise announces the server as _wyoming._tcp in the local domain, the way
// wyoming's zeroconf.py does, so Home Assistant discovers it. A failure is logged, not
// fatal: the user can still add the satellite by host and port. It returns the function
// that withdraws the announcement, or nil.
func (s *Server) advertise() (stop func()) {
	port := 0
	if a, ok := s.ln.Addr().(*net.TCPAddr); ok {
		port = a.Port
	}
	zs, err := zeroconf.Register(s.o.Name, "_wyoming._tcp", "local.", port, nil, nil)
	if err != nil {
		s.o.Logf("wyoming: mDNS advertisement failed (add the satellite by address): %v", err)
		return nil
	}
	s.o.Logf("wyoming: advertising %q as _wyoming._tcp on port %d", s.o.Name, port)
	return zs.Shutdown
}
