package main

import (
	"net"
)

// sdNotify tells systemd how the service is doing (Type=notify units):
// "READY=1" once a wipe left by a power cut is finished and the agent
// answers, which is when logins may open (the unit is ordered before
// systemd-user-sessions). It does nothing outside systemd.
func sdNotify(getenv func(string) string, state string) error {
	addr := getenv("NOTIFY_SOCKET")
	if addr == "" {
		return nil
	}
	if addr[0] == '@' { // an abstract socket
		addr = "\x00" + addr[1:]
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Write([]byte(state))
	return err
}
