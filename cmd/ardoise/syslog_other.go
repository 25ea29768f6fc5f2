//go:build !unix

package main

import (
	"errors"

	"github.com/ardoise-fr/ardoise/agent/logging"
)

func syslogSink() (logging.Sink, error) {
	return nil, errors.New("there is no syslog on this system")
}
